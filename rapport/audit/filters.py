from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from rapport.audit.models import Action, AuditEvent
from rapport.core.filters import SearchFilterSet


class AuditEventFilter(SearchFilterSet):
    search_fields = ("actor_label", "object_label")
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

    def by_type(self, queryset, name, value):
        app_label, _sep, model = value.strip().lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
