"""Reads of the sales app that other apps use (the customer page's opportunities and
timeline); every one starts from `visible_to(user)`."""

from __future__ import annotations


def opportunities_for_customer(user, customer) -> list:
    """The opportunities of one customer that `user` may see, newest first."""
    from rapport.sales.models import Opportunity

    return list(
        Opportunity.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("stage", "owner")
        .order_by("-created_at")[:50]
    )


def stage_changes_for_customer(user, customer, limit: int = 100) -> list:
    """Stage moves of the customer's visible opportunities, newest first (timeline)."""
    from rapport.sales.models import StageChange

    return list(
        StageChange.objects.visible_to(user)
        .filter(opportunity__customer=customer)
        .select_related("opportunity", "from_stage", "to_stage", "actor")
        .order_by("-changed_at")[:limit]
    )
