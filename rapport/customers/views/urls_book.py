"""Page URLs of the customer book: customers, contacts, follow-ups, bulk actions."""

from django.urls import path

from rapport.customers.views import bulk, contacts, customers, followups

urlpatterns = [
    path("customers/", customers.CustomerListView.as_view(), name="customer-list"),
    path("customers/new/", customers.CustomerCreateView.as_view(), name="customer-create"),
    path("customers/bulk/", bulk.customer_bulk, name="customer-bulk"),
    path("customers/<int:pk>/", customers.customer_detail, name="customer-detail"),
    path(
        "customers/<int:pk>/edit/", customers.CustomerUpdateView.as_view(), name="customer-update"
    ),
    path(
        "customers/<int:pk>/archive/",
        customers.CustomerArchiveView.as_view(),
        name="customer-archive",
    ),
    path("customers/<int:pk>/timeline/", customers.customer_timeline, name="customer-timeline"),
    path("customers/<int:pk>/log/", followups.followup_create, name="followup-create"),
    path("contacts/", contacts.ContactListView.as_view(), name="contact-list"),
    path("contacts/new/", contacts.ContactCreateView.as_view(), name="contact-create"),
    path("contacts/<int:pk>/", contacts.ContactDetailView.as_view(), name="contact-detail"),
    path("contacts/<int:pk>/edit/", contacts.ContactUpdateView.as_view(), name="contact-update"),
    path(
        "contacts/<int:pk>/archive/", contacts.ContactArchiveView.as_view(), name="contact-archive"
    ),
    path("follow-ups/", followups.FollowUpListView.as_view(), name="followup-list"),
    path("follow-ups/<int:pk>/", followups.followup_detail, name="followup-detail"),
    path(
        "follow-ups/<int:pk>/edit/",
        followups.FollowUpUpdateView.as_view(),
        name="followup-update",
    ),
    path("follow-ups/<int:pk>/notes/", followups.followup_note, name="followup-note"),
    path("follow-ups/<int:pk>/files/", followups.followup_attach, name="followup-attach"),
    path("attachments/<int:pk>/", followups.attachment_download, name="attachment-download"),
]
