"""API routes (filled in by the book API)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
