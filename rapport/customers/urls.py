"""Page URLs of the customer book, composed from one module per sub-domain."""

from rapport.customers.views.urls_book import urlpatterns as book
from rapport.customers.views.urls_dedupe import urlpatterns as dedupe
from rapport.customers.views.urls_pool import urlpatterns as pool

app_name = "customers"

urlpatterns = [*book, *pool, *dedupe]
