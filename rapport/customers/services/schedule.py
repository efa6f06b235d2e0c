"""The dates that keep a customer moving: when it is due for contact (tier cadence and
the planned next follow-up) and when its pool would reclaim it. Recomputed by the services
on every follow-up, tier change and ownership move, and by the nightly job."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.customers.models import Customer, Pool, TierRule
from rapport.customers.models.tier import DEFAULT_CADENCE_DAYS


def cadence_days(tier: str, rules: dict[str, TierRule] | None = None) -> int:
    rules = rules if rules is not None else tier_rules()
    rule = rules.get(tier)
    return rule.cadence_days if rule else DEFAULT_CADENCE_DAYS.get(tier, 30)


def tier_rules() -> dict[str, TierRule]:
    return {rule.tier: rule for rule in TierRule.objects.all()}


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def last_contact_base(customer: Customer) -> dt.datetime:
    """The moment cadence and reclaim count from: the last follow-up, else since when the
    owner holds it, else its creation."""
    candidates = [customer.last_follow_up_at, customer.owned_since]
    known = [moment for moment in candidates if moment is not None]
    return max(known) if known else (customer.created_at or timezone.now())


def contact_due_on(customer: Customer, rules: dict[str, TierRule] | None = None) -> dt.date | None:
    if customer.owner_id is None or customer.archived_at is not None:
        return None
    by_cadence = _local_date(last_contact_base(customer)) + dt.timedelta(
        days=cadence_days(customer.tier, rules)
    )
    planned = customer.next_follow_up_due
    return min(planned, by_cadence) if planned else by_cadence


def pool_for_team(team_id: int, pools: list[Pool] | None = None) -> Pool | None:
    """The pool a team's customers go back to: the nearest pool at or above the team."""
    from rapport.org.models import Team

    path = Team.objects.filter(pk=team_id).values_list("path", flat=True).first() or ""
    ancestry = [int(part) for part in path.strip("/").split("/") if part]
    candidates = pools if pools is not None else list(Pool.objects.filter(archived_at__isnull=True))
    by_team = {pool.team_id: pool for pool in candidates if pool.archived_at is None}
    for team in reversed(ancestry):
        if team in by_team:
            return by_team[team]
    return None


def describe_rule(code: str) -> str:
    """The reclaim rule code stored on a customer or an ownership move, in words."""
    kind, _sep, rest = (code or "").partition(":")
    parts = rest.split(":")
    if kind == "no_follow_up" and len(parts) == 2:
        # Read inside brackets ("reclaimed on … (no follow-up …)"): no brackets of its own.
        return _("no follow-up for %(days)s days, tier %(tier)s") % {
            "days": parts[0],
            "tier": parts[1],
        }
    if kind == "no_progress" and parts[0]:
        return _("no opportunity progress for %(days)s days") % {"days": parts[0]}
    return code or ""


def reclaim_due(customer: Customer, pool: Pool | None) -> tuple[dt.date | None, str]:
    """(date, rule code) on which the pool's rules would reclaim this owned customer;
    `describe_rule` puts the code in words in the reader's language."""
    if pool is None or customer.owner_id is None or customer.archived_at is not None:
        return None, ""
    options: list[tuple[dt.date, str]] = []
    days = pool.reclaim_days(customer.tier)
    if days:
        base = _local_date(last_contact_base(customer))
        options.append(
            (
                base + dt.timedelta(days=days),
                f"no_follow_up:{days}:{customer.tier}",
            )
        )
    if pool.no_progress_days:
        moments = [customer.last_progress_at, customer.owned_since, customer.created_at]
        base = _local_date(max(moment for moment in moments if moment is not None))
        options.append(
            (
                base + dt.timedelta(days=pool.no_progress_days),
                f"no_progress:{pool.no_progress_days}",
            )
        )
    if not options:
        return None, ""
    return min(options, key=lambda option: option[0])


SCHEDULE_FIELDS = ["contact_due_on", "reclaim_on", "reclaim_rule"]


def refresh_schedule(
    customer: Customer,
    *,
    rules: dict[str, TierRule] | None = None,
    pools: list[Pool] | None = None,
) -> list[str]:
    """Recompute the due and reclaim dates in memory; returns the fields that changed."""
    before = [getattr(customer, name) for name in SCHEDULE_FIELDS]
    customer.contact_due_on = contact_due_on(customer, rules)
    pool = pool_for_team(customer.team_id, pools) if customer.owner_id else None
    customer.reclaim_on, rule = reclaim_due(customer, pool)
    customer.reclaim_rule = rule[:200]
    after = [getattr(customer, name) for name in SCHEDULE_FIELDS]
    return [
        name for name, old, new in zip(SCHEDULE_FIELDS, before, after, strict=True) if old != new
    ]
