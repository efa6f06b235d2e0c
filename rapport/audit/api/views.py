from __future__ import annotations

from rest_framework import serializers

from rapport.audit.filters import AuditEventFilter
from rapport.audit.models import AuditEvent
from rapport.core.api.viewsets import ScopedViewSet


class AuditEventSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_label",
            "changes",
            "extra",
            "ip_address",
            "request_id",
        ]

    def get_object_type(self, obj) -> str | None:
        if obj.content_type_id is None:
            return None
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class AuditEventViewSet(ScopedViewSet):
    """The audit log, read-only, within scope (admins all; leads their subtree)."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    select_related = ("content_type",)
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at", "-id"]
