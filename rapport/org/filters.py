"""One FilterSet per model, shared by pages and the API (DESIGN §10.5)."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.filters import SEARCH_WIDGET
from rapport.org.models import JobDescription, Membership, Role, Team

User = get_user_model()


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), widget=SEARCH_WIDGET)
    team = django_filters.ModelChoiceFilter(
        field_name="memberships__team",
        queryset=Team.objects.none(),
        label=_("Team"),
        empty_label=_("All teams"),
    )
    role = django_filters.ChoiceFilter(
        field_name="memberships__role",
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

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(full_name__icontains=value)
            | Q(english_name__icontains=value)
            | Q(email__icontains=value)
        )

    @property
    def qs(self):
        queryset = super().qs
        # Team and role filters join memberships: keep one row per user, only then.
        if self.form.is_bound and any(self.data.get(key) for key in ("team", "role")):
            queryset = queryset.distinct()
        return queryset


class TeamFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), widget=SEARCH_WIDGET)
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent team"))
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, label=_("Archived")
    )

    class Meta:
        model = Team
        fields = ["q", "parent", "archived"]

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(Q(name__icontains=value) | Q(english_name__icontains=value))


class MembershipFilter(django_filters.FilterSet):
    team = django_filters.NumberFilter(field_name="team_id", label=_("Team"))
    user = django_filters.NumberFilter(field_name="user_id", label=_("User"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"))

    class Meta:
        model = Membership
        fields = ["team", "user", "role"]


class JobDescriptionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), widget=SEARCH_WIDGET)
    team = django_filters.NumberFilter(field_name="team_id", label=_("Team"))
    archived = django_filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, label=_("Archived")
    )

    class Meta:
        model = JobDescription
        fields = ["q", "team", "archived"]

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(Q(title__icontains=value) | Q(summary__icontains=value))
