"""Page URLs (filled in by the book pages)."""

urlpatterns: list = []
