"""Opportunities (商机), their pipeline of stages, and the history of stage moves."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import ArchivableModel, BaseModel, ScopedQuerySet
from rapport.core.money import amount_field, currency_field


class PipelineQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> PipelineQuerySet:
        return self.all() if user.is_authenticated else self.none()

    def editable_by(self, user) -> PipelineQuerySet:
        from rapport.org.scope import scope_for

        return self.all() if scope_for(user).is_admin else self.none()

    def creatable_by(self, user) -> bool:
        from rapport.org.scope import scope_for

        return scope_for(user).is_admin


class Pipeline(ArchivableModel):
    """A sales process: an ordered list of stages. One is the default for new
    opportunities; everyone signed in reads pipelines, admins configure them."""

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default pipeline"), default=False)

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint("name", name="sales_pipeline_name_unique"),
            models.UniqueConstraint(
                "is_default", condition=Q(is_default=True), name="sales_pipeline_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:pipeline-detail", args=[self.pk])


class StageOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", pgettext_lazy("opportunity outcome", "Won")
    LOST = "lost", pgettext_lazy("opportunity outcome", "Lost")


class Stage(BaseModel):
    """A column of the board, with the win probability used by the forecast."""

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=60)
    # Stage names are data (usually Chinese); an English name is shown to English readers.
    english_name = models.CharField(_("English name"), max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))
    probability = models.DecimalField(
        _("probability (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    outcome = models.CharField(
        _("outcome"), max_length=8, choices=StageOutcome.choices, default=StageOutcome.OPEN
    )

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint("pipeline", "position", name="sales_stage_position_unique"),
            models.UniqueConstraint("pipeline", "name", name="sales_stage_name_unique"),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="sales_stage_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language: the English name when the page is English."""
        from django.utils.translation import get_language

        if self.english_name and (get_language() or "").startswith("en"):
            return self.english_name
        return self.name

    @property
    def is_open(self) -> bool:
        return self.outcome == StageOutcome.OPEN

    @property
    def is_won(self) -> bool:
        return self.outcome == StageOutcome.WON

    @property
    def is_lost(self) -> bool:
        return self.outcome == StageOutcome.LOST


class OpportunityQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> OpportunityQuerySet:
        """Admin: all. Others: their own, and the book of teams they lead, check or view."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(owner_id=user.pk) | Q(team_id__in=scope.book_team_ids))

    def editable_by(self, user) -> OpportunityQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not scope.can_write:
            return self.none()
        return self.filter(Q(owner_id=user.pk) | Q(team_id__in=scope.led_team_ids))

    def open(self) -> OpportunityQuerySet:
        return self.filter(stage__outcome=StageOutcome.OPEN)


class Opportunity(ArchivableModel):
    """A deal being worked with a customer. `team` is the owner's team when it was created
    or last moved, so a lead's book does not change when an AM changes teams."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="opportunities"
    )
    name = models.CharField(_("name"), max_length=200)
    amount = amount_field(_("amount"), default=0, validators=[MinValueValidator(0)])
    currency = currency_field()
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(_("won / lost reason"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="sales_opp_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["owner", "stage"], name="opp_owner_stage"),
            models.Index(fields=["team", "stage"], name="opp_team_stage"),
            models.Index(fields=["customer", "-created_at"], name="opp_customer"),
            models.Index(fields=["team", "expected_close"], name="opp_team_close"),
            models.Index(fields=["owner", "expected_close"], name="opp_owner_close"),
            models.Index(fields=["stage", "-amount"], name="opp_stage_amount"),
            # The list's sorts over a whole book (OpportunityFilter.sort), newest the default.
            models.Index(fields=["-created_at", "-id"], name="opp_created"),
            models.Index(fields=["name", "id"], name="opp_name"),
            models.Index(fields=["amount", "id"], name="opp_amount"),
            models.Index(fields=["expected_close", "id"], name="opp_close"),
            models.Index(fields=["stage_entered_at", "id"], name="opp_stage_entered"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("sales:opportunity-detail", args=[self.pk])


class StageChangeQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> StageChangeQuerySet:
        return self.filter(opportunity__in=Opportunity.objects.visible_to(user).values("pk"))

    def editable_by(self, user) -> StageChangeQuerySet:
        return self.none()

    def creatable_by(self, user) -> bool:
        return False


class StageChange(models.Model):
    """One move of an opportunity between stages, with the time spent in the old one."""

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.PROTECT,
        related_name="stage_changes",
    )
    from_stage = models.ForeignKey(
        Stage, verbose_name=_("from"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_stage = models.ForeignKey(
        Stage, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("when"), default=timezone.now)
    # Who owned the opportunity, for which team, at the move: KPIs credit them (a deal
    # transferred after it was won stays with whoever won it).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    seconds_in_previous = models.PositiveBigIntegerField(_("time in the previous stage"), default=0)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["opportunity", "-changed_at"], name="stagechange_opp"),
            models.Index(fields=["changed_at"], name="stagechange_when"),
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.from_stage_id} → {self.to_stage_id}"
