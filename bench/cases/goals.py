"""Goals and KPIs (issue #4): the dashboards and goal pages, and the KPI snapshots.

Pages, timed like the other pages (bench/cases/web.py), on the goal and the 90 days of
snapshots that bench/dataset/goals.py makes for the bench lead's team: the personal
dashboard of an account manager of that team and the team dashboard of its lead (target
p95 ≤ 150 ms), the company dashboard (admin), the goal list (lead), and the leaderboard
of the lead's team (target ≤ 50 ms; skipped while `goals:leaderboard` does not exist).

KPI snapshots, timed as a whole after the nightly jobs (they read the whole book): the
nightly snapshot of yesterday (target ≤ 30 s on size L) and a year's backfill (target
≤ 10 min on L), the work of `rapport kpi snapshot` and `rapport kpi backfill`.

The backfill covers the 365 days before yesterday (yesterday is the nightly case's), so
it is the history a new install rebuilds; size S backfills 30 days to stay quick.
"""

from __future__ import annotations

import datetime as dt
import importlib

from bench.cases.customers import not_built, url_or_none
from bench.cases.web import page_case, signed_in
from bench.registry import Case, DatasetContext, benchmark

BACKFILL_DAYS = 365
# A shorter range for the small size, so `--size S` stays quick.
BACKFILL_DAYS_BY_SIZE = {"S": 30}


def _snapshots():
    try:
        return importlib.import_module("rapport.goals.snapshots")
    except ImportError:
        return None


def _figures(result, days: int) -> dict:
    figures = {"rows": result.rows, "metrics": result.metrics, "days": days}
    if result.skipped:
        figures["skipped"] = len(result.skipped)
    if result.errors:  # shown, not hidden: a failed metric makes the time meaningless
        figures["errors"] = ",".join(sorted(result.errors))
    return figures


def _team_member(ctx: DatasetContext, team):
    """An account manager of the lead's team (the bench AM, when they are in it): their
    dashboard shows a share of the team's goal."""
    members = ctx.data.get("ams_by_team", {}).get(team.pk) or [ctx.am]
    return ctx.am if ctx.am in members else members[0]


@benchmark(order=60)
def dashboards(ctx: DatasetContext) -> list[Case]:
    from bench.dataset.goals import lead_team

    team = ctx.data.get("goal_team") or lead_team(ctx)
    am, lead, admin = signed_in(_team_member(ctx, team)), signed_in(ctx.lead), signed_in(ctx.admin)
    pages = [
        ("dashboard personal (AM)", am, "goals:my-dashboard", (), "", "p95 ≤ 150 ms"),
        ("dashboard team (lead)", lead, "goals:team-dashboard", (team.pk,), "", "p95 ≤ 150 ms"),
        ("dashboard company (admin)", admin, "goals:company-dashboard", (), "", ""),
        ("goal list (lead)", lead, "goals:goal-list", (), "", ""),
        ("leaderboard (lead)", lead, "goals:leaderboard", (), f"?team={team.pk}", "≤ 50 ms"),
    ]
    cases = []
    for name, client, url_name, args, query, target in pages:
        path = url_or_none(url_name, *args)
        if path is None:
            cases.append(not_built(name, url_name))
            continue
        note = f"GET {path}{query}" + (f"; target {target}" if target else "")
        cases.append(page_case(name, client, path + query, note=note))
    return cases


@benchmark(order=92)
def kpi_snapshots(ctx: DatasetContext) -> list[Case]:
    snapshots = _snapshots()
    days = BACKFILL_DAYS_BY_SIZE.get(ctx.size_name, BACKFILL_DAYS)
    if days == BACKFILL_DAYS:
        backfill_name = "kpi backfill one year (L target ≤ 10 min)"
    else:
        backfill_name = f"kpi backfill {days} days (size {ctx.size_name}; a year on M and L)"
    snapshot_name = "kpi snapshot one day (L target ≤ 30 s)"
    if snapshots is None:
        return [
            Case(snapshot_name, lambda: None, task=True, skip="not built yet (rapport.goals)"),
            Case(backfill_name, lambda: None, task=True, skip="not built yet (rapport.goals)"),
        ]
    from rapport.goals.periods import DayRange, local_today

    def snapshot():
        return lambda: _figures(snapshots.snapshot_day(), 1)

    def backfill():
        yesterday = local_today() - dt.timedelta(days=1)
        span = DayRange(yesterday - dt.timedelta(days=days), yesterday - dt.timedelta(days=1))
        return lambda: _figures(snapshots.snapshot_range(span), span.days)

    return [
        Case(snapshot_name, snapshot, task=True, note="snapshot_day(): yesterday, every metric"),
        Case(
            backfill_name,
            backfill,
            task=True,
            note=f"snapshot_range over the {days} days before yesterday (stocks skipped)",
        ),
    ]
