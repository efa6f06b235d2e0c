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


def _about_visible_records(user) -> Q:
    """Events whose object is a record `user` may see, for every scoped model."""
    from django.apps import apps
    from django.db.models import CharField
    from django.db.models.functions import Cast

    match = Q(pk__in=[])
    for model in apps.get_models():
        manager = getattr(model, "objects", None)
        if model is AuditEvent or not hasattr(manager, "visible_to"):
            continue
        ids = (
            manager.visible_to(user)
            .annotate(audit_object_id=Cast("pk", CharField()))
            .values("audit_object_id")
        )
        content_type = ContentType.objects.get_for_model(model)
        match |= Q(content_type=content_type, object_id__in=ids)
    return match


# Events about a person's sign-ins and credentials: not part of a record's public history.
PRIVATE_ACTIONS = ["login", "logout", "login_failed", "token_create", "token_revoke"]


class AuditEventQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> AuditEventQuerySet:
        """Admins see every event. A team lead sees events about records they may see
        (scoped by the object, never by the actor: an admin's edit of a sibling team must
        not show through). Everyone sees their own events and events about themselves."""
        from rapport.org.models import User
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        user_type = ContentType.objects.get_for_model(User)
        mine = Q(actor_id=user.pk) | Q(content_type=user_type, object_id=str(user.pk))
        if scope.is_lead:
            mine |= _about_visible_records(user)
        return self.filter(mine)

    def history_for(self, obj, user) -> AuditEventQuerySet:
        """The history of one record the user may see: its changes for anyone who sees it;
        sign-ins, failed sign-ins and token events only where the log itself is visible."""
        private = Q(action__in=PRIVATE_ACTIONS)
        visible = self.visible_to(user).for_object(obj).values("pk")
        return self.for_object(obj).filter(~private | Q(pk__in=visible))

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
