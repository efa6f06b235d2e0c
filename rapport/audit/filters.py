from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.audit.models import Action, AuditEvent
from rapport.core.filters import SEARCH_WIDGET


class AuditEventFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), widget=SEARCH_WIDGET)
    action = django_filters.ChoiceFilter(
        choices=Action.choices, label=_("Action"), empty_label=_("All actions")
    )
    actor = django_filters.NumberFilter(field_name="actor_id", label=_("Actor"))
    object_type = django_filters.CharFilter(
        method="by_type", label=_("Object type"), help_text=_("app_label.model, e.g. org.team")
    )
    object_id = django_filters.CharFilter(label=_("Object id"))
    since = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label=_("Since")
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lt", label=_("Until")
    )

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "actor", "object_type", "object_id", "since", "until"]

    def search(self, queryset, name, value):
        value = value.strip()[:100]
        return queryset.filter(Q(actor_label__icontains=value) | Q(object_label__icontains=value))

    def by_type(self, queryset, name, value):
        app_label, _sep, model = value.strip().lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
