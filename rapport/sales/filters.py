"""The opportunity and pipeline FilterSets, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from rapport.core.filters import SearchFilterSet, archived_filter
from rapport.org.models import Team
from rapport.sales.models import Opportunity, Pipeline, Stage, StageOutcome

User = get_user_model()
DATE = forms.DateInput(attrs={"type": "date"})


def _int_choice(filter_obj):
    return extend_schema_field(OpenApiTypes.INT)(filter_obj)


def _day_start(day: dt.date) -> dt.datetime:
    """The first instant of a day in the company's time zone (the day the KPI figures
    count in, whatever the reader's own time zone)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


class OpportunityFilter(SearchFilterSet):
    search_fields = ("name", "customer__name", "search_text")
    pipeline = django_filters.NumberFilter(field_name="pipeline_id", label=_("Pipeline"))
    stage = _int_choice(
        django_filters.ModelChoiceFilter(
            queryset=Stage.objects.none(), label=_("Stage"), empty_label=_("All stages")
        )
    )
    status = django_filters.ChoiceFilter(
        field_name="stage__outcome",
        choices=StageOutcome.choices,
        label=_("Status"),
        empty_label=_("Open, won and lost"),
    )
    owner = _int_choice(
        django_filters.ModelChoiceFilter(
            queryset=User.objects.none(), label=_("Owner"), empty_label=_("All owners")
        )
    )
    team = _int_choice(
        django_filters.ModelChoiceFilter(
            queryset=Team.objects.none(), label=_("Team"), empty_label=_("All teams")
        )
    )
    customer = django_filters.NumberFilter(field_name="customer_id", label=_("Customer"))
    close_from = django_filters.DateFilter(
        field_name="expected_close",
        lookup_expr="gte",
        label=_("Expected close from"),
        widget=DATE,
    )
    close_to = django_filters.DateFilter(
        field_name="expected_close",
        lookup_expr="lte",
        label=_("Expected close to"),
        widget=DATE,
    )
    # Closed (won or lost) between two local days: the drill-down of the KPI figures.
    closed_from = django_filters.DateFilter(
        label=_("Closed from"), widget=DATE, method="filter_closed_from"
    )
    closed_to = django_filters.DateFilter(
        label=_("Closed to"), widget=DATE, method="filter_closed_to"
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label=_("Amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label=_("Amount to")
    )
    archived = archived_filter()
    sort = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created"),
            ("name", "name"),
            ("amount", "amount"),
            ("expected_close", "expected_close"),
            ("stage__position", "stage"),
            ("stage_entered_at", "stage_entered"),
        ),
        field_labels={
            "created_at": _("Newest"),
            "name": _("Name"),
            "amount": _("Amount"),
            "expected_close": _("Expected close"),
            "stage__position": _("Stage"),
            "stage_entered_at": _("In stage since"),
        },
        label=_("Sort"),
        empty_label=_("Newest first"),
    )

    class Meta:
        model = Opportunity
        fields = [
            "q",
            "pipeline",
            "stage",
            "status",
            "owner",
            "team",
            "customer",
            "close_from",
            "close_to",
            "closed_from",
            "closed_to",
            "amount_min",
            "amount_max",
            "archived",
            "sort",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None and request.user.is_authenticated:
            from rapport.org.scope import scope_for

            user = request.user
            scope = scope_for(user)
            self.filters["stage"].queryset = Stage.objects.visible_to(user).select_related(
                "pipeline"
            )
            self.filters["owner"].queryset = User.objects.visible_to(user).order_by("username")
            teams = Team.objects.visible_to(user).filter(archived_at__isnull=True)
            if not scope.is_admin:
                teams = teams.filter(pk__in=scope.team_ids)
            self.filters["team"].queryset = teams.order_by("path")

    def filter_closed_from(self, queryset, name, value):
        return queryset.filter(closed_at__gte=_day_start(value))

    def filter_closed_to(self, queryset, name, value):
        return queryset.filter(closed_at__lt=_day_start(value + dt.timedelta(days=1)))

    @property
    def qs(self):
        queryset = super().qs
        # A stable order for pagination when no sort is asked for (and ties broken by id).
        if not getattr(self.form, "cleaned_data", {}).get("sort"):
            return queryset.order_by("-created_at", "-id")
        return queryset.order_by(*queryset.query.order_by, "-id")


class PipelineFilter(SearchFilterSet):
    search_fields = ("name",)
    archived = archived_filter()

    class Meta:
        model = Pipeline
        fields = ["q", "archived"]
