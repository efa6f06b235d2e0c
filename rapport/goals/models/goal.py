"""Goals (目标): objectives with key results, owned by the company, a team or a person,
for a month, quarter or year; split down the team tree (目标分解)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core.models import ArchivableModel, BaseModel, ScopedQuerySet
from rapport.goals.periods import Period, PeriodKind


class OwnerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    TEAM = "team", _("Team")
    USER = "user", _("Person")


class GoalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Waiting for approval")
    RETURNED = "returned", _("Sent back")
    ACTIVE = "active", _("Published")


class GoalQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> GoalQuerySet:
        """Company goals: everyone in a team. Team goals: the team's members, the teams
        above it and the leads of it. Personal goals: the person and the leads of their
        teams. Admin: all."""
        from rapport.org.models import Membership
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not scope.member_team_ids:
            return self.none()  # signed in but in no team: an outsider
        led_people = Membership.objects.filter(team_id__in=scope.book_team_ids).values("user_id")
        return self.filter(
            Q(owner_kind=OwnerKind.COMPANY)
            | Q(owner_team_id__in=scope.team_ids | scope.ancestor_team_ids)
            | Q(owner_user_id=user.pk)
            | Q(owner_user_id__in=led_people)
        )

    def editable_by(self, user) -> GoalQuerySet:
        """Leads: goals of the teams they lead and of the people in them. A person: their
        own goals while drafted or sent back (then they propose them again)."""
        from rapport.org.models import Membership
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not scope.can_write:
            return self.none()
        led_people = Membership.objects.filter(team_id__in=scope.led_team_ids).values("user_id")
        own_drafts = Q(owner_user_id=user.pk, status__in=[GoalStatus.DRAFT, GoalStatus.RETURNED])
        return self.filter(
            Q(owner_team_id__in=scope.led_team_ids)
            | Q(owner_user_id__in=led_people, owner_kind=OwnerKind.USER)
            | own_drafts
        ).exclude(owner_user_id=user.pk, status=GoalStatus.ACTIVE, owner_kind=OwnerKind.USER)

    def live(self) -> GoalQuerySet:
        return self.filter(archived_at__isnull=True)


class Goal(ArchivableModel):
    """An objective (O of OKR) for one owner and one period, measured by key results."""

    title = models.CharField(_("objective"), max_length=200)
    description = models.TextField(_("why it matters"), max_length=4000, blank=True)
    owner_kind = models.CharField(_("owner"), max_length=8, choices=OwnerKind.choices)
    owner_team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="goals",
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("contributes to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    top_level = models.BooleanField(
        _("top-level goal"),
        default=False,
        help_text=_("A goal with no parent; only leads and admins may set one."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=GoalStatus.choices, default=GoalStatus.DRAFT
    )
    review_comment = models.CharField(_("review comment"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["-period_start", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_kind="company", owner_team__isnull=True, owner_user__isnull=True)
                | Q(owner_kind="team", owner_team__isnull=False, owner_user__isnull=True)
                | Q(owner_kind="user", owner_user__isnull=False, owner_team__isnull=True),
                name="goals_goal_owner_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="goals_goal_period_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["owner_user", "period_start"], name="goal_user_period"),
            models.Index(fields=["owner_team", "period_start"], name="goal_team_period"),
            models.Index(fields=["status", "period_start"], name="goal_status_period"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("goals:goal-detail", args=[self.pk])

    @property
    def period(self) -> Period:
        from rapport.goals.models.kpi import GoalSettings

        return self.period_in(GoalSettings.current().fiscal_year_start)

    def period_in(self, fiscal_start: int) -> Period:
        """The period, named for a fiscal year starting in that month (lists read the
        setting once, not once a row)."""
        return Period(self.period_start, self.period_end, self.period_kind, fiscal_start)

    @property
    def owner_label(self) -> str:
        if self.owner_kind == OwnerKind.USER:
            return str(self.owner_user)
        if self.owner_kind == OwnerKind.TEAM:
            return str(self.owner_team)
        return str(_("Company"))

    @property
    def subject(self) -> tuple[str, int | None]:
        """What the goal's metrics are computed for: ("user", id), ("team", id) or
        ("company", None)."""
        if self.owner_kind == OwnerKind.USER:
            return ("user", self.owner_user_id)
        if self.owner_kind == OwnerKind.TEAM:
            return ("team", self.owner_team_id)
        return ("company", None)


class KeyResultQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> KeyResultQuerySet:
        return self.filter(goal__in=Goal.objects.visible_to(user).values("pk"))

    def editable_by(self, user) -> KeyResultQuerySet:
        return self.filter(goal__in=Goal.objects.editable_by(user).values("pk"))


class KeyResult(BaseModel):
    """A measurable result (KR). Bound to a metric, its progress is computed; manual, it
    moves by check-ins. `parent` links a share of a split target to the target it came from."""

    goal = models.ForeignKey(
        Goal, verbose_name=_("goal"), on_delete=models.PROTECT, related_name="key_results"
    )
    title = models.CharField(_("key result"), max_length=200)
    metric = models.CharField(_("metric"), max_length=64, blank=True)
    target = models.DecimalField(
        _("target"),
        max_digits=20,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
    )
    start_value = models.DecimalField(
        _("starting value"), max_digits=20, decimal_places=4, default=Decimal("0")
    )
    unit_label = models.CharField(_("unit"), max_length=20, blank=True)
    current_value = models.DecimalField(
        _("current value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    confidence = models.PositiveSmallIntegerField(
        _("confidence (0–10)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shares",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = KeyResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("key result")
        verbose_name_plural = _("key results")
        ordering = ["goal", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gte=0), name="goals_kr_target_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("goals:goal-detail", args=[self.goal_id]) + f"#kr-{self.pk}"

    @property
    def is_manual(self) -> bool:
        return not self.metric


class CheckInQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> CheckInQuerySet:
        return self.filter(key_result__in=KeyResult.objects.visible_to(user).values("pk"))

    def editable_by(self, user) -> CheckInQuerySet:
        return self.none()  # a check-in is a record of what was said; correct it by another


class CheckIn(BaseModel):
    """A progress report on a manual key result: the value now, a comment, a confidence."""

    key_result = models.ForeignKey(
        KeyResult,
        verbose_name=_("key result"),
        on_delete=models.PROTECT,
        related_name="check_ins",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    confidence = models.PositiveSmallIntegerField(
        _("confidence (0–10)"), validators=[MaxValueValidator(10)]
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["key_result", "-created_at"], name="checkin_kr_when")]

    def __str__(self) -> str:
        return f"{self.key_result_id}: {self.value}"
