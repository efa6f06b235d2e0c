"""Builders shared by the pool, reclaim and panel tests."""

from __future__ import annotations

from decimal import Decimal

from rapport.customers.models import Customer, Pool, TierRule
from rapport.customers.services.customers import customer_create

DEFAULT_RULES = {
    "A": (7, Decimal("1000000"), True),
    "B": (14, Decimal("300000"), False),
    "C": (30, Decimal("50000"), False),
    "D": (60, Decimal("0"), False),
}


def default_rules() -> None:
    for tier, (days, minimum, strategic) in DEFAULT_RULES.items():
        TierRule.objects.update_or_create(
            tier=tier,
            defaults={
                "cadence_days": days,
                "min_annual_value": minimum,
                "for_strategic": strategic,
            },
        )


def make_pool(name: str, team, **rules) -> Pool:
    """A pool straight from the ORM (the service would start a reschedule job)."""
    values = {"warn_days": 3, "cooldown_days": 30, **rules}
    return Pool.objects.create(name=name, team=team, **values)


def pool_customer(name: str, pool: Pool, team=None, **data) -> Customer:
    return customer_create(
        actor=None, data={"name": name, "team": team or pool.team, "pool": pool, **data}
    )


def owned_customer(name: str, owner, **data) -> Customer:
    return customer_create(actor=owner, data={"name": name, **data})
