"""API routes (filled in by the pool API)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
