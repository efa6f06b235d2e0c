"""The company dashboard (admins): teams side by side and twelve-month trends."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from rapport.goals.dashboards import charts
from rapport.goals.dashboards.base import (
    Cell,
    Panel,
    Table,
    fmt,
    freshness,
    metric_cell,
    metric_label,
)
from rapport.goals.drill import drill_url
from rapport.goals.models import MetricValue
from rapport.goals.periods import DayRange, Period, local_today
from rapport.goals.selectors import Subject, teams_figures

TEAM_METRICS = ["revenue_won", "opportunities_won", "win_rate", "new_customers", "follow_ups",
                "cadence_compliance", "weighted_pipeline"]  # fmt: skip
TREND_COUNTS = ["new_customers", "opportunities_won", "follow_ups"]


def teams_panel(viewer, period: DayRange) -> Panel:
    """Every team side by side, in tree order (each figure with the team's subtree)."""
    from rapport.org.models import Team

    teams = list(Team.objects.visible_to(viewer).filter(archived_at__isnull=True).order_by("path"))
    table = Table([_("Team")] + [metric_label(key) for key in TEAM_METRICS])
    names, revenue = [], []
    note = ""
    by_team = teams_figures(viewer, [team.pk for team in teams], period, TEAM_METRICS)
    for team in teams:
        subject = Subject("team", team.pk)
        found = by_team[team.pk]
        label = ("— " * team.depth) + team.name
        url = f"{_team_url(team.pk)}?period={getattr(period, 'code', '')}"
        table.rows.append(
            [Cell(team.name, label, url)]
            + [metric_cell(found[key], drill_url(key, subject, period)) for key in TEAM_METRICS]
        )
        names.append(team.name)
        revenue.append({"value": float(found["revenue_won"].value or 0), "url": url})
        note = note or freshness(found["revenue_won"].through, found["revenue_won"].live_at)
    chart = (
        charts.bars(names, [{"name": metric_label("revenue_won"), "data": revenue}])
        if names
        else None
    )
    return Panel(
        "teams",
        _("Teams side by side"),
        table=table,
        chart=chart,
        note=note,
        empty=_("No teams yet."),
    )


def _team_url(team_id: int) -> str:
    from django.urls import reverse

    return reverse("goals:team-dashboard", args=[team_id])


def trends_panels(viewer, today: dt.date) -> list[Panel]:
    """Month by month over the last twelve months, from the snapshots (one query)."""
    first = Period.containing(today, "month").shifted(-11).first
    rows = (
        MetricValue.objects.aggregable_by(viewer)
        .filter(metric__in=["revenue_won", *TREND_COUNTS], day__gte=first, day__lte=today)
        .order_by()
        .values("metric", month=TruncMonth("day"))
        .annotate(total=Sum("value"))
    )
    months = [Period.containing(first, "month").shifted(n) for n in range(12)]
    codes = [m.code for m in months]
    by_metric: dict = defaultdict(lambda: [Decimal(0)] * 12)
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        code = f"{month:%Y-%m}"
        if code in codes:
            by_metric[row["metric"]][codes.index(code)] += row["total"]

    def series(key):
        return {
            "name": metric_label(key),
            "data": [
                {"value": float(v), "url": drill_url(key, Subject("company"), months[i])}
                for i, v in enumerate(by_metric[key])
            ],
        }

    table = Table([_("Month")] + [metric_label(k) for k in ["revenue_won", *TREND_COUNTS]])
    for index, code in enumerate(codes):
        table.rows.append(
            [Cell(code, code)]
            + [
                Cell(
                    float(by_metric[k][index]),
                    fmt(by_metric[k][index], "money" if k == "revenue_won" else "count"),
                )
                for k in ["revenue_won", *TREND_COUNTS]
            ]
        )
    return [
        Panel(
            "trend_revenue",
            _("Revenue won, month by month"),
            chart=charts.lines(codes, [series("revenue_won")]),
            table=table,
            note=_("From the daily snapshots."),
        ),
        Panel(
            "trend_counts",
            _("Customers, deals and follow-ups, month by month"),
            chart=charts.lines(codes, [series(k) for k in TREND_COUNTS]),
        ),
    ]


def company_dashboard(viewer, period: DayRange, today: dt.date | None = None) -> list[Panel]:
    today = today or local_today()
    return [teams_panel(viewer, period), *trends_panels(viewer, today)]
