"""Follow-ups (跟进记录): the logbook of every call, visit and message with a customer."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import ArchivableModel, BaseModel, ScopedQuerySet
from rapport.customers.models.customer import CustomerChildQuerySet

# A follow-up may be edited this long after it was written; then it is a logbook entry
# and corrections are added as notes.
EDIT_WINDOW = dt.timedelta(hours=24)


class FollowUpKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other")


class FollowUpQuerySet(CustomerChildQuerySet):
    def editable_by(self, user) -> FollowUpQuerySet:
        """Only the author, and only within the edit window; admins too."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        recent = self.filter(created_at__gte=timezone.now() - EDIT_WINDOW)
        if scope.is_admin:
            return recent
        if not scope.can_write:
            return self.none()
        return recent.filter(author_id=user.pk).visible_to(user)


class FollowUp(ArchivableModel):
    """One contact with a customer. Its next date sets the customer's next follow-up."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    kind = models.CharField(
        _("type"), max_length=16, choices=FollowUpKind.choices, default=FollowUpKind.CALL
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    contacts = models.ManyToManyField(
        "customers.Contact", verbose_name=_("contacts"), blank=True, related_name="follow_ups"
    )
    summary = models.TextField(_("summary"), max_length=4000)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    next_date = models.DateField(_("next follow-up date"), null=True, blank=True)
    checkin_lat = models.DecimalField(
        _("check-in latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_lng = models.DecimalField(
        _("check-in longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    checkin_address = models.CharField(_("check-in address"), max_length=255, blank=True)
    checkin_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="fu_customer_when"),
            models.Index(fields=["author", "-occurred_at"], name="fu_author_when"),
            models.Index(fields=["-occurred_at"], name="fu_when"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(checkin_lat__isnull=True)
                | models.Q(checkin_lat__gte=-90, checkin_lat__lte=90),
                name="customers_followup_lat_range",
            ),
            models.CheckConstraint(
                condition=models.Q(checkin_lng__isnull=True)
                | models.Q(checkin_lng__gte=-180, checkin_lng__lte=180),
                name="customers_followup_lng_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id} · {self.occurred_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("customers:followup-detail", args=[self.pk])

    @property
    def editable_until(self) -> dt.datetime:
        return self.created_at + EDIT_WINDOW


class FollowUpChildQuerySet(ScopedQuerySet):
    """Notes and attachments are visible with their follow-up."""

    def visible_to(self, user):
        return self.filter(follow_up__in=FollowUp.objects.visible_to(user).values("pk"))

    def editable_by(self, user):
        return self.none()


class FollowUpNote(BaseModel):
    """A correction or addition to a follow-up after its edit window closed."""

    follow_up = models.ForeignKey(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.PROTECT, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("note"), max_length=2000)

    objects = FollowUpChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up note")
        verbose_name_plural = _("follow-up notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:50]


def attachment_path(instance, filename: str) -> str:
    return f"follow-ups/{timezone.now():%Y/%m}/{instance.follow_up_id}/{filename}"


class Attachment(BaseModel):
    """A file on a follow-up (photo of a visit, a quotation…); size and type are checked by
    the service before it is stored."""

    follow_up = models.ForeignKey(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = FollowUpChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name
