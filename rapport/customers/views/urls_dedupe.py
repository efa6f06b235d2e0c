"""Page URLs (filled in by the dedupe pages)."""

urlpatterns: list = []
