"""Customers, the public pools they go back to, and the ownership log.

Rows are made the way the services would make them (name key, search text, tier, the due
and reclaim dates from `services.schedule`), but in bulk: the services write one row and
one audit event at a time, which at 100,000 customers would take the better part of an hour.
Each customer's follow-up plan (how many, the last one, the next date) is decided here, so
that `last_follow_up_at` and the follow-up rows made by the next step agree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from bench.dataset import vocab
from bench.registry import DatasetContext, dataset_step
from rapport.core.bulk import Inserter

STATUSES = (["lead"] * 15) + (["prospect"] * 25) + (["active"] * 40) + (["dormant"] * 12)
STATUSES += ["lost"] * 8
SOURCES = ["referral", "website", "exhibition", "cold_call", "partner", "campaign", "other"]
# Annual value bands (CNY) and the tier they earn when no tier rules say otherwise.
VALUE_BANDS = [(2_000_000, 8_000_000, "A"), (500_000, 2_000_000, "B"), (100_000, 500_000, "C")]
VALUE_BANDS += [(0, 100_000, "D")]
POOL_RULES = {"reclaim_days_a": 30, "reclaim_days_b": 45, "reclaim_days_c": 60}
POOL_RULES |= {"reclaim_days_d": 90, "warn_days": 3, "cooldown_days": 30}


def _pools(ctx: DatasetContext) -> dict[int, object]:
    """A company pool and one per sales team, with reclaim rules by tier."""
    from rapport.customers.models import Pool

    company = ctx.data["company"]
    pools = [Pool(name="公司公海", team=company, admin=ctx.admin, **POOL_RULES)]
    for team in ctx.data["sales_teams"]:
        pools.append(Pool(name=f"{team.name}公海", team=team, admin=ctx.admin, **POOL_RULES))
    Pool.objects.bulk_create(pools)
    ctx.data["company_pool"] = pools[0]
    by_team = {pool.team_id: pool for pool in pools[1:]}
    ctx.counts["pools"] = len(pools)
    return by_team


def _value_and_tier(ctx: DatasetContext, rules) -> tuple[Decimal, str]:
    low, high, tier = ctx.rng.choices(VALUE_BANDS, weights=(8, 22, 40, 30))[0]
    return Decimal(ctx.rng.randrange(low, high, 1000)), tier


def _follow_up_plan(ctx: DatasetContext, pool, tier: str, now: dt.datetime, reclaim: bool):
    """(count, last follow-up at, next date) for one customer. Customers picked for the
    nightly reclaim were last contacted past their pool's limit; the others within it."""
    rng = ctx.rng
    average = ctx.size["follow_ups"] / max(1, ctx.size["customers"])
    count = rng.randint(0, round(2 * average)) if average else 0
    limit = pool.reclaim_days(tier) if pool else 60
    days_ago = limit + rng.randint(1, 20) if reclaim else rng.uniform(0, limit - 1)
    last = now - dt.timedelta(days=days_ago, minutes=rng.randint(0, 600))
    if count == 0:
        return 0, None, None, last
    next_date = None
    if rng.random() < 0.6:
        next_date = timezone.localtime(last).date() + dt.timedelta(days=rng.randint(1, 21))
    return count, last, next_date, last


def _customer(ctx, serial: int, team, pools_by_team, rules, now):
    from rapport.customers.models import Customer
    from rapport.customers.normalize import company_key
    from rapport.customers.services import schedule
    from rapport.customers.services.customers import tier_for

    rng = ctx.rng
    facts = vocab.company(rng)
    in_pool = rng.random() * 100 < ctx.size["pool_share"]
    pool = pools_by_team[team.pk]
    value, tier = _value_and_tier(ctx, rules)
    created = now - dt.timedelta(days=rng.randint(120, 1000), minutes=rng.randint(0, 1440))
    uscc = vocab.uscc(facts["region_code"], serial) if rng.random() < 0.4 else ""
    customer = Customer(
        name=facts["name"],
        short_name="".join(facts["short_words"]),
        name_key=company_key(facts["name"]),
        uscc=uscc,
        industry=facts["industry"],
        region=facts["region"],
        city=facts["city"],
        source=rng.choice(SOURCES),
        status=rng.choice(STATUSES),
        tier=tier,
        strategic=rng.random() < 0.03,
        team=team,
        annual_value=value,
        created_at=created,
        updated_at=now,
        search_text=vocab.compose_search_text(facts["name_words"], facts["short_words"], (uscc,)),
    )
    if rules:
        customer.tier = tier_for(customer, rules)
    reclaim = not in_pool and rng.random() * 100 < ctx.size["reclaim_share"]
    count, last, next_date, base = _follow_up_plan(ctx, pool, customer.tier, now, reclaim)
    customer.last_follow_up_at = last
    customer.next_follow_up_due = next_date
    if in_pool:
        customer.pool = pool if rng.random() < 0.9 else ctx.data["company_pool"]
        customer.pool_entered_at = now - dt.timedelta(days=rng.randint(1, 200))
        customer.pool_reason = "no_follow_up:60:C"
        author = rng.choice(ctx.data["ams_by_team"][team.pk])
    else:
        customer.owner = author = rng.choice(ctx.data["ams_by_team"][team.pk])
        # Held since creation, or (no follow-ups yet) since a recent claim, so that the
        # reclaim dates stay where the plan put them.
        customer.owned_since = created if last else base
        customer.contact_due_on = schedule.contact_due_on(customer, rules)
        customer.reclaim_on, rule = schedule.reclaim_due(customer, pool)
        customer.reclaim_rule = rule
    return customer, (author.pk, count, last, next_date)


def _events(events, customer) -> None:
    from rapport.customers.models import OwnershipMove

    events.add(
        {
            "customer_id": customer.pk,
            "move": OwnershipMove.IMPORT,
            "occurred_at": customer.created_at,
            "to_owner_id": customer.owner_id,
            "to_team_id": customer.team_id,
            "pool_id": customer.pool_id,
        }
    )
    if customer.pool_id:
        events.add(
            {
                "customer_id": customer.pk,
                "move": OwnershipMove.RECLAIM,
                "occurred_at": customer.pool_entered_at,
                "from_team_id": customer.team_id,
                "to_team_id": customer.team_id,
                "pool_id": customer.pool_id,
                "rule": customer.pool_reason,
            }
        )


@dataset_step(order=20)
def customers(ctx: DatasetContext) -> None:
    from rapport.customers.models import Customer, OwnershipEvent
    from rapport.customers.services import schedule

    now = timezone.now()
    rules = schedule.tier_rules()
    pools_by_team = _pools(ctx)
    teams = ctx.data["sales_teams"]
    rows, events = Inserter(Customer), Inserter(OwnershipEvent)
    attnames = [field.attname for field in Customer._meta.concrete_fields]
    plan: list[tuple] = []  # (customer id, team id, author id, count, last at, next date)
    for serial in range(ctx.size["customers"]):
        customer, info = _customer(
            ctx, serial + 1, teams[serial % len(teams)], pools_by_team, rules, now
        )
        customer.pk = rows.add({name: getattr(customer, name) for name in attnames})
        plan.append((customer.pk, customer.team_id, *info))
        _events(events, customer)
    ctx.data["plan"] = plan
    ctx.counts.update(customers=rows.close(), ownership_events=events.close())
