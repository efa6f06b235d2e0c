"""API routes of the public pools (the claim/release/assign/transfer actions live on
`/customers/{id}/`, see `pool_actions`)."""

from rest_framework.routers import SimpleRouter

from rapport.customers.api.pools import PoolViewSet

router = SimpleRouter()
router.register("pools", PoolViewSet, basename="pool")
