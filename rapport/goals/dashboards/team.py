"""The team dashboard (one page on Monday morning): who is on pace, who is behind and
why; the team's funnel, follow-up heatmap, cadence, pipeline by month, ownership moves."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal

from django.db.models import Count, Q
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
from rapport.goals.dashboards.personal import funnel_panel, live_goals
from rapport.goals.drill import drill_url
from rapport.goals.models import KeyResult
from rapport.goals.pace import PaceStatus
from rapport.goals.periods import DayRange, local_today
from rapport.goals.progress import progress_for
from rapport.goals.selectors import Subject, people_figures, team_subtree

MEMBER_METRICS = [
    "revenue_won", "opportunities_won", "win_rate", "follow_ups", "visits", "new_customers",
    "cadence_compliance", "overdue_follow_ups", "weighted_pipeline",
]  # fmt: skip
HEATMAP_WEEKS = 12


def members_of(team_id: int) -> list:
    """Everyone who works in the team or below it (not viewers), by name."""
    from rapport.org.models import Membership, Role, User

    ids = Membership.objects.filter(
        team_id__in=team_subtree(team_id), role__in=[Role.ACCOUNT_MANAGER, Role.TEAM_LEAD]
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username"))


def _reasons(person_figures: dict, team_medians: dict, remaining: Decimal | None) -> list[str]:
    """Why someone is behind, from their figures against the team's."""
    reasons = []
    follow_ups = person_figures["follow_ups"].value or 0
    median = team_medians.get("follow_ups") or 0
    if median and follow_ups < Decimal("0.7") * median:
        reasons.append(
            _("few follow-ups: %(mine)s against a team median of %(median)s")
            % {"mine": fmt(follow_ups), "median": fmt(median)}
        )
    overdue = person_figures["overdue_follow_ups"].value or 0
    if overdue:
        reasons.append(_("%(count)s customers overdue for contact") % {"count": fmt(overdue)})
    rate, team_rate = person_figures["win_rate"].value, team_medians.get("win_rate")
    if rate is not None and team_rate and rate + 10 < team_rate:
        reasons.append(
            _("win rate %(mine)s against %(team)s for the team")
            % {"mine": fmt(rate, "percent"), "team": fmt(team_rate, "percent")}
        )
    pipeline = person_figures["weighted_pipeline"].value
    if remaining and remaining > 0 and pipeline is not None and pipeline < remaining:
        reasons.append(
            _("weighted pipeline %(pipeline)s covers %(share)s of what is left")
            % {
                "pipeline": fmt(pipeline, "money"),
                "share": fmt(pipeline * 100 / remaining, "percent"),
            }
        )
    return reasons


_SEVERITY = {PaceStatus.OFF_TRACK: 3, PaceStatus.AT_RISK: 2, PaceStatus.ON_TRACK: 1}


def _behind(pace) -> int:
    return _SEVERITY.get(pace.status, 0)


def _medians(by_person: dict) -> dict:
    medians = {}
    for key in ("follow_ups", "win_rate"):
        values = [row[key].value for row in by_person.values() if row[key].value is not None]
        medians[key] = Decimal(statistics.median(values)) if values else None
    return medians


def member_figures(viewer, team, period: DayRange) -> tuple[list, dict]:
    people = members_of(team.pk)
    by_person = people_figures(viewer, [p.pk for p in people], period, MEMBER_METRICS)
    return [p for p in people if p.pk in by_person], by_person


def members_panel(viewer, people: list, by_person: dict, period: DayRange, today) -> Panel:
    krs = list(
        KeyResult.objects.filter(goal__in=live_goals(viewer, today).filter(owner_user__in=people))
        .select_related("goal")
        .order_by("goal__period_start", "position", "pk")
    )
    progress = progress_for(viewer, krs, today)
    first_kr = {}  # each person's key result that is furthest behind (as the digest judges)
    for kr in krs:
        held = first_kr.get(kr.goal.owner_user_id)
        if held is None or _behind(progress[kr.pk].pace) > _behind(progress[held.pk].pace):
            first_kr[kr.goal.owner_user_id] = kr
    medians = _medians(by_person)
    headers = [
        _("Member"),
        _("Key result"),
        _("Attainment"),
        _("Expected by today"),
        _("Status"),
        _("Why"),
    ]
    table = Table(headers + [metric_label(key) for key in MEMBER_METRICS])
    names, attained, expected = [], [], []
    for person in people:
        figures_ = by_person[person.pk]
        kr = first_kr.get(person.pk)
        pace = progress[kr.pk].pace if kr else None
        behind = pace is not None and pace.status in (PaceStatus.AT_RISK, PaceStatus.OFF_TRACK)
        remaining = (
            (pace.target - (pace.actual or 0)) if pace and kr.metric == "revenue_won" else None
        )
        why = "; ".join(_reasons(figures_, medians, remaining)) if behind else ""
        subject = Subject("user", person.pk)
        row = [
            Cell(person.display_name, person.display_name),
            Cell(
                kr.title if kr else "",
                kr.title if kr else "—",
                kr.goal.get_absolute_url() if kr else "",
            ),
            Cell(
                None if not pace or pace.attainment is None else float(pace.attainment),
                fmt(pace.attainment, "percent") if pace else "—",
            ),
            Cell(
                round(pace.fraction * 100, 1) if pace else None,
                fmt(Decimal(pace.fraction * 100), "percent") if pace else "—",
            ),
            Cell(
                pace.status if pace else "",
                str(pace.status_label) if pace else _("No goal"),
                css=f"pace-{pace.status}" if pace else "",
            ),
            Cell(why, why or "—", css="why"),
        ]
        row += [
            metric_cell(figures_[key], drill_url(key, subject, period)) for key in MEMBER_METRICS
        ]
        table.rows.append(row)
        names.append(person.display_name)
        attained.append(
            {
                "value": None
                if not pace or pace.attainment is None
                else round(float(pace.attainment), 1),
                "url": kr.goal.get_absolute_url() if kr else "",
            }
        )
        expected.append({"value": round(pace.fraction * 100, 1) if pace else None})
    chart = (
        charts.bars(
            names,
            [
                {"name": _("Attainment"), "data": attained},
                {"name": _("Expected by today"), "data": expected},
            ],
            percent=True,
        )
        if names
        else None
    )
    any_figure = next(iter(by_person.values()), {}).get("follow_ups")
    note = freshness(any_figure.through, any_figure.live_at) if any_figure else ""
    return Panel(
        "members",
        _("Attainment per member"),
        table=table,
        chart=chart,
        note=note,
        empty=_("Nobody works in this team yet."),
    )


def heatmap_panel(viewer, team, today: dt.date) -> Panel:
    """Follow-ups by weekday × hour over the last twelve weeks (local time), from the
    hourly snapshot series and today's live part: a few thousand summed rows, however
    many follow-ups there are."""
    from django.db.models import Sum

    from rapport.goals import catalog
    from rapport.goals.models import MetricValue
    from rapport.goals.selectors import live_rows, live_scope

    since = DayRange(today - dt.timedelta(weeks=HEATMAP_WEEKS), today)
    subtree = set(team_subtree(team.pk))
    grid = [[0] * 24 for _day in range(7)]
    stored = (
        MetricValue.objects.aggregable_by(viewer)
        .filter(metric="follow_up_hours", team_id__in=subtree, bucket__isnull=False)
        .filter(day__gte=since.first, day__lt=today)
        .order_by()
        .values("day", "bucket")
        .annotate(n=Sum("value"))
    )
    for r in stored:
        grid[r["day"].weekday()][r["bucket"]] += int(r["n"])
    live, _at = live_rows(catalog.get("follow_up_hours"), today)
    allowed = live_scope(viewer)
    for row in live:
        if row.team_id in subtree and allowed(row):
            grid[row.day.weekday()][row.bucket] += int(row.value)
    cells = [[h, d, grid[d][h]] for d in range(7) for h in range(24) if grid[d][h]]
    title = _("Follow-ups by weekday and hour (last 12 weeks)")
    if not cells:
        return Panel("heatmap", title, empty=_("No follow-ups in the last 12 weeks."))
    days = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    hours = [f"{hour:02d}" for hour in range(24)]
    table = Table([_("Weekday")] + hours)
    for index, label in enumerate(days):
        table.rows.append(
            [Cell(label, label)] + [Cell(n, str(n) if n else "") for n in grid[index]]
        )
    top = max(cell[2] for cell in cells)
    return Panel("heatmap", title, table=table, chart=charts.heatmap(hours, days, cells, top))


def cadence_panel(people: list, by_person: dict) -> Panel:
    """Each member's share of customers contacted within their cadence, at the latest
    snapshot; a bar opens the member's overdue customers."""
    names, data = [], []
    table = Table(
        [_("Member"), metric_label("cadence_compliance"), metric_label("overdue_follow_ups")]
    )
    for person in people:
        share = by_person[person.pk]["cadence_compliance"]
        overdue = by_person[person.pk]["overdue_follow_ups"]
        url = drill_url("overdue_follow_ups", Subject("user", person.pk))
        names.append(person.display_name)
        data.append(
            {"value": None if share.value is None else round(float(share.value), 1), "url": url}
        )
        table.rows.append(
            [
                Cell(person.display_name, person.display_name),
                metric_cell(share),
                metric_cell(overdue, url),
            ]
        )
    chart = (
        charts.bars(
            names, [{"name": metric_label("cadence_compliance"), "data": data}], percent=True
        )
        if names
        else None
    )
    return Panel(
        "cadence",
        _("Cadence compliance"),
        table=table,
        chart=chart,
        empty=_("Nobody works in this team yet."),
    )


def pipeline_month_panel(viewer, team) -> Panel:
    from rapport.goals.models import GoalSettings
    from rapport.sales.models import Opportunity
    from rapport.sales.selectors import forecast

    currency = GoalSettings.current().base_currency
    data = forecast(
        Opportunity.objects.visible_to(viewer).filter(team_id__in=team_subtree(team.pk)),
        currency=currency,
    )
    months = [f"{m:%Y-%m}" for m in data["months"]]
    table = Table([_("Member")] + months + [_("Won in these months")])
    for row in data["people"]:
        table.rows.append(
            [Cell(row.label, row.label)]
            + [Cell(float(v), fmt(v, "money")) for v in row.weighted]
            + [Cell(float(row.won), fmt(row.won, "money"))]
        )
    if not data["people"]:
        return Panel(
            "pipeline_months",
            _("Pipeline by expected close month"),
            empty=_("No open opportunities."),
        )
    total = data["total"]
    chart = charts.bars(
        months,
        [
            {
                "name": _("Weighted pipeline (%(currency)s)") % {"currency": currency},
                "data": [{"value": float(v)} for v in total.weighted],
            }
        ],
    )
    return Panel(
        "pipeline_months",
        _("Pipeline by expected close month"),
        table=table,
        chart=chart,
        note=_("Open deals in %(currency)s × their stage's probability.") % {"currency": currency},
    )


def ownership_panel(viewer, team, period: DayRange) -> Panel:
    from rapport.customers.models import OwnershipEvent, OwnershipMove

    subtree = team_subtree(team.pk)
    # Counts of the team's own moves (into or out of it), like its KPI totals: the page
    # has checked that the viewer may see this team's figures (require_view), and no
    # customer is listed. Going through each customer's scope instead cost 45 ms at size L.
    moves = (
        OwnershipEvent.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end)
        .filter(Q(from_team_id__in=subtree) | Q(to_team_id__in=subtree))
        .order_by()
        .values("move")
        .annotate(n=Count("pk"))
    )
    labels = dict(OwnershipMove.choices)
    table = Table([_("Move"), _("Customers")])
    for row in sorted(moves, key=lambda r: -r["n"]):
        label = str(labels.get(row["move"], row["move"]))
        table.rows.append([Cell(label, label), Cell(row["n"], str(row["n"]))])
    return Panel(
        "ownership",
        _("Ownership moves in the period"),
        table=table,
        empty=_("No customer changed hands in the period."),
    )


def team_dashboard(viewer, team, period: DayRange, today: dt.date | None = None) -> list[Panel]:
    from rapport.sales.models import Opportunity

    today = today or local_today()
    people, by_person = member_figures(viewer, team, period)
    opportunities = Opportunity.objects.visible_to(viewer).filter(team_id__in=team_subtree(team.pk))
    return [
        members_panel(viewer, people, by_person, period, today),
        funnel_panel(viewer, opportunities, {"team": team.pk}, _("Team funnel")),
        heatmap_panel(viewer, team, today),
        cadence_panel(people, by_person),
        pipeline_month_panel(viewer, team),
        ownership_panel(viewer, team, period),
    ]
