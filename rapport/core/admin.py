"""Django admin, for configuration by Rapport admins (the admin role, not only superusers).

Business records are read-only here: their writes go through the audited services that the
pages and the API call.
"""

from django.contrib import admin

from rapport.core.models import Job
from rapport.org.scope import scope_for


def _is_admin(request) -> bool:
    return request.user.is_active and scope_for(request.user).is_admin


# The admin role opens the admin site; `login_required` in config/urls.py sends sign-in
# through allauth, so two-factor applies.
admin.site.has_permission = _is_admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return _is_admin(request)

    def has_view_permission(self, request, obj=None):
        return _is_admin(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "owner", "status", "progress", "total", "created_at"]
    list_filter = ["status", "kind"]
