"""Contact pages: list, detail, create and edit (phones parsed by the contact services)."""

from __future__ import annotations

from rapport.core import views as base
from rapport.customers.filters import ContactFilter
from rapport.customers.forms import ContactForm
from rapport.customers.models import Contact, Customer
from rapport.customers.selectors import DeferredJoinPaginator
from rapport.customers.services import contacts as services
from rapport.customers.views.customers import LiveByDefault, UserFormKwargs


class ContactListView(LiveByDefault, base.ScopedListView):
    model = Contact
    filterset_class = ContactFilter
    paginate_by = 100
    paginator_class = DeferredJoinPaginator
    select_related = ("customer",)
    template_name = "customers/contact_list.html"


class ContactDetailView(base.ScopedDetailView):
    model = Contact
    select_related = ("customer", "customer__owner")
    template_name = "customers/contact_detail.html"


class ContactCreateView(UserFormKwargs, base.ScopedCreateView):
    model = Contact
    form_class = ContactForm
    template_name = "customers/contact_form.html"

    def get_initial(self):
        initial = super().get_initial()
        customer = self.request.GET.get("customer", "")
        if customer.isdigit():
            initial["customer"] = int(customer)
        return initial

    def create_object(self, *, actor, data):
        return services.contact_create(actor=actor, data=data)

    def get_success_url(self):
        return self.object.get_absolute_url()


class ContactUpdateView(UserFormKwargs, base.ScopedUpdateView):
    model = Contact
    form_class = ContactForm
    select_related = ("customer",)
    template_name = "customers/contact_form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        return services.contact_update(
            actor=actor, contact=obj, data=data, expected_version=expected_version
        )


class ContactArchiveView(base.ScopedArchiveView):
    model = Contact

    def get_success_url(self, obj) -> str:
        return Customer.objects.get(pk=obj.customer_id).get_absolute_url()
