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


@login_required
def cadence_report(request):
    """Cadence compliance over a period, per account manager, with the customers behind
    each figure (kept or missed) one click away."""
    from django.core.paginator import Paginator

    from rapport.customers.forms_cadence import CadencePeriodForm
    from rapport.customers.selectors_cadence import cadence_compliance, period_end

    form = CadencePeriodForm(request.GET or None)
    context = {"form": form, "rows": [], "drill": None}
    if not form.is_bound:
        form = CadencePeriodForm({"period": "30"})
        context["form"] = form
    if form.is_valid():
        data = form.cleaned_data
        rows = cadence_compliance(request.user, data["start"], data["end"], owner_id=data["owner"])
        total = sum(row.total for row in rows)
        kept = sum(row.kept for row in rows)
        query = request.GET.copy()
        for key in ("owner", "result", "page"):
            query.pop(key, None)
        context.update(
            rows=rows,
            start=data["start"],
            end=period_end(data["end"]),
            total=total,
            kept=kept,
            share=round(100 * kept / total) if total else None,
            period_query=query.urlencode() or "period=30",
        )
        if data["owner"] and rows:
            wanted = {"kept": {True}, "missed": {False}}.get(data["result"], {True, False})
            behind = [entry for entry in rows[0].customers if entry.kept in wanted]
            behind.sort(key=lambda entry: (-entry.overdue_days, entry.customer_id))
            page = Paginator(behind, 100).get_page(request.GET.get("page"))
            names = Customer.objects.visible_to(request.user).in_bulk(
                [entry.customer_id for entry in page.object_list]
            )
            context["drill"] = {
                "owner": rows[0],
                "result": data["result"],
                "page_obj": page,
                "entries": [(entry, names.get(entry.customer_id)) for entry in page.object_list],
            }
    return render(request, "customers/cadence_report.html", context)
