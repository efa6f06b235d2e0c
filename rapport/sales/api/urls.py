"""API routes of the sales app."""

from rest_framework.routers import SimpleRouter

from rapport.sales.api import views

router = SimpleRouter()
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("pipelines", views.PipelineViewSet, basename="pipeline")

urlpatterns = [*router.urls]
