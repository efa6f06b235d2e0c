"""The personal dashboard: my targets and pace, my funnel, my week against the last, and
what is due."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
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
from rapport.goals.models import Goal, GoalStatus, KeyResult
from rapport.goals.periods import DayRange, local_today
from rapport.goals.progress import progress_for
from rapport.goals.selectors import Subject, figures

WEEK_METRICS = [
    "follow_ups",
    "visits",
    "new_customers",
    "opportunities_created",
    "opportunities_won",
]


def live_goals(viewer, today: dt.date):
    return Goal.objects.visible_to(viewer).filter(
        status=GoalStatus.ACTIVE,
        archived_at__isnull=True,
        period_start__lte=today,
        period_end__gte=today,
    )


def targets_panel(viewer, key_results, title: str, today: dt.date) -> Panel:
    """Each key result with actual, target, expected by today, attainment, forecast, status."""
    progress = progress_for(viewer, key_results, today)
    table = Table(
        [
            _("Goal"),
            _("Key result"),
            _("Actual"),
            _("Target"),
            _("Expected by today"),
            _("Attainment"),
            _("Forecast"),
            _("Status"),
        ]
    )
    names, attained, expected = [], [], []
    for kr in key_results:
        item = progress[kr.pk]
        unit = item.metric.unit if item.metric else "count"
        p = item.pace
        subject = Subject(*kr.goal.subject)
        url = (
            drill_url(kr.metric, subject, DayRange(kr.goal.period_start, kr.goal.period_end))
            if kr.metric
            else ""
        )
        table.rows.append(
            [
                Cell(kr.goal.title, kr.goal.title, kr.goal.get_absolute_url()),
                Cell(kr.title, kr.title),
                Cell(None if p.actual is None else float(p.actual), fmt(p.actual, unit), url),
                Cell(float(p.target), fmt(p.target, unit)),
                Cell(None if p.expected is None else float(p.expected), fmt(p.expected, unit)),
                Cell(
                    None if p.attainment is None else float(p.attainment),
                    fmt(p.attainment, "percent"),
                ),
                Cell(None if p.forecast is None else float(p.forecast), fmt(p.forecast, unit)),
                Cell(p.status, str(p.status_label), css=f"pace-{p.status}"),
            ]
        )
        names.append(kr.title)
        attained.append(
            {"value": None if p.attainment is None else round(float(p.attainment), 1), "url": url}
        )
        expected.append({"value": round(p.fraction * 100, 1)})
    chart = None
    if names:
        chart = charts.bars(
            names,
            [
                {"name": _("Attainment"), "data": attained},
                {"name": _("Expected by today"), "data": expected},
            ],
            percent=True,
            horizontal=True,
        )
    return Panel(
        "targets", title, table=table, chart=chart, empty=_("No published goals for today.")
    )


def funnel_panel(viewer, queryset, owner_param: dict, title: str) -> Panel:
    """Open opportunities by stage, as a funnel, each stage drilling to its list."""
    from urllib.parse import urlencode

    from rapport.sales.selectors import pipeline_by_stage

    rows = pipeline_by_stage(queryset)
    table = Table([_("Stage"), _("Opportunities"), _("Amount")])
    items = []
    for row in rows:
        params = {"stage": row["stage"].pk, "status": "open", **owner_param}
        url = f"{reverse('sales:opportunity-list')}?{urlencode(params)}"
        totals = "; ".join(
            f"{currency} {fmt(amount, 'money')}" for currency, amount in row["totals"]
        )
        table.rows.append(
            [
                Cell(row["stage"].label, row["stage"].label, url),
                Cell(row["count"], str(row["count"]), url),
                Cell(totals, totals),
            ]
        )
        items.append({"name": row["stage"].label, "value": row["count"], "url": url})
    return Panel(
        "funnel",
        title,
        table=table,
        chart=charts.funnel(items) if items else None,
        empty=_("No open opportunities."),
    )


def week_panel(viewer, subject: Subject, today: dt.date) -> Panel:
    monday = today - dt.timedelta(days=today.weekday())
    this_week = DayRange(monday, today)
    last_week = DayRange(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))
    now = figures(viewer, subject, this_week, WEEK_METRICS)
    before = figures(viewer, subject, last_week, WEEK_METRICS)
    table = Table([_("Metric"), _("This week"), _("Last week")])
    for key in WEEK_METRICS:
        table.rows.append(
            [
                Cell(metric_label(key), metric_label(key)),
                metric_cell(now[key], drill_url(key, subject, this_week)),
                metric_cell(before[key], drill_url(key, subject, last_week)),
            ]
        )
    labels = [metric_label(key) for key in WEEK_METRICS]
    chart = charts.bars(
        labels,
        [
            {
                "name": _("This week"),
                "data": [
                    {"value": float(now[k].value or 0), "url": drill_url(k, subject, this_week)}
                    for k in WEEK_METRICS
                ],
            },
            {
                "name": _("Last week"),
                "data": [
                    {"value": float(before[k].value or 0), "url": drill_url(k, subject, last_week)}
                    for k in WEEK_METRICS
                ],
            },
        ],
    )
    sample = now[WEEK_METRICS[0]]
    return Panel(
        "week",
        _("My activity this week against last"),
        table=table,
        chart=chart,
        note=freshness(sample.through, sample.live_at),
    )


def due_panel(viewer, today: dt.date) -> Panel:
    from urllib.parse import urlencode

    from django.db.models import Count, Q

    from rapport.customers.models import Customer

    mine = Customer.objects.visible_to(viewer).filter(owner_id=viewer.pk, archived_at__isnull=True)
    counts = mine.aggregate(
        overdue=Count("pk", filter=Q(contact_due_on__lt=today)),
        today=Count("pk", filter=Q(contact_due_on=today)),
        week=Count(
            "pk",
            filter=Q(contact_due_on__gte=today, contact_due_on__lte=today + dt.timedelta(days=6)),
        ),
    )
    labels = {"overdue": _("Overdue"), "today": _("Due today"), "week": _("Due this week")}
    table = Table([_("Customers to contact"), _("Count")])
    base = reverse("customers:customer-list")
    for key, label in labels.items():
        url = f"{base}?{urlencode({'owner': viewer.pk, 'due': key})}"
        table.rows.append(
            [
                Cell(str(label), str(label), url),
                Cell(
                    counts[key],
                    str(counts[key]),
                    url,
                    "overdue" if key == "overdue" and counts[key] else "",
                ),
            ]
        )
    return Panel("due", _("Due and overdue"), table=table)


def personal_dashboard(viewer, today: dt.date | None = None) -> list[Panel]:
    from rapport.sales.models import Opportunity

    today = today or local_today()
    krs = list(
        KeyResult.objects.filter(goal__in=live_goals(viewer, today).filter(owner_user_id=viewer.pk))
        .select_related("goal")
        .order_by("goal__period_start", "goal_id", "position", "pk")
    )
    mine = Opportunity.objects.visible_to(viewer).filter(owner_id=viewer.pk)
    return [
        targets_panel(viewer, krs, _("My targets and pace"), today),
        week_panel(viewer, Subject("user", viewer.pk), today),
        funnel_panel(viewer, mine, {"owner": viewer.pk}, _("My funnel")),
        due_panel(viewer, today),
    ]
