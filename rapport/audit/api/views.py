from __future__ import annotations

from rapport.audit.api.serializers import AuditEventSerializer
from rapport.audit.filters import AuditEventFilter
from rapport.audit.models import AuditEvent
from rapport.core.api.viewsets import ScopedViewSet


class AuditEventViewSet(ScopedViewSet):
    """The audit log, read-only, within scope (admins all; leads their subtree)."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    select_related = ("content_type",)
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at", "-id"]
    history = None  # an audit event has no history of its own
