"""Customer API actions of the public pool: claim, release, assign, transfer.

`CustomerViewSet` mixes this in; the pool work fills it with @action endpoints that each
call one service in `customers.services.pool`."""


class PoolActionsMixin:
    pass
