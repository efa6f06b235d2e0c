"""One FilterSet per model, shared by pages and the API (DESIGN §10.5)."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from rapport.core.filters import SearchFilterSet, archived_filter
from rapport.org.models import JobDescription, Membership, Role, Team

User = get_user_model()


class UserFilter(SearchFilterSet):
    search_fields = ("username", "full_name", "english_name", "email")
    team = extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            method="by_membership",
            queryset=Team.objects.none(),
            label=_("Team"),
            empty_label=_("All teams"),
        )
    )
    role = django_filters.ChoiceFilter(
        method="by_membership",
        choices=Role.choices,
        label=_("Role"),
        empty_label=_("All roles"),
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = ["q", "team", "role", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["team"].queryset = Team.objects.visible_to(request.user)

    def by_membership(self, queryset, name, value):
        # Team and role must hold for the SAME membership ("a lead in team A"), so both are
        # applied in one filter() call, once, whichever of the two filters runs first.
        if getattr(self, "_membership_applied", False):
            return queryset
        self._membership_applied = True
        wanted = {}
        if self.form.cleaned_data.get("team"):
            wanted["memberships__team"] = self.form.cleaned_data["team"]
        if self.form.cleaned_data.get("role"):
            wanted["memberships__role"] = self.form.cleaned_data["role"]
        return queryset.filter(**wanted).distinct()


class TeamFilter(SearchFilterSet):
    search_fields = ("name", "english_name")
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent team"))
    archived = archived_filter()

    class Meta:
        model = Team
        fields = ["q", "parent", "archived"]


class MembershipFilter(django_filters.FilterSet):
    team = django_filters.NumberFilter(field_name="team_id", label=_("Team"))
    user = django_filters.NumberFilter(field_name="user_id", label=_("User"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"))

    class Meta:
        model = Membership
        fields = ["team", "user", "role"]


class JobDescriptionFilter(SearchFilterSet):
    search_fields = ("title", "summary")
    team = django_filters.NumberFilter(field_name="team_id", label=_("Team"))
    archived = archived_filter()

    class Meta:
        model = JobDescription
        fields = ["q", "team", "archived"]
