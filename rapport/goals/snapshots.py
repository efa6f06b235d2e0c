"""Writing the daily KPI snapshots: the nightly job and `rapport kpi backfill` call this.

Idempotent: a metric's rows for the days computed are replaced in one transaction, so
running a day twice, or a backfill over days already done, leaves the same rows. Stocks
that only know the present (`history=False`) are written for the latest day only; a
backfill over older days leaves their rows as the nightly job wrote them.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.goals import catalog
from rapport.goals.models import MetricValue
from rapport.goals.periods import DayRange, local_today
from rapport.goals.rates import Rates

log = logging.getLogger(__name__)

CHUNK_DAYS = 31  # one grouped query per metric and month of days
BATCH = 2_000


@dataclass
class SnapshotResult:
    rows: int = 0
    metrics: int = 0
    skipped: list[str] = field(default_factory=list)  # present-only stocks not rebuilt
    errors: dict[str, str] = field(default_factory=dict)  # metric key -> message


def _replace(metric: catalog.Metric, days: DayRange, rows, now: dt.datetime) -> int:
    """Replace the metric's rows for the days in one transaction (all or nothing)."""
    values = [
        MetricValue(
            metric=metric.key,
            day=row.day,
            user_id=row.user_id,
            team_id=row.team_id,
            value=row.value,
            denominator=row.denominator,
            bucket=row.bucket,
            computed_at=now,
        )
        for row in rows
        if row.value or row.denominator  # a zero is the absence of a row
    ]
    written = len(values)
    # One mark a day (no person, no team, zero): the day was computed (selectors).
    values += [MetricValue(metric=metric.key, day=day, value=0, computed_at=now) for day in days]
    with transaction.atomic():
        stale = MetricValue.objects.filter(
            metric=metric.key, day__gte=days.first, day__lte=days.last
        )
        stale.delete()
        MetricValue.objects.bulk_create(values, batch_size=BATCH)
    return written


def _wanted(keys: list[str] | None) -> list[catalog.Metric]:
    stored = catalog.stored_metrics()
    if keys is not None:
        unknown = set(keys) - {metric.key for metric in stored}
        if unknown:
            raise ValueError(f"not stored metrics: {', '.join(sorted(unknown))}")
    return [metric for metric in stored if keys is None or metric.key in keys]


def snapshot_range(
    days: DayRange, *, keys: list[str] | None = None, progress=None
) -> SnapshotResult:
    """Compute and store every stored metric (or `keys`) for the local days of `days`,
    which must have ended: today is counted live by the figures, never stored."""
    today = local_today()
    if days.last >= today:
        raise ValidationError(
            {"to": _("Only days that have ended can be snapshotted; today is counted live.")}
        )
    rates = Rates.load()
    result = SnapshotResult()
    now = timezone.now()
    for metric in _wanted(keys):
        if metric.history:
            span, ranges = days, list(days.chunks(CHUNK_DAYS))
        elif days.last == today - dt.timedelta(days=1):
            span = DayRange(days.last, days.last)
            ranges = [span]
        else:
            result.skipped.append(metric.key)
            ranges = []
        try:
            # Every chunk is computed before anything is written, so a metric that fails
            # (a currency without a rate) keeps all its old rows rather than a mix.
            rows = [row for part in ranges for row in metric.compute(part, rates)]
            if ranges:
                result.rows += _replace(metric, span, rows, now)
                result.metrics += 1
        except ValidationError as error:
            result.errors[metric.key] = " ".join(error.messages)
            log.warning("kpi snapshot %s: %s", metric.key, result.errors[metric.key])
        if progress is not None:
            progress(metric)
    return result


def snapshot_day(day: dt.date | None = None) -> SnapshotResult:
    """The nightly run: the day that has just ended (yesterday, local time)."""
    day = day or local_today() - dt.timedelta(days=1)
    return snapshot_range(DayRange(day, day))
