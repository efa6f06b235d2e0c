"""Builders for the goals tests: a hand-built book with known answers, made through the
services, then dated to chosen instants (the services stamp "now")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rapport.customers.models import FollowUp, OwnershipEvent
from rapport.customers.services.customers import customer_create
from rapport.customers.services.followups import followup_create
from rapport.goals.periods import company_tz
from rapport.sales import services as sales
from rapport.sales.models import Opportunity, StageChange

SHANGHAI = company_tz()


def at(text: str) -> dt.datetime:
    """An instant written in UTC, e.g. "2026-03-31 16:30"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def customer(owner, name: str, *, when: dt.datetime | None = None, **data):
    made = customer_create(actor=owner, data={"name": name, "owner": owner, **data})
    if when is not None:
        OwnershipEvent.objects.filter(customer=made).update(occurred_at=when)
    return made


def follow_up(author, cust, when: dt.datetime, kind: str = "call"):
    made = followup_create(
        actor=author,
        data={
            "customer": cust,
            "summary": "电话沟通",
            "kind": kind,
            "occurred_at": min(when, timezone.now()),
        },
    )
    FollowUp.objects.filter(pk=made.pk).update(occurred_at=when)
    return made


def deal(owner, cust, amount: str, *, currency: str = "CNY", created: dt.datetime | None = None):
    made = sales.opportunity_create(
        actor=owner,
        data={
            "customer": cust,
            "name": "年度采购",
            "amount": Decimal(amount),
            "currency": currency,
        },
    )
    if created is not None:
        Opportunity.objects.filter(pk=made.pk).update(created_at=created)
        StageChange.objects.filter(opportunity=made).update(changed_at=created)
    return made


def close(actor, opportunity, when: dt.datetime, *, won: bool = True):
    if won:
        sales.opportunity_win(actor=actor, opportunity=opportunity, reason="方案通过")
    else:
        sales.opportunity_lose(actor=actor, opportunity=opportunity, reason="预算取消")
    Opportunity.objects.filter(pk=opportunity.pk).update(closed_at=when)
    StageChange.objects.filter(opportunity=opportunity, from_stage__isnull=False).update(
        changed_at=when
    )
    opportunity.refresh_from_db()
    return opportunity
