"""The ownership panel of the customer page and small pool helpers for templates."""

from __future__ import annotations

from django import template
from django.utils import timezone

from rapport.customers.services import schedule

register = template.Library()


@register.filter
def rule_text(code: str) -> str:
    """A reclaim rule code (or a release reason) in the reader's words."""
    return schedule.describe_rule(code or "")


@register.inclusion_tag("customers/pool_ownership.html", takes_context=True)
def ownership_panel(context, customer) -> dict:
    """Owner and since, or the pool, since when and why; the coming reclaim (with a
    warning inside the pool's warning days); the moves this user may make."""
    from rapport.customers.models import Customer, OwnershipEvent, Pool
    from rapport.customers.selectors import assignable_owners
    from rapport.customers.services import pool as pool_services
    from rapport.org.scope import scope_for

    request = context.get("request")
    user = request.user
    scope = scope_for(user)
    today = timezone.localdate()
    pool = Pool.objects.filter(pk=customer.pool_id).first() if customer.pool_id else None
    home = schedule.pool_for_team(customer.team_id) if customer.owner_id else None
    days_left = (customer.reclaim_on - today).days if customer.reclaim_on else None
    last = (
        OwnershipEvent.objects.filter(customer_id=customer.pk).values("move", "rule").first()
        if pool
        else None
    )
    editable = Customer.objects.editable_by(user).filter(pk=customer.pk).exists()
    lead = scope.is_admin or scope.is_lead
    return {
        "request": request,
        "customer": customer,
        "pool": pool,
        "home_pool": home,
        "why": customer.pool_reason or (last or {}).get("rule", ""),
        "days_left": days_left,
        "warn": days_left is not None and home is not None and days_left <= home.warn_days,
        "may_claim": pool is not None and pool_services.is_member(user, pool),
        "may_release": customer.owner_id is not None and editable and scope.can_write,
        "may_assign": lead and (editable or pool is not None),
        "people": list(assignable_owners(user)) if lead else [],
    }
