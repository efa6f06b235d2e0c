"""One FilterSet per model of the customer book, shared by the pages and the API
(DESIGN §10.5). Choices that name people or teams are limited to the user's scope."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from rapport.core.filters import (
    AnyYesNoSelect,
    SearchFilterSet,
    SortedFilterSet,
    SortFilter,
    archived_filter,
)
from rapport.customers.models import (
    Contact,
    Customer,
    CustomerStatus,
    FollowUp,
    FollowUpKind,
    Source,
    Tag,
    Tier,
)
from rapport.customers.models.contact import BuyingRole
from rapport.customers.normalize import fold
from rapport.org.models import Team, User

# Each sort follows an index of Customer.Meta.indexes, with `id` as the tiebreak so that
# pages never repeat or skip a row.
CUSTOMER_SORTS = {
    "name": ("name", "id"),
    "-last_follow_up": ("-last_follow_up_at", "-id"),
    # NULLS LAST is PostgreSQL's own order for an ascending index: owned customers first.
    "due": (F("contact_due_on").asc(nulls_last=True), "id"),
    "-annual_value": ("-annual_value", "-id"),
    "-created": ("-created_at", "-id"),
}
CUSTOMER_SORT_CHOICES = [
    ("name", _("Name")),
    ("-last_follow_up", _("Last follow-up, newest first")),
    ("due", _("Due date, soonest first")),
    ("-annual_value", _("Annual value, highest first")),
    ("-created", _("Created, newest first")),
]


class Due(django_filters.ChoiceFilter):
    """Contact cadence: overdue, due today, due within the week (today and the 6 days after),
    or within cadence (not overdue: the other side of the lead's compliance figure)."""

    CHOICES = [
        ("overdue", _("Overdue")),
        ("on_time", _("Within cadence")),
        ("today", _("Due today")),
        ("week", _("Due this week")),
    ]

    def __init__(self, **kwargs):
        super().__init__(choices=self.CHOICES, label=_("Due"), empty_label=_("Any time"), **kwargs)

    def filter(self, queryset, value):
        today = timezone.localdate()
        if value == "overdue":
            return queryset.filter(contact_due_on__lt=today)
        if value == "on_time":
            return queryset.filter(contact_due_on__gte=today)
        if value == "today":
            return queryset.filter(contact_due_on=today)
        if value == "week":
            return queryset.filter(
                contact_due_on__gte=today, contact_due_on__lte=today + dt.timedelta(days=6)
            )
        return queryset


def _int_choice(filter_obj):
    """In the OpenAPI schema a model choice filter is the row's integer id."""
    return extend_schema_field(OpenApiTypes.INT)(filter_obj)


class CustomerFilter(SortedFilterSet):
    status = django_filters.ChoiceFilter(
        choices=CustomerStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    tier = django_filters.ChoiceFilter(
        choices=Tier.choices, label=_("Tier"), empty_label=_("Any tier")
    )
    owner = _int_choice(
        django_filters.ModelChoiceFilter(
            queryset=User.objects.none(), label=_("Owner"), empty_label=_("Any owner")
        )
    )
    team = _int_choice(
        django_filters.ModelChoiceFilter(
            queryset=Team.objects.none(), label=_("Team"), empty_label=_("Any team")
        )
    )
    tag = _int_choice(
        django_filters.ModelChoiceFilter(
            field_name="tags", queryset=Tag.objects.all(), label=_("Tag"), empty_label=_("Any tag")
        )
    )
    source = django_filters.ChoiceFilter(
        choices=Source.choices, label=_("Source"), empty_label=_("Any source")
    )
    region = django_filters.CharFilter(lookup_expr="icontains", label=_("Province / region"))
    city = django_filters.CharFilter(lookup_expr="icontains", label=_("City"))
    due = Due()
    in_pool = django_filters.BooleanFilter(
        field_name="pool",
        lookup_expr="isnull",
        exclude=True,
        label=_("In a public pool"),
        widget=AnyYesNoSelect,
    )
    archived = archived_filter()
    sort = SortFilter(CUSTOMER_SORTS, CUSTOMER_SORT_CHOICES)
    default_sort = "name"

    class Meta:
        model = Customer
        fields = [
            "q", "status", "tier", "owner", "team", "tag", "source", "region", "city", "due",
            "in_pool", "archived", "sort",
        ]  # fmt: skip

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from rapport.customers.selectors import owner_choices, team_choices

        user = getattr(request, "user", None)
        self.filters["owner"].queryset = owner_choices(user)
        self.filters["team"].queryset = team_choices(user)

    def search(self, queryset, name, value):
        """Name, short name, USCC and pinyin (full and initials) via the stored search text.
        From three characters on, through the search box's index (FTS5 trigrams on SQLite,
        pg_trgm on PostgreSQL): a scan of 100,000 texts took ~100 ms. Shorter text ("科技",
        "bj") is still found anywhere in the name, by a scan, since trigrams cannot."""
        from rapport.search.selectors import TRIGRAM, Query, matching, parse_query

        value = value.strip()[:100]
        query = parse_query(value)
        if not query.terms:
            return queryset
        if len(query.text) >= TRIGRAM:
            # The text alone: a customer's search text holds no phones, so the phone forms
            # parse_query adds ("0091" -> "91") would only match the start of USCCs.
            return matching(queryset, Query(query.raw, (query.text,)))
        folded = fold(value).replace(" ", "")
        return queryset.filter(Q(search_text__icontains=folded) | Q(name__icontains=value))


# Contacts of the whole book by name or newest first; of one customer, primary first
# (Contact.Meta.indexes).
CONTACT_SORTS = {
    "name": ("name", "id"),
    "-created": ("-created_at", "-id"),
    "primary": ("-is_primary", "name", "id"),
}
CONTACT_SORT_CHOICES = [
    ("name", _("Name")),
    ("-created", _("Created, newest first")),
    ("primary", _("Primary contact first")),
]


class ContactFilter(SortedFilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    buying_role = django_filters.ChoiceFilter(
        choices=BuyingRole.choices, label=_("Buying role"), empty_label=_("Any role")
    )
    is_primary = django_filters.BooleanFilter(label=_("Primary contact"))
    do_not_contact = django_filters.BooleanFilter(label=_("Do not contact"))
    archived = archived_filter()
    sort = SortFilter(CONTACT_SORTS, CONTACT_SORT_CHOICES)
    default_sort = "name"

    class Meta:
        model = Contact
        fields = [
            "q", "customer", "buying_role", "is_primary", "do_not_contact", "archived", "sort",
        ]  # fmt: skip

    def search(self, queryset, name, value):
        """Name, email, phones (any spelling) and pinyin via the stored search text."""
        from rapport.customers.normalize import phone_key

        value = value.strip()[:100]
        if not value:
            return queryset
        folded = fold(value).replace(" ", "")
        match = Q(search_text__icontains=folded) | Q(name__icontains=value)
        phone = phone_key(value)
        if phone:
            match |= Q(mobile=phone) | Q(phone=phone)
        return queryset.filter(match)


class FollowUpFilter(SearchFilterSet):
    search_fields = ("summary", "outcome", "next_step")
    kind = django_filters.ChoiceFilter(
        choices=FollowUpKind.choices, label=_("Type"), empty_label=_("Any type")
    )
    author = _int_choice(
        django_filters.ModelChoiceFilter(
            queryset=User.objects.none(), label=_("By"), empty_label=_("Anyone")
        )
    )
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    since = django_filters.DateFilter(
        field_name="occurred_at",
        method="on_or_after",
        label=_("From"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="occurred_at",
        method="on_or_before",
        label=_("To"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )
    archived = archived_filter()

    class Meta:
        model = FollowUp
        fields = ["q", "kind", "author", "customer", "since", "until", "archived"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from rapport.customers.selectors import owner_choices

        self.filters["author"].queryset = owner_choices(getattr(request, "user", None))

    @staticmethod
    def _start_of(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    def on_or_after(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=self._start_of(value))

    def on_or_before(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=self._start_of(value + dt.timedelta(days=1)))
