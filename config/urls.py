from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from rapport.audit.api.views import AuditEventViewSet
from rapport.core import pages
from rapport.core.api.jobs import JobViewSet
from rapport.core.health import healthz

# The admin signs in through allauth, never its own password-only form: the one sign-in
# with two-factor authentication, lockout and audit.
admin.site.login = secure_admin_login(admin.site.login)

# The admin site signs in through allauth, so its two-factor step cannot be skipped.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Rapport"

api_router = SimpleRouter()
api_router.register("audit-events", AuditEventViewSet, basename="auditevent")
api_router.register("jobs", JobViewSet, basename="job")

api_v1 = [
    path("", include("rapport.org.api.urls")),
    path("", include("rapport.customers.api.urls")),
    path("", include("rapport.sales.api.urls")),
    path("", include("rapport.goals.api.urls")),
    path("", include("rapport.imports.api.urls")),
    path("", include("rapport.search.api.urls")),
    *api_router.urls,
]

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("rapport.org.urls")),
    path("", include("rapport.customers.urls")),
    path("", include("rapport.sales.urls")),
    path("", include("rapport.goals.urls")),
    path("", include("rapport.search.urls")),
    path("", include("rapport.imports.urls")),
    path("", include("rapport.audit.urls")),
    path("", include("rapport.core.urls")),
]
handler404 = "rapport.core.api.errors.api_aware_404"
