from rest_framework.routers import SimpleRouter

from rapport.imports.api.views import ExportViewSet, ImportRunViewSet

router = SimpleRouter()
router.register("imports", ImportRunViewSet, basename="import")
router.register("exports", ExportViewSet, basename="export")

urlpatterns = router.urls
