"""The digest's lists of what needs attention: overdue follow-ups by account manager, tier A
customers past their cadence, and big open opportunities slipping. Every read starts from
`visible_to(viewer)`: a digest never shows what its recipient could not open."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.goals.dashboards.base import fmt
from rapport.goals.periods import day_start

LIMIT = 10  # rows per list; the rest is counted and linked
OVERDUE_LIMIT = 15
STALE_DAYS = 30  # an open deal not moved on for this long is slipping
BIG_DEAL = Decimal("1000000")  # in the reporting currency: big whatever the decile
TOP_SHARE = Decimal("0.1")  # the top decile of open deals by amount is big


@dataclass(frozen=True)
class Line:
    """One row of a list in the digest: what, whose, why, and the link to it."""

    name: str
    url: str
    owner: str = ""
    detail: str = ""
    figure: str = ""


@dataclass(frozen=True)
class Listing:
    lines: list[Line]
    total: int  # how many there are in all (the lines are the first of them)
    url: str = ""  # the full list in the app

    @property
    def more(self) -> int:
        return max(self.total - len(self.lines), 0)


def _list_url(base_url: str, name: str, params: dict) -> str:
    return f"{base_url}{reverse(name)}?{urlencode(params)}"


def overdue_by_owner(viewer, customers, today: dt.date, base_url: str, names: dict) -> Listing:
    """Customers overdue for contact per account manager, most first. `customers` is the
    recipient's scoped book (a team's, or the company's); `names` {user id: name}."""
    from rapport.org.models import User

    rows = list(
        customers.filter(owner__isnull=False, contact_due_on__lt=today)
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner_id")
    )
    missing = [r["owner_id"] for r in rows if r["owner_id"] not in names]
    if missing:
        names = {**names, **{u.pk: u.display_name for u in User.objects.filter(pk__in=missing)}}
    lines = [
        Line(
            names[r["owner_id"]],
            _list_url(
                base_url, "customers:customer-list", {"owner": r["owner_id"], "due": "overdue"}
            ),
            figure=str(r["n"]),
        )
        for r in rows[:OVERDUE_LIMIT]
    ]
    return Listing(lines, sum(r["n"] for r in rows))


def tier_a_overdue(customers, today: dt.date, base_url: str, params: dict) -> Listing:
    """Tier A customers past their contact cadence, longest overdue first."""
    late = customers.filter(tier="A", owner__isnull=False, contact_due_on__lt=today)
    total = late.count()
    lines = []
    for c in late.select_related("owner").order_by("contact_due_on", "name", "pk")[:LIMIT]:
        days = (today - c.contact_due_on).days
        last = (
            _("last contact %(day)s") % {"day": c.last_follow_up_at.date().isoformat()}
            if c.last_follow_up_at
            else _("never contacted")
        )
        lines.append(
            Line(
                c.name,
                f"{base_url}{c.get_absolute_url()}",
                owner=c.owner.display_name if c.owner else "",
                detail=_("%(days)s days past the cadence; %(last)s") % {"days": days, "last": last},
            )
        )
    url = _list_url(base_url, "customers:customer-list", {"tier": "A", "due": "overdue", **params})
    return Listing(lines, total, url)


def _big_ids(deals, today: dt.date) -> dict[int, Decimal]:
    """{id: amount in the reporting currency} of the big deals among `deals`: the top
    decile by amount, and any at or above BIG_DEAL. A deal in a currency without a rate
    cannot be ranked and is left out (the KPI figures name that problem)."""
    from rapport.goals.rates import Rates

    rates = Rates.load()
    amounts = {}
    for pk, amount, currency in deals.values_list("pk", "amount", "currency"):
        try:
            amounts[pk] = rates.convert(amount, currency, today)
        except ValidationError:
            continue
    ranked = sorted(amounts, key=lambda pk: (-amounts[pk], pk))
    top = math.ceil(len(ranked) * TOP_SHARE)
    return {pk: amounts[pk] for i, pk in enumerate(ranked) if i < top or amounts[pk] >= BIG_DEAL}


def _moved_later(ids, since: dt.datetime) -> dict[int, tuple[str, str]]:
    """{id: (first expected close, latest)} of deals whose expected close date was moved
    later since `since`, from the audit log of their edits."""
    from django.contrib.contenttypes.models import ContentType

    from rapport.audit.models import AuditEvent
    from rapport.sales.models import Opportunity

    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Opportunity),
        object_id__in=[str(pk) for pk in ids],
        occurred_at__gte=since,
    ).order_by("occurred_at", "pk")
    moves: dict[int, list] = {}
    for object_id, changes in events.values_list("object_id", "changes"):
        change = (changes or {}).get("expected_close")
        if isinstance(change, list) and len(change) == 2 and all(change):
            first, _last = moves.get(int(object_id), (change[0], None))
            moves[int(object_id)] = [first, change[1]]
    return {pk: (a, b) for pk, (a, b) in moves.items() if b > a}


def slipping_deals(opportunities, today: dt.date, base_url: str, params: dict) -> Listing:
    """Big open deals slipping: the expected close date passed or moved later, or no
    stage move for STALE_DAYS days. Biggest first. `opportunities` is the scoped book."""
    open_deals = opportunities.open().filter(archived_at__isnull=True)
    big = _big_ids(open_deals, today)
    if not big:
        return Listing([], 0)
    stale_since = day_start(today) - dt.timedelta(days=STALE_DAYS)
    moved = _moved_later(big, stale_since)
    slipping = set(
        open_deals.filter(pk__in=list(big))
        .filter(
            Q(expected_close__lt=today)
            | Q(stage_entered_at__lt=stale_since)
            | Q(pk__in=list(moved))
        )
        .values_list("pk", flat=True)
    )
    first = sorted(slipping, key=lambda pk: (-big[pk], pk))[:LIMIT]
    deals = open_deals.filter(pk__in=first).select_related("customer", "owner", "stage")
    by_id = {deal.pk: deal for deal in deals}
    lines = []
    for pk in first:
        deal = by_id[pk]
        reasons = []
        if deal.expected_close and deal.expected_close < today:
            reasons.append(
                _("expected to close %(day)s") % {"day": deal.expected_close.isoformat()}
            )
        if pk in moved:
            reasons.append(
                _("close date moved from %(before)s to %(after)s")
                % {"before": moved[pk][0], "after": moved[pk][1]}
            )
        if deal.stage_entered_at < stale_since:
            reasons.append(
                _("in stage %(stage)s for %(days)s days")
                % {
                    "stage": deal.stage.label,
                    "days": (day_start(today) - deal.stage_entered_at).days,
                }
            )
        lines.append(
            Line(
                f"{deal.name} · {deal.customer.name}",
                f"{base_url}{deal.get_absolute_url()}",
                owner=deal.owner.display_name,
                detail="; ".join(reasons),
                figure=f"{deal.currency} {fmt(deal.amount, 'money')}",
            )
        )
    url = _list_url(base_url, "sales:opportunity-list", {"status": "open", **params})
    return Listing(lines, len(slipping), url)
