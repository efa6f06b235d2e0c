"""Sales metrics for the goals catalog. Each deal is credited to whoever owned it, for
the team they worked for, at the moment it was opened or closed (the stage history keeps
both), so moving a deal afterwards does not move its credit."""

from __future__ import annotations

from django.db.models import (
    BigIntegerField,
    F,
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from rapport.goals.catalog import Direction, Kind, Metric, Unit, ratio, register
from rapport.goals.compute import daily_amount, daily_count, stock_rows
from rapport.sales.models import Opportunity, StageChange, StageOutcome

BIGINT = BigIntegerField()


def _credited(first: bool):
    """Owner and team from the stage history: the opening move, or the move into the
    stage the deal is closed in (the latest, if it was reopened and closed again)."""
    if first:
        moves = StageChange.objects.filter(opportunity=OuterRef("pk"), from_stage__isnull=True)
        moves = moves.order_by("changed_at", "id")
    else:
        moves = StageChange.objects.filter(opportunity=OuterRef("pk"), to_stage=OuterRef("stage"))
        moves = moves.order_by("-changed_at", "-id")
    return (
        Coalesce(Subquery(moves.values("owner_id")[:1]), F("owner_id"), output_field=BIGINT),
        Coalesce(Subquery(moves.values("team_id")[:1]), F("team_id"), output_field=BIGINT),
    )


def _closed(outcome: str):
    return Opportunity.objects.filter(archived_at__isnull=True, stage__outcome=outcome)


def opportunities_created(days, rates=None):
    user, team = _credited(first=True)
    live = Opportunity.objects.filter(archived_at__isnull=True)
    return daily_count(live, when="created_at", user=user, team=team, days=days)


def opportunities_won(days, rates=None):
    user, team = _credited(first=False)
    return daily_count(_closed(StageOutcome.WON), when="closed_at", user=user, team=team, days=days)


def opportunities_lost(days, rates=None):
    user, team = _credited(first=False)
    return daily_count(
        _closed(StageOutcome.LOST), when="closed_at", user=user, team=team, days=days
    )


def revenue_won(days, rates):
    user, team = _credited(first=False)
    return daily_amount(
        _closed(StageOutcome.WON), when="closed_at", user=user, team=team, days=days, rates=rates
    )


def weighted_pipeline(days, rates):
    """Open deals × their stage's probability, at the end of the day (current state).
    Summed per stage in the database and weighted here in Decimal (SQLite would multiply
    in floating point), as the forecast does."""
    grouped = (
        Opportunity.objects.filter(archived_at__isnull=True, stage__outcome=StageOutcome.OPEN)
        .order_by()
        .values("stage__probability", u=F("owner_id"), t=F("team_id"), c=F("currency"))
        .annotate(total=Sum("amount"))
    )
    weighted: dict = {}
    for r in grouped:
        amount = (r["total"] or 0) * r["stage__probability"] / 100
        key = (r["u"], r["t"])
        weighted[key] = weighted.get(key, 0) + rates.convert(amount, r["c"], days.last)
    rows = [{"u": u, "t": t, "n": value} for (u, t), value in weighted.items()]
    return stock_rows(rows, day=days.last)


register(
    Metric(
        key="revenue_won",
        name=_("Revenue won"),
        kind=Kind.FLOW,
        unit=Unit.MONEY,
        definition=_(
            "The amounts of the deals won in the period, in the reporting currency at the "
            "rate of the day each was won, credited to whoever owned the deal when it was won."
        ),
        compute=revenue_won,
        order=10,
    )
)
register(
    Metric(
        key="opportunities_created",
        name=_("Opportunities created"),
        kind=Kind.FLOW,
        unit=Unit.COUNT,
        definition=_("New opportunities opened in the period (archived ones do not count)."),
        compute=opportunities_created,
        order=20,
    )
)
register(
    Metric(
        key="opportunities_won",
        name=_("Opportunities won"),
        kind=Kind.FLOW,
        unit=Unit.COUNT,
        definition=_("Deals moved to a won stage in the period and still won."),
        compute=opportunities_won,
        order=21,
    )
)
register(
    Metric(
        key="opportunities_lost",
        name=_("Opportunities lost"),
        kind=Kind.FLOW,
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        definition=_("Deals moved to a lost stage in the period and still lost."),
        compute=opportunities_lost,
        order=22,
    )
)
register(
    Metric(
        key="win_rate",
        name=_("Win rate"),
        kind=Kind.DERIVED,
        unit=Unit.PERCENT,
        definition=_("Deals won ÷ deals closed (won or lost) in the period."),
        inputs=("opportunities_won", "opportunities_lost"),
        volume=("opportunities_won", "opportunities_lost"),
        formula=lambda v: ratio(
            v["opportunities_won"],
            (v["opportunities_won"] or 0) + (v["opportunities_lost"] or 0),
            100,
        ),
        order=23,
    )
)
register(
    Metric(
        key="average_deal_size",
        name=_("Average deal size"),
        kind=Kind.DERIVED,
        unit=Unit.MONEY,
        definition=_("Revenue won ÷ deals won in the period."),
        inputs=("revenue_won", "opportunities_won"),
        volume=("opportunities_won",),
        formula=lambda v: ratio(v["revenue_won"], v["opportunities_won"]),
        order=24,
    )
)
register(
    Metric(
        key="weighted_pipeline",
        name=_("Weighted pipeline"),
        kind=Kind.STOCK,
        unit=Unit.MONEY,
        definition=_(
            "The open deals' amounts × their stage's probability, at the end of the period "
            "(the latest daily snapshot), credited to their current owners."
        ),
        compute=weighted_pipeline,
        history=False,
        order=30,
    )
)
