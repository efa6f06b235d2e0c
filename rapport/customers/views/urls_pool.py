"""Page URLs of the public pools, ownership moves and tier rules."""

from django.urls import path

from rapport.customers.views import pool, tiers

urlpatterns = [
    path("pools/", pool.PoolListView.as_view(), name="pool-list"),
    path("pools/new/", pool.PoolCreateView.as_view(), name="pool-create"),
    path("pools/<int:pk>/", pool.pool_detail, name="pool-detail"),
    path("pools/<int:pk>/edit/", pool.PoolUpdateView.as_view(), name="pool-update"),
    path("pools/<int:pk>/archive/", pool.PoolArchiveView.as_view(), name="pool-archive"),
    path("pools/<int:pk>/preview/", pool.pool_preview, name="pool-preview"),
    path("customers/<int:pk>/claim/", pool.CustomerClaimView.as_view(), name="customer-claim"),
    path(
        "customers/<int:pk>/release/", pool.CustomerReleaseView.as_view(), name="customer-release"
    ),
    path("customers/<int:pk>/assign/", pool.CustomerAssignView.as_view(), name="customer-assign"),
    path(
        "customers/<int:pk>/transfer/",
        pool.CustomerTransferView.as_view(),
        name="customer-transfer",
    ),
    path("customers/<int:pk>/tier/", tiers.customer_tier, name="customer-tier"),
    path("tiers/", tiers.tier_rules, name="tier-rules"),
    path("cadence/", tiers.cadence_report, name="cadence-report"),
    path("tiers/<int:pk>/edit/", tiers.TierRuleUpdateView.as_view(), name="tier-rule-update"),
]
