"""Page URLs (filled in by the pool pages)."""

urlpatterns: list = []
