from django.urls import path
from rest_framework.routers import SimpleRouter

from rapport.org.api import views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("teams", views.TeamViewSet, basename="team")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("job-descriptions", views.JobDescriptionViewSet, basename="jobdescription")

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="auth-token"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
