"""API routes of the customer book, composed from one router per sub-domain."""

from rapport.customers.api.routes_book import router as book
from rapport.customers.api.routes_pool import router as pool

urlpatterns = [*book.urls, *pool.urls]
