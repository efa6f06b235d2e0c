"""Django admin shows people and teams read-only: changes go through Rapport's own pages
and API, which call the audited services."""

from django.contrib import admin

from rapport.core.admin import ReadOnlyAdmin
from rapport.org.models import ApiToken, JobDescription, Membership, Team, User


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "full_name", "english_name", "email", "is_active", "last_login"]
    search_fields = ["username", "full_name", "english_name", "email"]
    list_filter = ["is_active"]
    exclude = ["password"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "english_name", "parent", "path", "archived_at"]
    search_fields = ["name", "english_name"]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "team", "role", "is_primary"]
    list_filter = ["role"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]


@admin.register(JobDescription)
class JobDescriptionAdmin(ReadOnlyAdmin):
    list_display = ["title", "team", "archived_at"]
