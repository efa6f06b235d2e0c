"""Home panels of the customer book and the pool's menu entries (registered in ready()).

AM: due today, overdue, reclaim warnings, pool customers I may claim. Lead: cadence
compliance and overdue by account manager (each figure opens the customers behind it),
and this week's ownership moves. Every panel runs a fixed number of queries, however
many customers stand behind it.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Max, Min, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.navigation import NavItem, Panel, register_nav, register_panel
from rapport.org.models import Role

AM = frozenset({Role.ACCOUNT_MANAGER})
LEAD = frozenset({Role.TEAM_LEAD})
LIMIT = 8


def customer_list_url(**params) -> str:
    """The customer list filtered (H1's list reads ?owner=<id>&due=overdue)."""
    try:
        base = reverse("customers:customer-list")
    except NoReverseMatch:  # pragma: no cover - the list page is part of the book
        return "#"
    return f"{base}?{urlencode(params)}" if params else base


def _mine(request):
    from rapport.customers.models import Customer

    return Customer.objects.visible_to(request.user).filter(
        owner_id=request.user.pk, archived_at__isnull=True
    )


def due_today(request) -> dict:
    today = timezone.localdate()
    rows = _mine(request).filter(contact_due_on=today)
    return {
        "customers": list(rows.order_by("name", "id")[:LIMIT]),
        "count": rows.count(),
        "more_url": customer_list_url(owner=request.user.pk, due="today"),
        "empty": _("Nobody is due today."),
    }


def overdue(request) -> dict:
    today = timezone.localdate()
    rows = _mine(request).filter(contact_due_on__lt=today)
    return {
        "customers": list(rows.order_by("contact_due_on", "id")[:LIMIT]),
        "count": rows.count(),
        "more_url": customer_list_url(owner=request.user.pk, due="overdue"),
        "empty": _("Nothing overdue. Well done."),
    }


def reclaim_soon(request) -> dict:
    from rapport.customers.services.reclaim import reclaim_warnings

    warnings = reclaim_warnings(owner_id=request.user.pk)
    return {"warnings": warnings[:LIMIT], "count": len(warnings)}


def claimable(request) -> dict:
    """Customers of the pools I work, newest in the pool first, without those I may not
    claim yet (cooldown); with my holding and today's claims against the caps."""
    from rapport.customers.models import Customer, OwnershipEvent
    from rapport.customers.models.customer import pool_ids_of
    from rapport.customers.services import pool as pool_services

    user = request.user
    candidates = list(
        Customer.objects.visible_to(user)
        .filter(pool_id__in=pool_ids_of(user), archived_at__isnull=True)
        .select_related("pool")
        .order_by("-pool_entered_at", "-id")[: LIMIT * 3]
    )
    widest = max((c.pool.cooldown_days for c in candidates), default=0)
    since = timezone.now() - dt.timedelta(days=widest)
    left = dict(
        OwnershipEvent.objects.filter(
            from_owner_id=user.pk,
            customer_id__in=[c.pk for c in candidates],
            occurred_at__gte=since,
        )
        .values_list("customer_id")
        .annotate(last=Max("occurred_at"))
    )
    today = timezone.localdate()

    def cooling(customer) -> bool:
        moment = left.get(customer.pk)
        if moment is None:
            return False
        until = timezone.localtime(moment).date() + dt.timedelta(days=customer.pool.cooldown_days)
        return today < until

    customers = [c for c in candidates if not cooling(c)][:LIMIT]
    return {
        "customers": customers,
        "held": Customer.objects.filter(owner_id=user.pk, archived_at__isnull=True).count(),
        "claimed_today": pool_services.claims_today(user),
        "pools_url": reverse("customers:pool-list"),
    }


def _book(request):
    """Owned live customers of the teams the lead leads."""
    from rapport.customers.models import Customer
    from rapport.org.scope import scope_for

    scope = scope_for(request.user)
    return Customer.objects.visible_to(request.user).filter(
        team_id__in=scope.led_team_ids, owner__isnull=False, archived_at__isnull=True
    )


def _by_owner(request) -> list[dict]:
    """One grouped query: per owner, customers held, overdue, and the oldest due date;
    one more for the owners' names. Two panels read it: worked out once per request."""
    cached = getattr(request, "_customers_by_owner", None)
    if cached is None:
        cached = request._customers_by_owner = _count_by_owner(request)
    return [dict(row) for row in cached]


def _count_by_owner(request) -> list[dict]:
    from rapport.org.models import User

    today = timezone.localdate()
    rows = list(
        _book(request)
        .values("owner_id")
        .annotate(
            total=Count("id"),
            overdue=Count("id", filter=Q(contact_due_on__lt=today)),
            oldest=Min("contact_due_on", filter=Q(contact_due_on__lt=today)),
        )
        .order_by("owner_id")
    )
    names = {
        user.pk: user
        for user in User.objects.filter(pk__in=[row["owner_id"] for row in rows]).only(
            "id", "username", "full_name", "first_name", "last_name"
        )
    }
    for row in rows:
        owner = row["owner_id"]
        row["owner"] = names.get(owner)
        row["on_time"] = row["total"] - row["overdue"]
        row["share"] = round(100 * row["on_time"] / row["total"]) if row["total"] else 100
        row["days"] = (today - row["oldest"]).days if row["oldest"] else 0
        row["all_url"] = customer_list_url(owner=owner)
        row["overdue_url"] = customer_list_url(owner=owner, due="overdue")
        row["on_time_url"] = customer_list_url(owner=owner, due="on_time")
    return rows


def cadence_compliance(request) -> dict:
    """Share of each AM's customers contacted within their tier's cadence (not overdue
    today); the team's figure over all of them."""
    rows = sorted(_by_owner(request), key=lambda row: (row["share"], -row["total"]))
    total = sum(row["total"] for row in rows)
    on_time = sum(row["on_time"] for row in rows)
    return {
        "rows": rows,
        "total": total,
        "share": round(100 * on_time / total) if total else None,
        "report_url": reverse("customers:cadence-report"),
    }


def overdue_by_owner(request) -> dict:
    rows = [row for row in _by_owner(request) if row["overdue"]]
    rows.sort(key=lambda row: (-row["overdue"], row["owner_id"]))
    return {"rows": rows, "total": sum(row["overdue"] for row in rows)}


def ownership_moves(request) -> dict:
    """Ownership moves in the lead's scope since Monday: counts by move, the latest few."""
    from rapport.customers.models import OwnershipEvent, OwnershipMove
    from rapport.customers.services.pool import local_day_start

    today = timezone.localdate()
    monday = local_day_start(today - dt.timedelta(days=today.weekday()))
    events = OwnershipEvent.objects.visible_to(request.user).filter(occurred_at__gte=monday)
    counts = dict(events.values_list("move").annotate(n=Count("id")).order_by())
    latest = list(
        events.select_related("customer", "actor", "from_owner", "to_owner", "pool")[:LIMIT]
    )
    labels = dict(OwnershipMove.choices)
    return {
        "counts": [(labels.get(move, move), n) for move, n in sorted(counts.items())],
        "events": latest,
        "total": sum(counts.values()),
    }


def register() -> None:
    # Job kinds of the pool and tier work must be known wherever a job may start.
    from rapport.customers import tasks  # noqa: F401
    from rapport.customers.services import tiers  # noqa: F401

    register_nav(
        NavItem(
            _("Public pool"),
            "customers:pool-list",
            order=25,
            roles=frozenset({Role.ADMIN, Role.TEAM_LEAD, Role.ACCOUNT_MANAGER}),
        )
    )
    register_nav(NavItem(_("Tiers and cadence"), "customers:tier-rules", order=86, admin_only=True))
    base = "customers/panels/"
    for panel in [
        Panel("am-due-today", _("Due today"), base + "customers.html", AM, 10, due_today),
        Panel("am-overdue", _("Overdue follow-ups"), base + "customers.html", AM, 20, overdue),
        Panel("am-reclaim", _("Reclaim soon"), base + "reclaim_soon.html", AM, 25, reclaim_soon),
        Panel(
            "am-pool", _("Pool customers I may claim"), base + "claimable.html", AM, 40, claimable
        ),
        Panel(
            "lead-cadence",
            _("Cadence compliance by account manager"),
            base + "cadence.html",
            LEAD,
            20,
            cadence_compliance,
        ),
        Panel(
            "lead-overdue",
            _("Overdue follow-ups by account manager"),
            base + "overdue_by_owner.html",
            LEAD,
            30,
            overdue_by_owner,
        ),
        Panel(
            "lead-moves",
            _("Ownership moves this week"),
            base + "moves.html",
            LEAD,
            45,
            ownership_moves,
        ),
    ]:
        register_panel(panel)
