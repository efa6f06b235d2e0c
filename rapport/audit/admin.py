from django.contrib import admin

from rapport.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
