"""Cadence compliance over a period: of each account manager's customers, the share that
was never overdue on any day of the period (issue #3 §4).

A customer held on day t is within cadence when its last contact is at most its tier's
cadence in days before t (the same rule as `schedule.contact_due_on`, without the planned
next date, which moves the due date earlier but is a plan, not a cadence). Holding starts
at `owned_since` (or creation): a customer claimed or assigned mid-period counts from then,
with the same grace as `last_contact_base` gives it. The current owner is credited; the
metric with credit at the time of each event is the KPI snapshot's job (issue #4).

One query for the customers, one for their follow-ups in the period (plus the longest
cadence before it), one for the owners' names: the work is a walk over dates in Python,
bounded by the book of one lead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from rapport.customers.models import Customer, FollowUp
from rapport.customers.services.schedule import cadence_days, tier_rules

MAX_PERIOD_DAYS = 366


@dataclass
class CustomerCadence:
    customer_id: int
    owner_id: int
    cadence: int
    held_from: dt.date
    overdue_days: int  # days of the period on which it was past its cadence

    @property
    def kept(self) -> bool:
        return self.overdue_days == 0


@dataclass
class OwnerCadence:
    owner_id: int
    owner: object = None
    customers: list[CustomerCadence] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.customers)

    @property
    def kept(self) -> int:
        return sum(1 for row in self.customers if row.kept)

    @property
    def missed(self) -> int:
        return self.total - self.kept

    @property
    def share(self) -> int | None:
        return round(100 * self.kept / self.total) if self.total else None


def cadence_book(user) -> QuerySet:
    """Owned live customers whose cadence the user answers for: all for an admin, the led
    teams for a lead, else the user's own."""
    from rapport.org.scope import scope_for

    scope = scope_for(user)
    book = Customer.objects.visible_to(user).filter(owner__isnull=False, archived_at__isnull=True)
    if scope.is_admin:
        return book
    if scope.led_team_ids:
        return book.filter(team_id__in=scope.led_team_ids)
    return book.filter(owner_id=user.pk)


def period_end(end: dt.date) -> dt.date:
    """A period ends today at the latest, in the company's time zone."""
    return min(end, timezone.localdate(timezone=timezone.get_default_timezone()))


def _local(moment: dt.datetime) -> dt.date:
    # The company's time zone, not the viewer's: the figure is the same for everyone.
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def overdue_days(
    held_from: dt.date, end: dt.date, cadence: int, anchor: dt.date, contacts: list[dt.date]
) -> int:
    """Days in [held_from, end] on which the customer was past its cadence. On day t the
    base is the latest of its contacts up to t and `anchor` (since when the owner holds it);
    t is overdue when t - base > cadence."""
    bases = sorted({anchor, *(day for day in contacts if day <= end)})
    overdue = 0
    for index, base in enumerate(bases):
        segment_end = bases[index + 1] - dt.timedelta(days=1) if index + 1 < len(bases) else end
        first_overdue = max(base + dt.timedelta(days=cadence + 1), held_from)
        overdue += max(0, (min(segment_end, end) - first_overdue).days + 1)
    return overdue


def cadence_compliance(user, start: dt.date, end: dt.date, *, owner_id: int | None = None):
    """Per owner (sorted weakest first): the customers held in [start, end] and whether each
    kept its cadence every day. `end` is capped at today."""
    from rapport.org.models import User

    company = timezone.get_default_timezone()
    end = period_end(end)
    rules = tier_rules()
    book = cadence_book(user)
    if owner_id is not None:
        book = book.filter(owner_id=owner_id)
    rows = list(
        book.values_list("id", "owner_id", "tier", "owned_since", "created_at").order_by("id")
    )
    longest = max((cadence_days(tier, rules) for tier in {r[2] for r in rows}), default=0)
    since = timezone.make_aware(
        dt.datetime.combine(start - dt.timedelta(days=longest), dt.time.min), company
    )
    until = timezone.make_aware(
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), company
    )
    contacts: dict[int, list[dt.date]] = defaultdict(list)
    follow_ups = FollowUp.objects.filter(
        customer__in=book, archived_at__isnull=True, occurred_at__gte=since, occurred_at__lt=until
    ).values_list("customer_id", "occurred_at")
    for customer_id, moment in follow_ups.order_by("customer_id", "occurred_at").iterator(
        chunk_size=5000
    ):
        contacts[customer_id].append(_local(moment))
    owners: dict[int, OwnerCadence] = {}
    for pk, owner, tier, owned_since, created in rows:
        anchor = _local(owned_since or created)
        held_from = max(start, anchor)
        if held_from > end:
            continue  # came to this owner after the period
        cadence = cadence_days(tier, rules)
        days = overdue_days(held_from, end, cadence, anchor, contacts.get(pk, []))
        entry = owners.setdefault(owner, OwnerCadence(owner))
        entry.customers.append(CustomerCadence(pk, owner, cadence, held_from, days))
    # Every field display_name may read: no deferred load per owner.
    names = User.objects.filter(pk__in=owners).only(
        "id", "username", "full_name", "first_name", "last_name"
    )
    for person in names:
        owners[person.pk].owner = person
    return sorted(owners.values(), key=lambda row: (row.share or 0, -row.total, row.owner_id))
