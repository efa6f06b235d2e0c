"""Contacts (E.164 phones, search text as the contact service makes it) and follow-ups
(the plan the customer step made: the last one and its next date agree with the customer's
`last_follow_up_at` and `next_follow_up_due`)."""

from __future__ import annotations

import datetime as dt

from bench.dataset import vocab
from bench.registry import DatasetContext, dataset_step
from rapport.core.bulk import Inserter

MOBILE_PREFIXES = ["138", "139", "186", "158", "177", "135", "150", "189", "131", "199"]
# (area code without the trunk 0, digits of the local number)
AREAS = [("10", 8), ("21", 8), ("20", 8), ("755", 8), ("571", 8), ("25", 8), ("28", 8)]
KINDS = ["call"] * 5 + ["wechat"] * 3 + ["visit"] * 2 + ["email", "meeting", "other"]
ROLES = ["decision_maker", "influencer", "user", "other", "other"]


def _spread(rng, average: float) -> int:
    """A count with the given average: 1..(2·avg − 1) when avg ≥ 1, else 0 or 1."""
    if average >= 1:
        return rng.randint(1, max(1, round(2 * average - 1)))
    return 1 if rng.random() < average else 0


def _contact(ctx: DatasetContext, customer_id: int, serial: int, primary: bool) -> dict:
    rng = ctx.rng
    name = vocab.person(rng)
    mobile = f"+86{rng.choice(MOBILE_PREFIXES)}{serial:08d}"
    phone = ext = email = ""
    if rng.random() < 0.3:
        area, digits = rng.choice(AREAS)
        phone = f"+86{area}{rng.randrange(2 * 10 ** (digits - 1), 9 * 10 ** (digits - 1))}"
        ext = str(rng.randint(100, 8999)) if rng.random() < 0.4 else ""
    if rng.random() < 0.5:
        email = f"c{serial}@example-{customer_id % 997}.cn"
    return {
        "customer_id": customer_id,
        "name": name,
        "title": rng.choice(vocab.TITLES),
        "buying_role": rng.choice(ROLES),
        "mobile": mobile,
        "phone": phone,
        "phone_ext": ext,
        "email": email,
        "is_primary": primary,
        "search_text": vocab.compose_search_text((name,), (email,), (mobile,), (phone,)),
    }


@dataset_step(order=30)
def contacts(ctx: DatasetContext) -> None:
    from rapport.customers.models import Contact

    average = ctx.size["contacts"] / max(1, ctx.size["customers"])
    rows = Inserter(Contact)
    serial = 0
    for customer_id, *_rest in ctx.data["plan"]:
        for i in range(_spread(ctx.rng, average)):
            serial += 1
            rows.add(_contact(ctx, customer_id, serial, primary=i == 0))
    ctx.counts["contacts"] = rows.close()


@dataset_step(order=40)
def follow_ups(ctx: DatasetContext) -> None:
    from rapport.customers.models import FollowUp

    rng = ctx.rng
    rows = Inserter(FollowUp)
    for customer_id, _team, author_id, count, last, next_date in ctx.data["plan"]:
        when = last
        for i in range(count):
            rows.add(
                {
                    "customer_id": customer_id,
                    "author_id": author_id,
                    "kind": rng.choice(KINDS),
                    "occurred_at": when,
                    "created_at": when,
                    "updated_at": when,
                    "summary": rng.choice(vocab.SUMMARIES),
                    "next_step": rng.choice(vocab.NEXT_STEPS),
                    "next_date": next_date if i == 0 else None,
                }
            )
            when -= dt.timedelta(days=rng.randint(3, 40), minutes=rng.randint(0, 600))
    ctx.counts["follow_ups"] = rows.close()
