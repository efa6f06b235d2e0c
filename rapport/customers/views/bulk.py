"""Bulk actions of the customer list: tag, untag, assign, transfer, release to the pool.

Only customers the user may edit are acted on; the rest are reported as skipped. The
ownership moves are the pool services' (one rule set for one customer or many)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.customers.forms import BulkActionForm
from rapport.customers.models import Customer
from rapport.customers.services import customers as customer_services


def _back(request) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("customers:customer-list")


def run_bulk(*, actor, verb: str, ids: list[int], tags=(), to_owner=None, reason="") -> dict:
    """Act on the editable customers among `ids`: {"done", "skipped", "refused": [..]}."""
    editable = list(
        Customer.objects.editable_by(actor).filter(pk__in=ids, archived_at__isnull=True)
    )
    skipped = len(set(ids)) - len(editable)
    if verb in {"tag", "untag"}:
        result = customer_services.customers_tag(
            actor=actor, customers=editable, tags=tags, remove=verb == "untag"
        )
        return {"done": result["done"], "skipped": skipped, "refused": []}
    from rapport.customers.services import pool

    result = pool.customers_bulk(
        actor=actor, customers=editable, verb=verb, to_owner=to_owner, reason=reason
    )
    return {"done": result["moved"], "skipped": skipped, "refused": list(result["refused"])}


def _refusal_text(item) -> str:
    if isinstance(item, dict):
        who = item.get("customer") or item.get("name") or item.get("id") or ""
        return f"{who}: {item.get('reason', '')}".strip(": ")
    if isinstance(item, list | tuple) and len(item) == 2:
        return f"{item[0]}: {item[1]}"
    return str(item)


@login_required
@require_POST
def customer_bulk(request):
    form = BulkActionForm(request.POST, user=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(_back(request))
    data = form.cleaned_data
    try:
        result = run_bulk(
            actor=request.user,
            verb=data["verb"],
            ids=data["ids"],
            tags=form.tag_names(),
            to_owner=data.get("to_owner"),
            reason=data.get("reason", "").strip(),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_back(request))
    messages.success(
        request,
        _("%(done)s customers updated.") % {"done": result["done"]},
    )
    if result["skipped"]:
        messages.warning(
            request,
            _("%(n)s customers were skipped: you may not change them.") % {"n": result["skipped"]},
        )
    for item in result["refused"][:20]:
        messages.warning(request, _refusal_text(item))
    return redirect(_back(request))
