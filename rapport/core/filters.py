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


def archived_filter() -> django_filters.BooleanFilter:
    """`?archived=true` lists archived rows, `false` live ones, absent both."""
    return django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, label=_("Archived")
    )
