"""Forms of the pool and tier pages (ownership moves take a reason and, for a lead, the
colleague who gets the customer)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.views import VersionedModelForm
from rapport.customers.models import Pool, Tier, TierRule
from rapport.customers.services.pool import REASON_MAX
from rapport.org.models import Team, User
from rapport.org.scope import scope_for

POOL_RULES = [
    "reclaim_days_a", "reclaim_days_b", "reclaim_days_c", "reclaim_days_d",
    "no_progress_days", "warn_days", "holding_cap", "daily_claim_cap", "cap_excludes_won",
    "cooldown_days",
]  # fmt: skip


class PoolForm(VersionedModelForm):
    class Meta:
        model = Pool
        fields = ["name", "team", "admin", "members", *POOL_RULES]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(archived_at__isnull=True).order_by(
            "path"
        )
        people = User.objects.filter(is_active=True).order_by("full_name", "username")
        self.fields["admin"].queryset = people
        self.fields["members"].queryset = people
        self.fields["members"].required = False
        if self.instance.pk and not scope_for(user).is_admin:
            # The pool's own admin edits its rules and members, not where it sits.
            for name in ("name", "team", "admin"):
                self.fields[name].disabled = True


class TierRuleForm(VersionedModelForm):
    class Meta:
        model = TierRule
        fields = ["cadence_days", "min_annual_value", "for_strategic"]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class HandOverForm(ReasonForm):
    to_owner = forms.ModelChoiceField(label=_("To"), queryset=User.objects.none())

    def __init__(self, *args, user=None, **kwargs):
        from rapport.customers.selectors import assignable_owners

        super().__init__(*args, **kwargs)
        self.fields["to_owner"].queryset = assignable_owners(user)


class TierOverrideForm(forms.Form):
    tier = forms.ChoiceField(
        label=_("Tier"), choices=[("", _("By the rules")), *Tier.choices], required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
