"""KPI snapshots, timed as a whole after the nightly jobs (they read the whole book): the
nightly snapshot of yesterday (target ≤ 30 s on size L) and a year's backfill (target
≤ 10 min on L), the work of `rapport kpi snapshot` and `rapport kpi backfill`.

The backfill covers the 365 days before yesterday (yesterday is the nightly case's), so
it is the history a new install rebuilds; size S backfills 30 days to stay quick.
"""

from __future__ import annotations

import datetime as dt
import importlib

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
