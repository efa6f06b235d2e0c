"""Shared pieces for the FilterSets of every app."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The `q` box of every list: a search input with a placeholder instead of a label.
SEARCH_WIDGET = forms.TextInput(
    attrs={"type": "search", "placeholder": _("Search…"), "aria-label": _("Search")}
)


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with the `q` box: a case-insensitive match on any of `search_fields`."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="search", label=_("Search"), widget=SEARCH_WIDGET)

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value or not self.search_fields:
            return queryset
        match = Q()
        for field in self.search_fields:
            match |= Q(**{f"{field}__icontains": value})
        return queryset.filter(match)


class AnyYesNoSelect(django_filters.widgets.BooleanWidget):
    """A yes/no filter's select: "Any" (no filter, an empty value), "Yes" (`true`), "No"
    (`false`), where Django's own select says "Unknown" for "any"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def archived_filter() -> django_filters.BooleanFilter:
    """`?archived=true` lists archived rows, `false` live ones, absent both."""
    return django_filters.BooleanFilter(
        field_name="archived_at",
        lookup_expr="isnull",
        exclude=True,
        label=_("Archived"),
        widget=AnyYesNoSelect,
    )


class SortFilter(django_filters.ChoiceFilter):
    """`?sort=`: one of a fixed set of orders. Each should follow an index of the model and
    end with the primary key, so that pages never repeat or skip a row."""

    def __init__(self, sorts: dict[str, tuple], choices, **kwargs):
        self.sorts = sorts
        kwargs.setdefault("label", _("Sort"))
        super().__init__(choices=choices, empty_label=None, **kwargs)

    def filter(self, qs, value):
        return qs.order_by(*self.sorts[value]) if value in self.sorts else qs


class SortedFilterSet(SearchFilterSet):
    """A FilterSet with a `sort` SortFilter: with no (valid) sort asked for, the list is still
    in `default_sort`'s index-friendly, stable order."""

    default_sort = ""

    @property
    def qs(self):
        queryset = super().qs
        sort = self.filters["sort"]
        chosen = (
            self.is_bound and not self.errors.get("sort") and self.form.cleaned_data.get("sort")
        )
        if not chosen and self.default_sort:
            queryset = queryset.order_by(*sort.sorts[self.default_sort])
        return queryset
