"""KPI data: the company's goal settings, exchange rates, and the daily metric snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.core.models import BaseModel, ScopedQuerySet
from rapport.core.money import Currency


class SettingsQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> SettingsQuerySet:
        return self.all() if user.is_authenticated else self.none()

    def editable_by(self, user) -> SettingsQuerySet:
        from rapport.org.scope import scope_for

        return self.all() if scope_for(user).is_admin else self.none()

    def creatable_by(self, user) -> bool:
        from rapport.org.scope import scope_for

        return scope_for(user).is_admin


class GoalSettings(BaseModel):
    """The company's rules for goals and KPIs (one row). Everyone reads; admins change."""

    fiscal_year_start = models.PositiveSmallIntegerField(
        _("first month of the fiscal year"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    base_currency = models.CharField(
        _("reporting currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
    # Pace: actual ÷ expected-by-today at or above `on_track` is on track, at or above
    # `at_risk` is at risk, below it off track.
    on_track_at = models.PositiveSmallIntegerField(
        _("on track from (% of the expected value)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
    )
    at_risk_at = models.PositiveSmallIntegerField(
        _("at risk from (% of the expected value)"),
        default=70,
        validators=[MinValueValidator(0), MaxValueValidator(200)],
    )
    achievable_factor = models.PositiveSmallIntegerField(
        _("warn when a target exceeds the best past period by (%)"),
        default=150,
        validators=[MinValueValidator(100), MaxValueValidator(1000)],
    )
    leaderboard_min_volume = models.PositiveIntegerField(
        _("least volume for a rate to rank (e.g. closed deals for the win rate)"), default=5
    )
    leaderboard_hide_names = models.BooleanField(
        _("hide other people's names on the leaderboard"), default=False
    )

    objects = SettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("goal settings")
        verbose_name_plural = _("goal settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(at_risk_at__lte=models.F("on_track_at")),
                name="goals_settings_thresholds_ordered",
            )
        ]

    def __str__(self) -> str:
        return str(_("Goal settings"))

    @classmethod
    def current(cls) -> GoalSettings:
        """The one row, made with the defaults the first time it is asked for."""
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls.objects.create()


class ExchangeRate(BaseModel):
    """How many units of the reporting currency one unit of `currency` is worth, from a
    day on. Amounts are converted at the rate in force on the day of the event."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    valid_from = models.DateField(_("valid from"), default=dt.date(2000, 1, 1))
    rate = models.DecimalField(
        _("rate"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )

    objects = SettingsQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint("currency", "valid_from", name="goals_rate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="goals_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} ({self.valid_from})"


class MetricValueQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> MetricValueQuerySet:
        """Admin: all. Others: their own rows and the rows of the books they lead, check
        or view. Team totals an account manager may see (their own teams) are read
        through `aggregable_by`, which is only ever summed, never listed."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(user_id=user.pk) | Q(team_id__in=scope.book_team_ids))

    def aggregable_by(self, user) -> MetricValueQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(user_id=user.pk) | Q(team_id__in=scope.book_team_ids | scope.member_team_ids)
        )

    def editable_by(self, user) -> MetricValueQuerySet:
        return self.none()

    def creatable_by(self, user) -> bool:
        return False


class MetricValue(models.Model):
    """A daily KPI snapshot: one metric, one local day, one person (and the team they
    were working for), or a team alone where no person is credited (a customer created
    into a pool). Derived data: the snapshot job replaces a day's rows, so it is not
    audited; the records it is computed from are."""

    metric = models.CharField(_("metric"), max_length=64)
    day = models.DateField(_("day"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    denominator = models.DecimalField(_("denominator"), max_digits=20, decimal_places=4, null=True)
    # The local hour (0–23) of a series kept by hour of the day (the follow-up heatmap).
    bucket = models.PositiveSmallIntegerField(_("hour"), null=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = MetricValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("metric value")
        verbose_name_plural = _("metric values")
        ordering = ["metric", "day"]
        indexes = [
            models.Index(fields=["metric", "day"], name="kpi_metric_day"),
            models.Index(fields=["day"], name="kpi_day"),
            models.Index(fields=["user", "metric", "day"], name="kpi_user_metric_day"),
            models.Index(fields=["team", "metric", "day"], name="kpi_team_metric_day"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} {self.user_id or '-'}/{self.team_id or '-'}"
