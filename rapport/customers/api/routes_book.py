"""API routes of the customer book: customers, contacts, follow-ups."""

from rest_framework.routers import SimpleRouter

from rapport.customers.api import views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("follow-ups", views.FollowUpViewSet, basename="followup")
