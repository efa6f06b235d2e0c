"""Page URLs of duplicates and merging."""

from django.urls import path

from rapport.customers.views import dedupe

urlpatterns = [
    path("customers/duplicates/", dedupe.duplicate_lookup, name="duplicate-lookup"),
    path("customers/duplicates/check/", dedupe.duplicate_check, name="duplicate-check"),
    path("customers/<int:pk>/merge/", dedupe.customer_merge_view, name="customer-merge"),
    path(
        "customers/<int:pk>/merged-into/", dedupe.customer_merged_into, name="customer-merged-into"
    ),
]
