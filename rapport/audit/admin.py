from django.contrib import admin

from rapport.audit.models import AuditEvent
from rapport.core.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: audit rows cannot be changed or deleted through the app."""

    list_display = [
        "occurred_at",
        "actor_label",
        "action",
        "content_type",
        "object_label",
        "ip_address",
    ]
    list_filter = ["action", "content_type"]
    search_fields = ["actor_label", "object_label", "request_id"]
    date_hierarchy = "occurred_at"
