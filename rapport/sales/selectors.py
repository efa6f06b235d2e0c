"""Reads of the sales app: the customer page's opportunities and timeline, the board, the
forecast and the home panels. Every one starts from `visible_to(user)`, and each runs a
fixed number of grouped queries however many opportunities there are."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Count, F, Q, Sum, Window
from django.db.models.functions import Cast, RowNumber, Substr
from django.utils import timezone

# Cards per board column; the rest are behind an "n more" link to the filtered list.
BOARD_CARDS = 50
# Won and lost columns show what closed recently, not every deal ever closed.
BOARD_CLOSED_DAYS = 90
FORECAST_MONTHS = 6


def opportunities_for_customer(user, customer) -> list:
    """The opportunities of one customer that `user` may see, newest first."""
    from rapport.sales.models import Opportunity

    return list(
        Opportunity.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("stage", "owner")
        .order_by("-created_at")[:50]
    )


def stage_changes_queryset(user, customer):
    """Stage moves of the customer's visible opportunities, newest first (by changed_at,
    then id), unevaluated: the timeline adds its keyset filter before the limit."""
    from rapport.sales.models import Opportunity, StageChange

    # Narrow the scope subquery to this customer's opportunities (index opp_customer)
    # instead of every opportunity the user may see.
    mine = Opportunity.objects.visible_to(user).filter(customer=customer).values("pk")
    return (
        StageChange.objects.filter(opportunity__in=mine)
        .select_related("opportunity", "from_stage", "to_stage", "actor")
        .order_by("-changed_at", "-id")
    )


def stage_changes_for_customer(user, customer, limit: int = 100) -> list:
    """Stage moves of the customer's visible opportunities, newest first."""
    return list(stage_changes_queryset(user, customer)[:limit])


def visible_pipelines(user):
    from rapport.sales.models import Pipeline

    return Pipeline.objects.visible_to(user).filter(archived_at__isnull=True)


def pipeline_for(user, pipeline_id) -> object | None:
    """The chosen pipeline, or the default one, or None when there is none."""
    pipelines = visible_pipelines(user)
    chosen = None
    if pipeline_id:
        try:
            chosen = pipelines.filter(pk=int(pipeline_id)).first()
        except (TypeError, ValueError):
            chosen = None
    return chosen or pipelines.order_by("-is_default", "name").first()


def money_totals(rows) -> list[tuple[str, Decimal]]:
    """[(currency, total)] in a stable order (CNY first) from rows with currency/total."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["currency"]] += row["total"] or Decimal(0)
    return sorted(totals.items(), key=lambda item: (item[0] != "CNY", item[0]))


def _board_scope(queryset):
    """Open opportunities, and those closed in the last BOARD_CLOSED_DAYS."""
    since = timezone.now() - dt.timedelta(days=BOARD_CLOSED_DAYS)
    return queryset.filter(
        Q(stage__outcome="open") | Q(closed_at__gte=since), archived_at__isnull=True
    )


def board_column_stats(queryset, pipeline) -> dict[int, dict]:
    """{stage_id: {"count", "totals": [(currency, total)]}} in one grouped query."""
    rows = (
        _board_scope(queryset.filter(pipeline=pipeline))
        .values("stage_id", "currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by()
    )
    stats: dict[int, dict] = defaultdict(lambda: {"count": 0, "rows": []})
    for row in rows:
        entry = stats[row["stage_id"]]
        entry["count"] += row["count"]
        entry["rows"].append(row)
    return {
        stage_id: {"count": entry["count"], "totals": money_totals(entry["rows"])}
        for stage_id, entry in stats.items()
    }


@dataclass
class Column:
    stage: object
    count: int = 0
    totals: list = field(default_factory=list)
    cards: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.cards))


def board(queryset, pipeline) -> list[Column]:
    """The board of one pipeline: a column per stage with its count and totals, and its
    newest BOARD_CARDS cards. Three queries: stages, grouped totals, ranked cards."""
    stages = list(pipeline.stages.order_by("position"))
    stats = board_column_stats(queryset, pipeline)
    ranked = (
        _board_scope(queryset.filter(pipeline=pipeline))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("stage_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=BOARD_CARDS)
        .select_related("customer", "owner")
        .order_by("stage_id", "rank")
    )
    cards: dict[int, list] = defaultdict(list)
    for opportunity in ranked:
        cards[opportunity.stage_id].append(opportunity)
    by_id = {stage.pk: stage for stage in stages}
    for stage_id, items in cards.items():
        for opportunity in items:
            opportunity.stage = by_id[stage_id]  # already loaded: no query per card
    return [
        Column(
            stage=stage,
            count=stats.get(stage.pk, {}).get("count", 0),
            totals=stats.get(stage.pk, {}).get("totals", []),
            cards=cards.get(stage.pk, []),
        )
        for stage in stages
    ]


def month_starts(today: dt.date, months: int = FORECAST_MONTHS) -> list[dt.date]:
    first = today.replace(day=1)
    result = []
    for offset in range(months):
        year, month = divmod(first.month - 1 + offset, 12)
        result.append(dt.date(first.year + year, month + 1, 1))
    return result


def _month_key(value) -> dt.date:
    """The first day of a "YYYY-MM" month (see `_MONTH`)."""
    year, month = str(value).split("-")[:2]
    return dt.date(int(year), int(month), 1)


# The month of a date as "YYYY-MM", grouped by the database's own substr: on SQLite,
# TruncMonth is a Python function called for every row (40 ms over a large team's book).
_MONTH = Substr(Cast("expected_close", CharField()), 1, 7)


@dataclass
class ForecastRow:
    key: int
    label: str
    weighted: list[Decimal]
    open_amount: Decimal = Decimal(0)
    won: Decimal = Decimal(0)

    @property
    def weighted_total(self) -> Decimal:
        return sum(self.weighted, Decimal(0))


def forecast(queryset, *, currency: str = "CNY", today: dt.date | None = None) -> dict:
    """Weighted amount (amount × stage probability) of open opportunities by expected close
    month for this month and the next five, per account manager and per team, and the
    amounts won (closed) in the same months. Two grouped queries."""
    today = today or timezone.localdate()
    months = month_starts(today)
    end_year, end_month = divmod(months[-1].month, 12)
    end = dt.date(months[-1].year + end_year, end_month + 1, 1)
    base = queryset.filter(currency=currency, archived_at__isnull=True)
    open_rows = (
        base.filter(stage__outcome="open", expected_close__gte=months[0], expected_close__lt=end)
        .annotate(month=_MONTH)
        .values(
            "owner_id",
            "owner__full_name",
            "owner__username",
            "team_id",
            "team__name",
            "month",
            "stage__probability",
        )
        .annotate(total=Sum("amount"))
        .order_by()
    )
    start_at = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    won_rows = (
        base.filter(stage__outcome="won", closed_at__gte=start_at, closed_at__lt=end_at)
        .values("owner_id", "owner__full_name", "owner__username", "team_id", "team__name")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    index = {month: position for position, month in enumerate(months)}
    people: dict[int, ForecastRow] = {}
    teams: dict[int, ForecastRow] = {}

    def rows_for(row) -> list[ForecastRow]:
        person = people.setdefault(
            row["owner_id"],
            ForecastRow(
                row["owner_id"],
                row["owner__full_name"] or row["owner__username"],
                [Decimal(0)] * len(months),
            ),
        )
        team = teams.setdefault(
            row["team_id"],
            ForecastRow(row["team_id"], row["team__name"], [Decimal(0)] * len(months)),
        )
        return [person, team]

    for row in open_rows:
        # Decimal arithmetic in Python: SQLite would multiply in floating point.
        weighted = (row["total"] * row["stage__probability"] / 100).quantize(Decimal("0.01"))
        position = index[_month_key(row["month"])]
        for target in rows_for(row):
            target.weighted[position] += weighted
            target.open_amount += row["total"]
    for row in won_rows:
        for target in rows_for(row):
            target.won += row["total"]
    by_label = lambda item: item.label  # noqa: E731 - a sort key
    total = ForecastRow(0, "", [Decimal(0)] * len(months))
    for row in teams.values():
        total.weighted = [a + b for a, b in zip(total.weighted, row.weighted, strict=True)]
        total.open_amount += row.open_amount
        total.won += row.won
    return {
        "months": months,
        "people": sorted(people.values(), key=by_label),
        "teams": sorted(teams.values(), key=by_label),
        "total": total,
        "currency": currency,
    }


def pipeline_by_stage(queryset) -> list[dict]:
    """Open opportunities by stage, with count and totals per currency: one grouped query
    and one for the stage names."""
    from rapport.sales.models import Stage

    rows = list(
        queryset.filter(stage__outcome="open", archived_at__isnull=True)
        .values("stage_id", "currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by()
    )
    if not rows:
        return []
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[row["stage_id"]].append(row)
    stages = Stage.objects.filter(pk__in=grouped).select_related("pipeline")
    stages = sorted(stages, key=lambda s: (not s.pipeline.is_default, s.pipeline.name, s.position))
    return [
        {
            "stage": stage,
            "count": sum(row["count"] for row in grouped[stage.pk]),
            "totals": money_totals(grouped[stage.pk]),
        }
        for stage in stages
    ]


def currencies_in_use(queryset) -> list[str]:
    return sorted(set(queryset.values_list("currency", flat=True).distinct().order_by()))
