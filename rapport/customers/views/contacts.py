"""Contact pages: list, detail, create and edit (phones parsed by the contact services;
a phone or email already in the book needs "create anyway", see views.dedupe)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rapport.core import views as base
from rapport.core.pagination import DeferredJoinPaginator
from rapport.core.saved_views import SavedViewsMixin
from rapport.customers import dedupe
from rapport.customers.filters import ContactFilter
from rapport.customers.forms import ContactForm
from rapport.customers.models import Contact, Customer
from rapport.customers.services import contacts as services
from rapport.customers.views.customers import LiveByDefault, UserFormKwargs
from rapport.customers.views.dedupe import ConfirmDuplicatesMixin


class ContactListView(SavedViewsMixin, LiveByDefault, base.ScopedListView):
    model = Contact
    filterset_class = ContactFilter
    paginate_by = 100
    paginator_class = DeferredJoinPaginator
    select_related = ("customer",)
    template_name = "customers/contact_list.html"
    saved_list_key = "contacts"


class ContactDetailView(base.ScopedDetailView):
    model = Contact
    select_related = ("customer", "customer__owner")
    template_name = "customers/contact_detail.html"


class ContactDuplicates(ConfirmDuplicatesMixin):
    """A contact whose phone (any spelling) or email (any case) is already in the book."""

    duplicate_fields = dedupe.CONTACT_FIELDS
    duplicate_finder = staticmethod(dedupe.contact_duplicates)
    duplicate_heading = _("A contact with this phone or email may already exist:")


class ContactCreateView(ContactDuplicates, UserFormKwargs, base.ScopedCreateView):
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


class ContactUpdateView(ContactDuplicates, UserFormKwargs, base.ScopedUpdateView):
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
