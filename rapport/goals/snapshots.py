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
    values = [
        MetricValue(
            metric=metric.key,
            day=row.day,
            user_id=row.user_id,
            team_id=row.team_id,
            value=row.value,
            denominator=row.denominator,
            computed_at=now,
        )
        for row in rows
        if row.value or row.denominator  # a zero is the absence of a row
    ]
    with transaction.atomic():
        MetricValue.objects.filter(
            metric=metric.key, day__gte=days.first, day__lte=days.last
        ).delete()
        MetricValue.objects.bulk_create(values, batch_size=BATCH)
    return len(values)


def snapshot_range(
    days: DayRange, *, keys: list[str] | None = None, progress=None
) -> SnapshotResult:
    """Compute and store every stored metric (or `keys`) for the local days of `days`."""
    today = local_today()
    if days.last > today:
        raise ValidationError({"to": "A snapshot cannot be taken of a day that has not come."})
    rates = Rates.load()
    result = SnapshotResult()
    now = timezone.now()
    wanted = [m for m in catalog.stored_metrics() if keys is None or m.key in keys]
    for metric in wanted:
        if metric.history:
            ranges = list(days.chunks(CHUNK_DAYS))
        elif days.last >= today - dt.timedelta(days=1):
            ranges = [DayRange(days.last, days.last)]
        else:
            result.skipped.append(metric.key)
            continue
        try:
            for part in ranges:
                result.rows += _replace(metric, part, metric.compute(part, rates), now)
        except ValidationError as error:
            result.errors[metric.key] = " ".join(error.messages)
            log.warning("kpi snapshot %s: %s", metric.key, result.errors[metric.key])
            continue
        result.metrics += 1
        if progress is not None:
            progress(metric)
    return result


def snapshot_day(day: dt.date | None = None) -> SnapshotResult:
    """The nightly run: the day that has just ended (yesterday, local time)."""
    day = day or local_today() - dt.timedelta(days=1)
    return snapshot_range(DayRange(day, day))


def latest_snapshot_day() -> dt.date | None:
    return MetricValue.objects.order_by("-day").values_list("day", flat=True).first()
