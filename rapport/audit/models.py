"""The audit log: one immutable row per create, update, archive, ownership or role
change, login, logout and failed login (DESIGN §6).

Rows cannot be changed or deleted through the application: `save()` refuses updates,
`delete()` refuses, and the queryset refuses bulk update/delete. The only removal is
the retention purge in services, which never touches rows younger than 180 days.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import ScopedQuerySet

MIN_RETENTION_DAYS = 180


class AuditImmutableError(RuntimeError):
    pass


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    ARCHIVE = "archive", _("Archived")
    RESTORE = "restore", _("Restored")
    DELETE = "delete", _("Deleted")
    OWNERSHIP = "ownership", _("Ownership changed")
    ROLE = "role", _("Role changed")
    LOGIN = "login", _("Signed in")
    LOGOUT = "logout", _("Signed out")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    TOKEN_CREATE = "token_create", _("API token created")
    TOKEN_REVOKE = "token_revoke", _("API token revoked")
    DEACTIVATE = "deactivate", _("Deactivated")
    ACTIVATE = "activate", _("Activated")
    EXPORT = "export", _("Exported")
    JOB = "job", _("Job started")
    PURGE = "purge", _("Audit purge")


class AuditEventQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> AuditEventQuerySet:
        """Admins see every event; a team lead sees events by or about people in their
        subtree; everyone else sees their own events and events about themselves."""
        from rapport.org.models import User
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        user_type = ContentType.objects.get_for_model(User)
        about_me = Q(content_type=user_type, object_id=str(user.pk))
        if scope.is_lead:
            people = User.objects.visible_to(user).values("pk")
            return self.filter(Q(actor_id__in=people) | about_me)
        return self.filter(Q(actor_id=user.pk) | about_me)

    def editable_by(self, user) -> AuditEventQuerySet:
        return self.none()

    def for_object(self, obj) -> AuditEventQuerySet:
        content_type = ContentType.objects.get_for_model(type(obj))
        return self.filter(content_type=content_type, object_id=str(obj.pk))

    def update(self, **kwargs):
        raise AuditImmutableError("Audit events cannot be changed.")

    def delete(self):
        raise AuditImmutableError("Audit events cannot be deleted.")

    def _purge(self) -> int:
        """Used only by audit.services.audit_purge."""
        return super().delete()[0]


class AuditEvent(models.Model):
    """One audited event. `changes` maps field -> [before, after]."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType,
        verbose_name=_("object type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-occurred_at"], name="audit_object_time"
            ),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time"),
        ]

    def __str__(self) -> str:
        when = f"{self.occurred_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor_label} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutableError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("Audit events cannot be deleted.")
