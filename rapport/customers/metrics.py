"""Customer-book metrics for the goals catalog. New customers, claims and reclaims come
from the ownership history, which records the owner and team of each move, so credit
follows the owner at the time; follow-ups are their author's."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from rapport.customers.models import (
    Customer,
    CustomerStatus,
    FollowUp,
    FollowUpKind,
    OwnershipEvent,
    OwnershipMove,
)
from rapport.goals.catalog import Direction, Kind, Metric, Row, Unit, ratio, register
from rapport.goals.compute import daily_count, stock_rows


def _primary_team(user_ref: str):
    from rapport.org.models import Membership

    primary = Membership.objects.filter(user_id=OuterRef(user_ref), is_primary=True)
    return Subquery(primary.values("team_id")[:1])


def _not_merged_away():
    """A customer archived by a merge was a duplicate of another: never a customer of
    its own in the figures (its records now belong to the one it was merged into)."""
    merged = OwnershipEvent.objects.filter(customer_id=OuterRef("customer_id"), move="merge")
    return Q(customer__archived_at__isnull=True) | ~Exists(merged)


def new_customers(days, rates=None):
    created = OwnershipEvent.objects.filter(
        _not_merged_away(), move__in=[OwnershipMove.CREATE, OwnershipMove.IMPORT]
    )
    return daily_count(
        created, when="occurred_at", user="to_owner_id", team="to_team_id", days=days
    )


def pool_claims(days, rates=None):
    claims = OwnershipEvent.objects.filter(move=OwnershipMove.CLAIM)
    return daily_count(claims, when="occurred_at", user="to_owner_id", team="to_team_id", days=days)


def pool_reclaims(days, rates=None):
    reclaims = OwnershipEvent.objects.filter(move=OwnershipMove.RECLAIM)
    return daily_count(
        reclaims, when="occurred_at", user="from_owner_id", team="from_team_id", days=days
    )


def _follow_ups(kind: str | None = None):
    rows = FollowUp.objects.filter(archived_at__isnull=True)
    return rows.filter(kind=kind) if kind else rows


def follow_ups(days, rates=None):
    return daily_count(
        _follow_ups(),
        when="occurred_at",
        user="author_id",
        team=_primary_team("author_id"),
        days=days,
    )


def visits(days, rates=None):
    return daily_count(
        _follow_ups(FollowUpKind.VISIT),
        when="occurred_at",
        user="author_id",
        team=_primary_team("author_id"),
        days=days,
    )


def follow_up_hours(days, rates=None):
    """Follow-ups by local day and hour of the day (the team page's heatmap). Grouped in
    the database by UTC hour (the first 13 characters of the timestamp as text, in UTC on
    both databases: no per-row function), then placed in the company's time zone."""
    import datetime as dt

    from django.db.models import CharField
    from django.db.models.functions import Substr

    from rapport.goals.periods import company_tz

    hour = Substr(Cast("occurred_at", CharField()), 1, 13)
    grouped = (
        _follow_ups()
        .filter(occurred_at__gte=days.start, occurred_at__lt=days.end)
        .order_by()
        .values(h=hour, u=F("author_id"), t=_primary_team("author_id"))
        .annotate(n=Count("pk"))
    )
    tz, rows = company_tz(), []
    for r in grouped:
        utc = dt.datetime.strptime(r["h"], "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
        local = utc.astimezone(tz)
        rows.append(Row(local.date(), r["u"], r["t"], Decimal(r["n"]), bucket=local.hour))
    return rows


def churned_customers(days, rates=None):
    """Customers whose status was set to lost, from the audit trail of their edits,
    credited to the owner and team the ownership history says held them at that moment."""
    from rapport.audit.models import Action, AuditEvent

    customer_type = ContentType.objects.get_for_model(Customer)
    held = OwnershipEvent.objects.filter(
        customer_id=Cast(OuterRef("object_id"), IntegerField()),
        occurred_at__lte=OuterRef("occurred_at"),
    ).order_by("-occurred_at", "-id")
    marked = AuditEvent.objects.filter(
        content_type=customer_type,
        action=Action.UPDATE,  # created as lost is not a customer lost
        changes__status__1=CustomerStatus.LOST,
    )
    return daily_count(
        marked,
        when="occurred_at",
        user=Subquery(held.values("to_owner_id")[:1]),
        team=Subquery(held.values("to_team_id")[:1]),
        days=days,
    )


def _owned_book():
    return Customer.objects.filter(archived_at__isnull=True, owner__isnull=False).order_by()


def active_customers(days, rates=None):
    grouped = (
        _owned_book()
        .filter(status=CustomerStatus.ACTIVE)
        .values(u=F("owner_id"), t=F("team_id"))
        .annotate(n=Count("pk"))
    )
    return stock_rows(grouped, day=days.last)


def overdue_follow_ups(days, rates=None):
    """Customers whose next contact (planned, or due by their tier's cadence) was due by
    the end of the day and not made: the customer list's "overdue" the next morning."""
    grouped = (
        _owned_book()
        .filter(contact_due_on__lte=days.last)
        .values(u=F("owner_id"), t=F("team_id"))
        .annotate(n=Count("pk"))
    )
    return stock_rows(grouped, day=days.last)


def cadence_compliance(days, rates=None):
    """Share of customers with a contact cadence who were contacted in time."""
    grouped = (
        _owned_book()
        .filter(contact_due_on__isnull=False)
        .values(u=F("owner_id"), t=F("team_id"))
        .annotate(n=Count("pk", filter=Q(contact_due_on__gt=days.last)), d=Count("pk"))
    )
    return stock_rows(grouped, day=days.last, denominator="d")


def _churn(values: dict):
    churned = values["churned_customers"]
    return ratio(churned, (churned or 0) + (values["active_customers"] or 0), 100)


def _metric(key, name, compute, order, definition, *, kind=Kind.FLOW, **options) -> None:
    options.setdefault("unit", Unit.COUNT)
    if kind == Kind.STOCK:
        options["history"] = False  # the book's state today cannot be rebuilt for the past
    register(
        Metric(
            key=key,
            name=name,
            kind=kind,
            definition=definition,
            compute=compute,
            order=order,
            **options,
        )
    )


_metric(
    "new_customers",
    _("New customers"),
    new_customers,
    40,
    _(
        "Customers created or imported in the period, credited to their first owner (those "
        "created into a pool count for the team only; merged duplicates never count)."
    ),
)
_metric(
    "active_customers",
    _("Active customers"),
    active_customers,
    41,
    _("Customers in the active status at the end of the period."),
    kind=Kind.STOCK,
)
_metric(
    "follow_ups",
    _("Follow-ups logged"),
    follow_ups,
    50,
    _(
        "Follow-ups (calls, visits, WeChat, email, meetings) that took place in the period, "
        "credited to their author."
    ),
)
_metric(
    "visits",
    _("Visits"),
    visits,
    51,
    _("Follow-ups of the visit type that took place in the period."),
)
_metric(
    "overdue_follow_ups",
    _("Overdue follow-ups"),
    overdue_follow_ups,
    52,
    _(
        "Customers whose next contact (planned, or due by their tier's cadence) is overdue "
        "at the end of the period."
    ),
    kind=Kind.STOCK,
    direction=Direction.LOWER,
)
_metric(
    "cadence_compliance",
    _("Cadence compliance"),
    cadence_compliance,
    53,
    _(
        "Of the customers with a contact cadence, the share contacted in time at the end of "
        "the period."
    ),
    kind=Kind.STOCK,
    unit=Unit.PERCENT,
)
_metric(
    "churned_customers",
    _("Churned customers"),
    churned_customers,
    60,
    _("Customers whose status was set to lost in the period."),
    direction=Direction.LOWER,
)
_metric(
    "pool_claims",
    _("Pool claims"),
    pool_claims,
    70,
    _("Customers claimed from the public pool in the period."),
)
_metric(
    "pool_reclaims",
    _("Pool reclaims"),
    pool_reclaims,
    71,
    _(
        "Customers taken back into the public pool by the reclaim rules in the period, counted "
        "against the owner who lost them."
    ),
    direction=Direction.LOWER,
)
register(
    Metric(
        key="follow_up_hours",
        name=_("Follow-ups by hour of the day"),
        kind=Kind.FLOW,
        unit=Unit.COUNT,
        definition=_("Follow-ups that took place, by local day and hour (for the heatmap)."),
        compute=follow_up_hours,
        internal=True,
        order=200,
    )
)
register(
    Metric(
        key="churn_rate",
        name=_("Churn rate"),
        kind=Kind.DERIVED,
        unit=Unit.PERCENT,
        direction=Direction.LOWER,
        definition=_("Churned customers ÷ (active customers at the end of the period + churned)."),
        inputs=("churned_customers", "active_customers"),
        volume=("churned_customers", "active_customers"),
        formula=_churn,
        order=61,
    )
)
register(
    Metric(
        key="retention_rate",
        name=_("Retention rate"),
        kind=Kind.DERIVED,
        unit=Unit.PERCENT,
        definition=_("100 % − the churn rate: the share of customers kept in the period."),
        inputs=("churned_customers", "active_customers"),
        volume=("churned_customers", "active_customers"),
        formula=lambda values: None if (rate := _churn(values)) is None else 100 - rate,
        order=62,
    )
)
