"""Customer pages: the list (filters, sort, saved views, bulk actions), the 360 page,
create and edit. Every read starts from the user's scope; every write is a service."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from rapport.core import views as base
from rapport.core.pagination import DeferredJoinPaginator
from rapport.core.saved_views import SavedViewsMixin
from rapport.customers import dedupe, selectors
from rapport.customers.filters import CUSTOMER_SORT_CHOICES, CustomerFilter
from rapport.customers.forms import BulkActionForm, CustomerCreateForm, CustomerForm, FollowUpForm
from rapport.customers.models import Customer
from rapport.customers.services import customers as services
from rapport.customers.views.dedupe import ConfirmDuplicatesMixin

LIST_KEY = "customers"


class UserFormKwargs:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class LiveByDefault:
    """A list page shows live rows unless `archived` is asked for (the API shows both)."""

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = kwargs.get("data")
        if data is None or "archived" not in data:
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["archived"] = "false"
            kwargs["data"] = data
        return kwargs


class CustomerListView(SavedViewsMixin, LiveByDefault, base.ScopedListView):
    model = Customer
    filterset_class = CustomerFilter
    paginate_by = 100
    paginator_class = DeferredJoinPaginator
    select_related = ("owner", "team", "pool")
    prefetch_related = ("tags",)
    # What `customers/rows.py` reads (a customer has some 45 columns; a row shows 15).
    only_fields = (
        "name", "short_name", "archived_at", "region", "city", "tier", "status",
        "contact_due_on", "last_follow_up_at", "annual_value", "currency", "owner", "team",
        "pool", "owner__username", "owner__full_name", "owner__first_name",
        "owner__last_name", "team__name", "pool__name",
    )  # fmt: skip
    template_name = "customers/customer_list.html"
    saved_list_key = LIST_KEY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bulk_form"] = BulkActionForm(user=self.request.user)
        context["sort_choices"] = CUSTOMER_SORT_CHOICES
        context["can_write"] = Customer.objects.all().creatable_by(self.request.user)
        context["filtered"] = any(
            value for key, value in self.request.GET.items() if key not in {"page", "sort"}
        )
        return context


def _customer_or_404(request, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.visible_to(request.user)
        .select_related("owner", "team", "pool")
        .prefetch_related("tags"),
        pk=pk,
    )


@login_required
def customer_detail(request, pk: int):
    """The 360 page: facts, ownership, contacts, opportunities and one timeline."""
    from rapport.sales.selectors import opportunities_for_customer

    customer = _customer_or_404(request, pk)
    user = request.user
    can_edit = Customer.objects.editable_by(user).filter(pk=customer.pk).exists()
    timeline, cursor = selectors.customer_timeline(user, customer)
    context = {
        "customer": customer,
        "object": customer,
        "can_edit": can_edit,
        "can_log": can_edit and not customer.is_archived,
        "contacts": selectors.contacts_for_customer(user, customer),
        "opportunities": opportunities_for_customer(user, customer),
        "timeline": timeline,
        "cursor": cursor,
        "followup_form": FollowUpForm(user=user, customer=customer) if can_edit else None,
    }
    return render(request, "customers/customer_detail.html", context)


@login_required
def customer_timeline(request, pk: int):
    """Older timeline items (htmx "show more"), past the `cursor` token of the last page."""
    customer = _customer_or_404(request, pk)
    cursor = selectors.TimelineCursor.parse(request.GET.get("cursor", ""))
    if cursor is None:
        raise Http404
    timeline, cursor = selectors.customer_timeline(request.user, customer, cursor=cursor)
    return render(
        request,
        "customers/_timeline.html",
        {"customer": customer, "timeline": timeline, "cursor": cursor},
    )


class CustomerDuplicates(ConfirmDuplicatesMixin):
    duplicate_fields = dedupe.CUSTOMER_FIELDS
    duplicate_finder = staticmethod(dedupe.customer_duplicates)


class CustomerCreateView(CustomerDuplicates, UserFormKwargs, base.ScopedCreateView):
    model = Customer
    form_class = CustomerCreateForm
    template_name = "customers/customer_form.html"

    def create_object(self, *, actor, data):
        data = dict(data)
        tags = data.pop("tags", None)
        if not data.get("owner"):
            data.pop("owner", None)
        return services.customer_create(actor=actor, data=data, tags=tags)


class CustomerUpdateView(CustomerDuplicates, UserFormKwargs, base.ScopedUpdateView):
    model = Customer
    form_class = CustomerForm
    template_name = "customers/customer_form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        data = dict(data)
        tags = data.pop("tags", None)
        return services.customer_update(
            actor=actor, customer=obj, data=data, expected_version=expected_version, tags=tags
        )


class CustomerArchiveView(base.ScopedArchiveView):
    model = Customer
    success_message = _("Customer archived.")
