"""Tier rules and contact cadence (客户分级, 跟进频率), set by an admin."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import BaseModel, ScopedQuerySet
from rapport.core.money import amount_field
from rapport.customers.models.customer import Tier

DEFAULT_CADENCE_DAYS = {Tier.A: 7, Tier.B: 14, Tier.C: 30, Tier.D: 60}


class TierRuleQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> TierRuleQuerySet:
        return self.all() if user.is_authenticated else self.none()

    def editable_by(self, user) -> TierRuleQuerySet:
        from rapport.org.scope import scope_for

        return self.all() if scope_for(user).is_admin else self.none()

    def creatable_by(self, user) -> bool:
        from rapport.org.scope import scope_for

        return scope_for(user).is_admin


class TierRule(BaseModel):
    """One tier: how often its customers must be contacted, and which customers fall in
    it. A customer is in the highest tier whose minimum annual value it reaches; strategic
    accounts go to the tier marked for them. A tier set by hand (with a reason) is kept."""

    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices)
    cadence_days = models.PositiveSmallIntegerField(
        _("contact every (days)"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    min_annual_value = amount_field(_("minimum annual value"), null=True, blank=True)
    for_strategic = models.BooleanField(_("strategic accounts get this tier"), default=False)

    objects = TierRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("tier rule")
        verbose_name_plural = _("tier rules")
        ordering = ["tier"]
        constraints = [models.UniqueConstraint("tier", name="customers_tierrule_tier_unique")]

    def __str__(self) -> str:
        return str(self.get_tier_display())
