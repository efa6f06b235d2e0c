"""The public pool (公海) and the ownership log of every customer."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import ArchivableModel, ScopedQuerySet
from rapport.customers.models.customer import CustomerChildQuerySet

_DAYS = [MinValueValidator(1), MaxValueValidator(3650)]


class PoolQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> PoolQuerySet:
        """Admins see every pool; others the pools they work (their team or above, or
        named members) and the pools of the teams they lead."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(team_id__in=scope.ancestor_team_ids | scope.book_team_ids)
            | Q(members=user)
            | Q(admin=user)
        ).distinct()

    def editable_by(self, user) -> PoolQuerySet:
        """Rules are set by admins and by the pool's own admin."""
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        return self.filter(admin=user) if scope.can_write else self.none()

    def creatable_by(self, user) -> bool:
        from rapport.org.scope import scope_for

        return scope_for(user).is_admin


class Pool(ArchivableModel):
    """A public pool of customers nobody owns, for a team (and everyone below it) or the
    whole company (its root team). Its rules say when owned customers are reclaimed into
    it and how many its members may claim."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        "org.Team", verbose_name=_("team"), on_delete=models.PROTECT, related_name="pools"
    )
    admin = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pool admin"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("other members"),
        blank=True,
        related_name="pools",
        help_text=_("Everyone in the pool's team and the teams below it is a member."),
    )
    # Reclaim: no follow-up for N days (per tier; empty = never), no opportunity progress.
    reclaim_days_a = models.PositiveSmallIntegerField(
        _("tier A: reclaim after days without follow-up"), null=True, blank=True, validators=_DAYS
    )
    reclaim_days_b = models.PositiveSmallIntegerField(
        _("tier B: reclaim after days without follow-up"), null=True, blank=True, validators=_DAYS
    )
    reclaim_days_c = models.PositiveSmallIntegerField(
        _("tier C: reclaim after days without follow-up"), null=True, blank=True, validators=_DAYS
    )
    reclaim_days_d = models.PositiveSmallIntegerField(
        _("tier D: reclaim after days without follow-up"), null=True, blank=True, validators=_DAYS
    )
    no_progress_days = models.PositiveSmallIntegerField(
        _("reclaim after days without opportunity progress"),
        null=True,
        blank=True,
        validators=_DAYS,
    )
    warn_days = models.PositiveSmallIntegerField(
        _("warn days before a reclaim"), default=3, validators=[MaxValueValidator(90)]
    )
    # Claims.
    holding_cap = models.PositiveIntegerField(
        _("most customers one person may hold"), null=True, blank=True
    )
    daily_claim_cap = models.PositiveIntegerField(_("most claims per day"), null=True, blank=True)
    cap_excludes_won = models.BooleanField(
        _("customers with won deals or active contracts do not count toward the cap"),
        default=True,
    )
    cooldown_days = models.PositiveSmallIntegerField(
        _("days before a former owner may claim again"),
        default=30,
        validators=[MaxValueValidator(3650)],
    )

    objects = PoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")
        ordering = ["name"]
        constraints = [models.UniqueConstraint("name", name="customers_pool_name_unique")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:pool-detail", args=[self.pk])

    def reclaim_days(self, tier: str) -> int | None:
        return getattr(self, f"reclaim_days_{tier.lower()}", None)


class OwnershipMove(models.TextChoices):
    CREATE = "create", _("Created")
    CLAIM = "claim", _("Claimed")
    RELEASE = "release", _("Released to the pool")
    RECLAIM = "reclaim", _("Reclaimed to the pool")
    ASSIGN = "assign", _("Assigned")
    TRANSFER = "transfer", _("Transferred")
    MERGE = "merge", _("Merged")
    IMPORT = "import", _("Imported")


class OwnershipEventQuerySet(CustomerChildQuerySet):
    def editable_by(self, user) -> OwnershipEventQuerySet:
        return self.none()

    def creatable_by(self, user) -> bool:
        return False


class OwnershipEvent(models.Model):
    """One move of a customer between owners and pools, with who, why and which rule.
    Written by the pool and customer services next to the audit event; never edited."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="ownership_events",
    )
    move = models.CharField(_("move"), max_length=16, choices=OwnershipMove.choices)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    from_team = models.ForeignKey(
        "org.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_team = models.ForeignKey(
        "org.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pool = models.ForeignKey(
        Pool,
        verbose_name=_("public pool"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    rule = models.CharField(_("rule"), max_length=200, blank=True)

    objects = OwnershipEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("ownership move")
        verbose_name_plural = _("ownership moves")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="own_customer_when"),
            models.Index(fields=["to_owner", "move", "occurred_at"], name="own_to_move_when"),
            models.Index(fields=["from_owner", "customer", "occurred_at"], name="own_from_cust"),
            models.Index(fields=["occurred_at"], name="own_when"),
        ]

    def __str__(self) -> str:
        return f"{self.get_move_display()} · {self.customer_id}"
