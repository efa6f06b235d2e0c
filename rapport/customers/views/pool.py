"""Pool pages: the pools, one pool's customers with a claim button each, the rules form,
the reclaim preview, and the claim / release / assign / transfer buttons of a customer.

Every page starts from `visible_to`; each move calls one service of `services.pool`,
whose refusals (caps, cooldown, scope) come back as messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import generic

from rapport.core import views as base
from rapport.customers.api.pools import preview_rows
from rapport.customers.filters_pool import PoolCustomerFilter, PoolFilter
from rapport.customers.forms_pool import HandOverForm, PoolForm, ReasonForm
from rapport.customers.models import Customer, Pool
from rapport.customers.services import pool as pool_services


class UserFormKwargs:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class PoolListView(base.ScopedListView):
    model = Pool
    filterset_class = PoolFilter
    select_related = ("team", "admin")
    template_name = "customers/pool_list.html"

    def get_queryset(self):
        return super().get_queryset().order_by("name")


@login_required
def pool_detail(request, pk):
    """The pool's rules and members, and its customers (filtered, paged) with why each is
    here and a claim button for members."""
    pool = get_object_or_404(
        Pool.objects.visible_to(request.user).select_related("team", "admin"), pk=pk
    )
    customers = Customer.objects.visible_to(request.user).filter(pool=pool).select_related("team")
    found = PoolCustomerFilter(request.GET, queryset=customers.order_by("-pool_entered_at", "-id"))
    page = Paginator(found.qs, 50).get_page(request.GET.get("page"))
    context = {
        "pool": pool,
        "filter": found,
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "paginator": page.paginator,
        "customers": list(page.object_list),
        "members": list(pool.members.order_by("full_name", "username")),
        "may_claim": pool_services.is_member(request.user, pool),
        "can_edit": Pool.objects.editable_by(request.user).filter(pk=pool.pk).exists(),
    }
    return render(request, "customers/pool_detail.html", context)


class PoolCreateView(UserFormKwargs, base.ScopedCreateView):
    model = Pool
    form_class = PoolForm
    template_name = "customers/pool_form.html"

    def create_object(self, *, actor, data):
        data = dict(data)
        members = data.pop("members", ())
        return pool_services.pool_create(actor=actor, data=data, members=members)


class PoolUpdateView(UserFormKwargs, base.ScopedUpdateView):
    model = Pool
    form_class = PoolForm
    template_name = "customers/pool_form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        data = dict(data)
        members = data.pop("members", None)
        return pool_services.pool_update(
            actor=actor, pool=obj, data=data, expected_version=expected_version, members=members
        )


class PoolArchiveView(base.ScopedArchiveView):
    model = Pool

    def get_success_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("customers:pool-list")


@login_required
def pool_preview(request, pk):
    """Dry run: what the next reclaim would move into this pool, and why."""
    pool = get_object_or_404(Pool.objects.visible_to(request.user), pk=pk)
    rows = preview_rows(pool, request.user)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    context = {
        "pool": pool,
        "rows": list(page.object_list),
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "paginator": page.paginator,
    }
    return render(request, "customers/pool_preview.html", context)


# --- ownership moves of one customer -------------------------------------------------------


def _back(request, customer: Customer) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return customer.get_absolute_url()


class CustomerMoveView(LoginRequiredMixin, generic.View):
    """POST one move on a customer the user can see (404 otherwise); the service decides
    whether they may, and its refusal is shown as a message."""

    http_method_names = ["post"]
    form_class: type | None = None
    success_message = ""

    def act(self, *, actor, customer: Customer, data: dict) -> None:  # pragma: no cover
        raise NotImplementedError

    def post(self, request, pk):
        customer = get_object_or_404(Customer.objects.visible_to(request.user), pk=pk)
        target = _back(request, customer)
        data: dict = {}
        if self.form_class is not None:
            form = self.form_class(request.POST, user=request.user)
            if not form.is_valid():
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    for error in errors:
                        messages.error(request, f"{label}: {error}" if label else error)
                return redirect(target)
            data = form.cleaned_data
        try:
            self.act(actor=request.user, customer=customer, data=data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, self.success_message)
        return redirect(target)


class ReasonOnly(ReasonForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class CustomerClaimView(CustomerMoveView):
    success_message = _("The customer is yours now.")

    def act(self, *, actor, customer, data):
        pool_services.customer_claim(actor=actor, customer=customer)


class CustomerReleaseView(CustomerMoveView):
    form_class = ReasonOnly
    success_message = _("The customer went back to the public pool.")

    def act(self, *, actor, customer, data):
        pool_services.customer_release(actor=actor, customer=customer, reason=data["reason"])


class CustomerAssignView(CustomerMoveView):
    form_class = HandOverForm
    success_message = _("The customer was assigned.")

    def act(self, *, actor, customer, data):
        pool_services.customer_assign(
            actor=actor, customer=customer, to_owner=data["to_owner"], reason=data["reason"]
        )


class CustomerTransferView(CustomerMoveView):
    form_class = HandOverForm
    success_message = _("The customer was transferred.")

    def act(self, *, actor, customer, data):
        pool_services.customer_transfer(
            actor=actor, customer=customer, to_owner=data["to_owner"], reason=data["reason"]
        )
