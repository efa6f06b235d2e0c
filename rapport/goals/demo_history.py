"""Demo history (issue #4 §9): a year of the demo company's past, for the KPI snapshots.

`history` (after the customers and opportunities) gives the demo company the past it
would have after a year of use, made through the services and then dated back (the
services stamp "now"; nothing is ever dated in the future):

- the book's customers were created over the year, not all today (their creation move and
  `created_at` are dated back; `owned_since`, which drives the contact and reclaim dates,
  stays as the customers step made it, so their due and reclaim dates do not move);
- account managers who hold no customers yet find a small book of their own over the year;
- follow-ups and won or lost deals over the whole year, shaped by the calendar (a dip
  around Chinese New Year and the National Day week, a half-year close in June and a
  year-end push in December, quiet weekends) and by the person (some strong, some weak),
  so their pace differs;
- the demo opportunities were opened over the last months; the ones already closed were
  closed before this quarter (this quarter's wins are the history's, which follow the
  people's strength).

The year is the 364 days before today. It stops short of today's date last year on
purpose: progress.py paces a target in last year's shape when last year's same period is
covered by snapshots up to today's date, and a history that began inside that period
would give a shape made of a few days (everyone on track). Without it the pace is linear.

`goals` (last) snapshots every day of that history, then sets this quarter's goals: a
company goal (admin), a goal for each sales team (its lead) on revenue, new customers and
follow-ups, published and split equally among the team's account managers; the equal
share is the team's forecast divided equally, so that the strong are on track and the
weak behind. One account manager's own goal waits for approval, another's was sent back
with a comment, and a manual key result has two check-ins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Max, Min
from django.utils import timezone

from rapport.core.demo import DemoContext, demo_step

# How strong each demo account manager is (1.0 = the team's usual): it scales their
# follow-ups, deals, win rate and deal size. Anyone else counts as 1.0.
STRENGTH = {
    "zhang.min": 1.6, "huang.li": 1.0, "wu.xia": 0.3,
    "liu.yang": 1.2, "yang.jie": 0.8, "zhou.tao": 0.5,
    "sun.yan": 1.5, "zhu.lin": 0.9, "hu.bin": 0.35,
    "xu.hao": 1.1, "ma.jun": 0.7, "guo.ting": 0.4,
}  # fmt: skip
# The months of a sales year: Chinese New Year falls in Jan/Feb (see CNY), a half-year
# close in June, the National Day week in October, the year-end push in December.
MONTH = {1: 1.0, 2: 0.85, 3: 1.1, 4: 1.0, 5: 0.95, 6: 1.15,
         7: 0.9, 8: 0.85, 9: 1.05, 10: 0.95, 11: 1.1, 12: 1.5}  # fmt: skip
CNY = {
    2024: dt.date(2024, 2, 10), 2025: dt.date(2025, 1, 29), 2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6), 2028: dt.date(2028, 1, 26), 2029: dt.date(2029, 2, 13),
    2030: dt.date(2030, 2, 3), 2031: dt.date(2031, 1, 23), 2032: dt.date(2032, 2, 11),
}  # fmt: skip
METRICS = ("revenue_won", "new_customers", "follow_ups")
KR_TITLES = {"revenue_won": "赢单金额", "new_customers": "新增客户", "follow_ups": "跟进次数"}
ON_TRACK_AT, BEHIND_AT = Decimal("0.92"), Decimal("0.68")  # of the equal share, see _share


@dataclass(frozen=True)
class Scale:
    """How much history to make: added follow-ups a month and deals a year per person of
    strength 1.0, and the book of someone who holds no customers yet."""

    follow_ups_a_month: float = 8
    deals_a_year: float = 20
    book: int = 8


def window_start(today: dt.date) -> dt.date:
    """The first day of the history: 364 days back, the day after today's date last year
    (see the module's docstring)."""
    return today - dt.timedelta(days=364)


def this_quarter(today: dt.date):
    from rapport.goals.models import GoalSettings
    from rapport.goals.periods import Period, PeriodKind

    fiscal = GoalSettings.current().fiscal_year_start
    return Period.containing(today, PeriodKind.QUARTER, fiscal)


def season(day: dt.date) -> float:
    """How busy a day is, relative to an ordinary weekday."""
    weight = MONTH[day.month]
    cny = CNY.get(day.year)
    if cny is not None and -7 <= (day - cny).days <= 10:
        weight *= 0.15  # the Spring Festival fortnight
    if day.month == 10 and day.day <= 7:
        weight *= 0.2  # the National Day week
    if day.weekday() >= 5:
        weight *= 0.15
    return weight


def strength(user) -> float:
    return STRENGTH.get(user.username, 1.0)


def _moment(rng, day: dt.date, latest: dt.datetime) -> dt.datetime:
    """A working-hours instant of a local day, never after `latest`."""
    from rapport.goals.periods import company_tz

    when = dt.datetime.combine(
        day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=company_tz()
    )
    return min(when, latest)


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def _weights(days: list[dt.date], power: float = 1.0, trend: float = 1.0) -> list[float]:
    """Each day's weight by the season (`power` sharpens it); a `trend` above 1 favours
    the recent days (someone growing), below 1 the early ones (someone fading)."""
    span = max(1, len(days) - 1)
    return [
        season(day) ** power * max(0.1, 1 + (trend - 1) * n / span) for n, day in enumerate(days)
    ]


def _pick_day(rng, days: list[dt.date], power: float = 1.0, trend: float = 1.0) -> dt.date:
    return rng.choices(days, weights=_weights(days, power, trend))[0]


# --- history ------------------------------------------------------------------------------


def _date_back_customers(ctx: DemoContext, first: dt.date, today: dt.date) -> None:
    """The customers made today by the customers step were created over the year: each
    before its first follow-up (and its closed deal), the never-contacted ones recently;
    strong people's more recently (they keep finding new ones), weak people's earlier."""
    from rapport.customers.models import Customer, FollowUp, OwnershipEvent, OwnershipMove
    from rapport.sales.models import Opportunity

    rng, now = ctx.rng, timezone.now()
    firsts = dict(
        FollowUp.objects.values("customer_id")
        .annotate(first=Min("occurred_at"))
        .values_list("customer_id", "first")
    )
    dealt = set(Opportunity.objects.values_list("customer_id", flat=True))
    # A customer with a closed deal is old enough for it to have closed before this
    # quarter (see _date_back_opportunities).
    closers = set(
        Opportunity.objects.filter(closed_at__isnull=False).values_list("customer_id", flat=True)
    )
    old_enough = this_quarter(today).first - dt.timedelta(days=13)
    changed = list(Customer.objects.select_related("owner").order_by("pk"))
    for customer in changed:
        trend = strength(customer.owner) if customer.owner_id else 1.0
        contacted = firsts.get(customer.pk)
        if contacted is None and customer.owner_id is not None and customer.pk not in dealt:
            # Owned, never contacted, no deal: a recent lead.
            days = _days(max(first, today - dt.timedelta(days=60)), today - dt.timedelta(days=1))
            customer.created_at = _moment(rng, _pick_day(rng, days), now - dt.timedelta(hours=1))
            continue
        latest = today if contacted is None else timezone.localtime(contacted).date()
        latest -= dt.timedelta(days=1)
        if customer.pk in closers and old_enough > first:
            latest = min(latest, old_enough)
        if latest < first:
            customer.created_at = contacted - dt.timedelta(days=rng.randint(1, 5))
        else:
            when = _moment(rng, _pick_day(rng, _days(first, latest), trend=trend), now)
            customer.created_at = min(when, contacted or now)
    Customer.objects.bulk_update(changed, ["created_at"], batch_size=500)
    for customer in changed:
        OwnershipEvent.objects.filter(customer=customer, move=OwnershipMove.CREATE).update(
            occurred_at=customer.created_at
        )


def _new_books(ctx: DemoContext, ams: list, first: dt.date, today: dt.date, scale: Scale):
    """Account managers with no customers find a small book over the year: created then
    (the creation and its ownership move dated back before the first follow-up; like the
    customers step's, `owned_since` stays today, so no pool rule reclaims them tonight)."""
    from rapport.customers.demo import _company, _contacts
    from rapport.customers.models import Customer, OwnershipEvent
    from rapport.customers.services.customers import customer_create

    rng, now = ctx.rng, timezone.now()
    owners = set(Customer.objects.filter(owner__isnull=False).values_list("owner_id", flat=True))
    used = set(Customer.objects.values_list("name", flat=True))
    days = _days(first, today - dt.timedelta(days=21))
    made = []
    for am in ams:
        if am.pk in owners:
            continue
        for _n in range(max(2, round(scale.book * strength(am)))):
            data = _company(ctx, 1000 + len(used), used)
            data["status"] = rng.choice(["prospect", "active", "active"])
            customer = customer_create(actor=am, data=data)
            _contacts(ctx, customer, am)
            when = _moment(rng, _pick_day(rng, days), now)
            Customer.objects.filter(pk=customer.pk).update(created_at=when)
            OwnershipEvent.objects.filter(customer=customer).update(occurred_at=when)
            made.append(customer.pk)
    return made


def _log(am, customer, when: dt.datetime, rng, next_date=None):
    from rapport.customers.demo import FOLLOW_UPS
    from rapport.customers.services.followups import followup_create

    kind, summary, next_step = rng.choice(FOLLOW_UPS)
    return followup_create(
        actor=am,
        data={
            "customer": customer,
            "kind": kind,
            "occurred_at": when,
            "summary": summary,
            "next_step": next_step,
            "next_date": next_date,
        },
    )


def _follow_ups(ctx: DemoContext, ams, new_books: set, first: dt.date, today: dt.date, scale):
    """Follow-ups over the year, as many as the person's strength and the season say. On
    the customers step's customers they stay before each one's latest follow-up (which
    decides whether it is due or overdue); new books end with a recent call and a plan."""
    from rapport.customers.models import Customer

    rng, now = ctx.rng, timezone.now()
    yesterday = today - dt.timedelta(days=1)
    days = _days(first, yesterday)
    months = len(days) / 30.4
    made = 0
    for am in ams:
        book = list(Customer.objects.filter(owner=am, archived_at__isnull=True).order_by("pk"))
        windows = []  # (customer, from, until)
        for customer in book:
            if customer.pk in new_books:
                windows.append((customer, customer.created_at, now - dt.timedelta(days=21)))
            elif customer.last_follow_up_at is not None:
                windows.append((customer, customer.created_at, customer.last_follow_up_at))
        if not windows:
            continue
        share = min(1.0, len(windows) / 20)  # a small book has fewer calls to make
        wanted = round(scale.follow_ups_a_month * strength(am) * months * max(share, 0.5))
        weights = _weights(days, trend=strength(am))
        for day in sorted(rng.choices(days, weights=weights, k=wanted)):
            when = _moment(rng, day, now)
            open_ = [c for c, start, until in windows if start < when < until]
            if open_:
                _log(am, rng.choice(open_), when, rng)
                made += 1
        for customer in book:
            if customer.pk in new_books:
                recent = today - dt.timedelta(days=rng.randint(3, 20))
                planned = today + dt.timedelta(days=rng.randint(3, 20))
                _log(am, customer, _moment(rng, recent, now), rng, next_date=planned)
                made += 1
    return made


def _deals(ctx: DemoContext, ams, first: dt.date, today: dt.date, scale: Scale) -> int:
    """Won and lost deals over the year: more closed in June and December, fewer around
    the Spring Festival; strong people win more and bigger ones."""
    from rapport.customers.models import Customer
    from rapport.sales import services
    from rapport.sales.demo import LOST, PRODUCTS, WON
    from rapport.sales.models import Opportunity, StageChange

    rng, now = ctx.rng, timezone.now()
    days = _days(first + dt.timedelta(days=30), today - dt.timedelta(days=1))
    years = len(days) / 365
    made = 0
    for am in ams:
        book = list(Customer.objects.filter(owner=am, archived_at__isnull=True).order_by("pk"))
        if not book:
            continue
        power = strength(am)
        share = 1.0 if len(book) >= 20 else 0.7
        for _n in range(round(scale.deals_a_year * power * share * years)):
            day = _pick_day(rng, days, power=2, trend=power)
            closed = _moment(rng, day, now - dt.timedelta(hours=2))
            opened = closed - dt.timedelta(days=rng.randint(14, 75), hours=rng.randint(0, 6))
            candidates = [c for c in book if c.created_at < opened]
            if not candidates:
                continue
            customer = rng.choice(candidates)
            amount = Decimal(round(rng.randrange(30, 900) * (0.6 + 0.4 * power))) * 1000
            opportunity = services.opportunity_create(
                actor=am,
                data={
                    "customer": customer,
                    "name": f"{customer.short_name or customer.name}{rng.choice(PRODUCTS)}",
                    "amount": amount,
                    "expected_close": timezone.localtime(closed).date(),
                },
            )
            if rng.random() < min(0.8, 0.25 + 0.3 * power):
                services.opportunity_win(actor=am, opportunity=opportunity, reason=rng.choice(WON))
            else:
                services.opportunity_lose(
                    actor=am, opportunity=opportunity, reason=rng.choice(LOST)
                )
            Opportunity.objects.filter(pk=opportunity.pk).update(
                created_at=opened, updated_at=closed, closed_at=closed, stage_entered_at=closed
            )
            StageChange.objects.filter(opportunity=opportunity, from_stage__isnull=True).update(
                changed_at=opened
            )
            StageChange.objects.filter(opportunity=opportunity, from_stage__isnull=False).update(
                changed_at=closed, seconds_in_previous=int((closed - opened).total_seconds())
            )
            made += 1
    return made


def _date_back_opportunities(ctx: DemoContext, ids: list[int], first: dt.date, today) -> None:
    """The opportunities step's deals were opened over the last five months and moved on
    since; the closed ones closed before this quarter (when their customer is old enough),
    around the date they were expected to."""
    from rapport.sales.models import Opportunity, StageChange

    rng, now = ctx.rng, timezone.now()
    quarter = this_quarter(today)
    for opportunity in Opportunity.objects.filter(pk__in=ids).select_related("customer"):
        earliest = opportunity.customer.created_at + dt.timedelta(days=1)
        closed = opportunity.closed_at is not None
        start = timezone.localtime(earliest).date() + dt.timedelta(days=12)
        days = _days(
            max(first + dt.timedelta(days=30), start), quarter.first - dt.timedelta(days=1)
        )
        if closed and days:
            moved = _moment(rng, _pick_day(rng, days, power=2), now - dt.timedelta(hours=1))
            opened = max(earliest, moved - dt.timedelta(days=rng.randint(10, 80)))
        else:
            opened = now - dt.timedelta(days=rng.randint(5, 150), hours=rng.randint(0, 8))
            opened = min(max(opened, earliest), now - dt.timedelta(hours=2))
            moved = opened + (now - opened) * rng.uniform(0.2, 0.9)
        moves = list(opportunity.stage_changes.order_by("changed_at", "pk"))
        for move in moves:
            when = opened if move.from_stage_id is None else moved
            seconds = int((moved - opened).total_seconds()) if move.from_stage_id else 0
            StageChange.objects.filter(pk=move.pk).update(
                changed_at=when, seconds_in_previous=seconds
            )
        last = moved if len(moves) > 1 else opened
        dates = {"created_at": opened, "updated_at": last, "stage_entered_at": last}
        if closed:
            dates.update(closed_at=moved, expected_close=timezone.localtime(moved).date())
        Opportunity.objects.filter(pk=opportunity.pk).update(**dates)


def _progress_dates(customer_ids) -> None:
    """Each customer's last opportunity progress is its latest stage move (the services
    stamped "now"); its reclaim date follows."""
    from rapport.customers.models import Customer, Pool
    from rapport.customers.services import schedule
    from rapport.sales.models import StageChange

    latest = dict(
        StageChange.objects.filter(opportunity__customer_id__in=customer_ids)
        .values("opportunity__customer_id")
        .annotate(last=Max("changed_at"))
        .values_list("opportunity__customer_id", "last")
    )
    rules = schedule.tier_rules()
    pools = list(Pool.objects.filter(archived_at__isnull=True))
    for customer in Customer.objects.filter(pk__in=latest):
        customer.last_progress_at = latest[customer.pk]
        changed = schedule.refresh_schedule(customer, rules=rules, pools=pools)
        customer.save(update_fields=["last_progress_at", *changed])


def account_managers(ctx: DemoContext) -> list[tuple]:
    """(team, its account managers, its lead) for each sales team of the demo."""
    from rapport.customers.demo import _demo_teams

    return _demo_teams(ctx)


def make_history(ctx: DemoContext, scale: Scale = Scale()) -> dict:
    from rapport.customers.models import FollowUp
    from rapport.goals.periods import local_today
    from rapport.sales.models import Opportunity

    today = local_today()
    first = window_start(today)
    ams = [am for _team, members, _lead in account_managers(ctx) for am in members]
    existing = list(Opportunity.objects.values_list("pk", flat=True))
    _date_back_customers(ctx, first, today)
    new_books = set(_new_books(ctx, ams, first, today, scale))
    follow_ups = _follow_ups(ctx, ams, new_books, first, today, scale)
    deals = _deals(ctx, ams, first, today, scale)
    _date_back_opportunities(ctx, existing, first, today)
    _progress_dates(Opportunity.objects.values("customer_id"))
    # Old follow-ups read as logbook entries (as the customers step does for its own).
    FollowUp.objects.filter(occurred_at__lt=timezone.now() - dt.timedelta(days=1)).update(
        created_at=F("occurred_at")
    )
    return {"customers": len(new_books), "follow_ups": follow_ups, "deals": deals, "from": first}


@demo_step(order=45)
def history(ctx: DemoContext) -> None:
    made = make_history(ctx)
    ctx.say(
        f"  history since {made['from']}: {made['follow_ups']} follow-ups, {made['deals']} "
        f"closed deals, {made['customers']} customers for account managers with no book"
    )
