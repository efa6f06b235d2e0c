"""The digest (周报/月报邮件): what was mailed to whom, and who wants which digest when.

Every team lead gets a weekly digest for each team they lead (Monday 08:00), every admin
a monthly company digest (the 1st, 08:00), unless they turned it off: a subscription row
exists only once someone changes the defaults.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import BaseModel, ScopedQuerySet


class DigestKind(models.TextChoices):
    WEEKLY_TEAM = "weekly_team", _("Weekly team digest")
    MONTHLY_COMPANY = "monthly_company", _("Monthly company digest")


class DigestStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class DigestQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> DigestQuerySet:
        """Its recipient and admins: a digest holds what the recipient's scope shows."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient_id=user.pk)

    def editable_by(self, user) -> DigestQuerySet:
        return self.none()  # a record of what was mailed

    def creatable_by(self, user) -> bool:
        return False  # written by the digest service only


class Digest(models.Model):
    """One digest built for one recipient and period, sent or not. The content is kept
    whatever happened to the mail, so a failed send can be read in the app and sent again.
    Derived from other records, so not audited; never edited."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="digests",
    )
    email = models.CharField(_("sent to"), max_length=254, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DigestKind.choices)
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    html = models.TextField(_("HTML"))
    text = models.TextField(_("plain text"))
    status = models.CharField(_("status"), max_length=10, choices=DigestStatus.choices)
    error = models.TextField(_("error"), blank=True)
    forced = models.BooleanField(_("sent on request"), default=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = DigestQuerySet.as_manager()

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="goals_digest_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind="weekly_team", team__isnull=False)
                | Q(kind="monthly_company", team__isnull=True),
                name="goals_digest_team_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="digest_recipient_created"),
            models.Index(
                fields=["recipient", "kind", "period_start"], name="digest_recipient_period"
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("goals:digest-detail", args=[self.pk])


class DigestSubscriptionQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> DigestSubscriptionQuerySet:
        from rapport.org.scope import scope_for

        if scope_for(user).is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)

    def editable_by(self, user) -> DigestSubscriptionQuerySet:
        """Each person their own: when and whether they get a digest is theirs to say."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)


class DigestSubscription(BaseModel):
    """One person's choice for one kind of digest: on or off, and when (their local time).
    Without a row the defaults apply: on, Monday 08:00 or the 1st at 08:00. A weekly
    subscription covers every team the person leads."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="digest_subscriptions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DigestKind.choices)
    enabled = models.BooleanField(_("send me this digest"), default=True)
    weekday = models.PositiveSmallIntegerField(
        _("day of the week"), choices=Weekday.choices, default=Weekday.MONDAY
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("day of the month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("1 to 28, so that every month has the day."),
    )
    hour = models.PositiveSmallIntegerField(
        _("time of day"),
        default=8,
        validators=[MaxValueValidator(23)],
        help_text=_("In your time zone, 0 to 23."),
    )

    objects = DigestSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint("user", "kind", name="goals_digest_sub_user_kind_unique"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="goals_digest_sub_weekday"),
            models.CheckConstraint(condition=Q(hour__lte=23), name="goals_digest_sub_hour"),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=28),
                name="goals_digest_sub_day_of_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"
