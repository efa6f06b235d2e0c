"""FilterSets of the pool pages and API: pools, and the customers inside one pool."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.filters import SearchFilterSet, archived_filter
from rapport.customers.models import Customer, Pool, Tier
from rapport.customers.normalize import fold


class PoolFilter(SearchFilterSet):
    search_fields = ("name", "team__name")
    archived = archived_filter()

    class Meta:
        model = Pool
        fields = ["q", "team", "archived"]


POOL_SORTS = {
    "-entered": ("-pool_entered_at", "-id"),
    "name": ("name", "id"),
    "-annual_value": ("-annual_value", "-id"),
}


class PoolCustomerFilter(SearchFilterSet):
    """The customers of one pool: search, tier, region, and sort (newest in the pool
    first by default, on the pool/entered index)."""

    tier = django_filters.ChoiceFilter(
        choices=Tier.choices, label=_("Tier"), empty_label=_("Any tier")
    )
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("Province / region"))
    sort = django_filters.ChoiceFilter(
        choices=[
            ("-entered", _("Newest in the pool first")),
            ("name", _("Name")),
            ("-annual_value", _("Annual value, highest first")),
        ],
        method="sort_by",
        label=_("Sort"),
        empty_label=None,
    )

    class Meta:
        model = Customer
        fields = ["q", "tier", "region", "sort"]

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        folded = fold(value).replace(" ", "")
        return queryset.filter(Q(search_text__icontains=folded) | Q(name__icontains=value))

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*POOL_SORTS.get(value, POOL_SORTS["-entered"]))
