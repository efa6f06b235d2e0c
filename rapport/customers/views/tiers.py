"""Tier rules and cadences (admins edit; everyone reads), and a tier set by hand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from rapport.core import views as base
from rapport.customers.forms_pool import TierOverrideForm, TierRuleForm
from rapport.customers.models import Customer, TierRule
from rapport.customers.services.tiers import customer_set_tier, tier_rule_update


@login_required
def tier_rules(request):
    rules = list(TierRule.objects.visible_to(request.user).order_by("tier"))
    context = {
        "rules": rules,
        "can_edit": TierRule.objects.all().creatable_by(request.user),
    }
    return render(request, "customers/tier_rules.html", context)


class TierRuleUpdateView(base.ScopedUpdateView):
    model = TierRule
    form_class = TierRuleForm
    template_name = "customers/tier_rule_form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        return tier_rule_update(actor=actor, rule=obj, data=data, expected_version=expected_version)

    def get_success_url(self):
        messages.success(
            self.request, _("Saved. Tiers and due dates are being re-evaluated in a job.")
        )
        return reverse("customers:tier-rules")


@login_required
@require_POST
def customer_tier(request, pk):
    """Set a customer's tier by hand with a reason, or give it back to the rules."""
    customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
    if not Customer.objects.editable_by(request.user).filter(pk=pk).exists():
        raise PermissionDenied
    form = TierOverrideForm(request.POST)
    if form.is_valid():
        try:
            customer_set_tier(
                actor=request.user,
                customer=customer,
                tier=form.cleaned_data["tier"] or None,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Tier saved."))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(customer.get_absolute_url())
