"""Progress of key results: actual values from the KPI figures and their pace, for many
goals at once (a constant number of reads per owner kind and period, not per goal)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404

from rapport.goals import catalog
from rapport.goals.catalog import Kind
from rapport.goals.models import GoalSettings, KeyResult
from rapport.goals.pace import Pace, pace
from rapport.goals.periods import DayRange, local_today
from rapport.goals.selectors import Subject, figures, people_figures, teams_figures


@dataclass(frozen=True)
class Progress:
    key_result: KeyResult
    metric: catalog.Metric | None
    pace: Pace

    @property
    def unit(self) -> str:
        return self.metric.unit if self.metric else catalog.Unit.COUNT


def _last_year(period: DayRange, today: dt.date) -> tuple[DayRange, DayRange] | None:
    """Last year's same period and its part up to today's date, if today is inside."""
    if not period.first <= today <= period.last:
        return None

    def back(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)

    return DayRange(back(period.first), back(period.last)), DayRange(
        back(period.first), back(today)
    )


def _read(viewer, subject_kind: str, ids: list, days: DayRange, keys: list[str]) -> dict:
    """{subject id: {key: Figure}} for all the subjects of one kind over one range."""
    if subject_kind == "user":
        return people_figures(viewer, ids, days, keys)
    if subject_kind == "team":
        return teams_figures(viewer, ids, days, keys)
    result = {}
    for pk in ids:
        try:
            result[pk] = figures(viewer, Subject(subject_kind, pk), days, keys)
        except Http404:
            continue
    return result


def _shape(metric_key: str, ranges: tuple[DayRange, DayRange]) -> float | None:
    """Share of last year's same period done by today's date, from the company's totals
    (one person's lumpy history makes no shape), and only when last year's period was
    snapshotted from its first day to its last. Only a ratio leaves this function."""
    from django.db.models import Sum

    from rapport.goals.models import MetricValue

    full, part = ranges
    marks = MetricValue.objects.filter(
        metric=metric_key, user__isnull=True, team__isnull=True, day__in=[full.first, full.last]
    )
    if marks.count() < 2:
        return None
    rows = MetricValue.objects.filter(metric=metric_key, day__gte=full.first, day__lte=full.last)
    total = rows.aggregate(total=Sum("value"))["total"]
    if not total or total <= 0:
        return None
    done = rows.filter(day__lte=part.last).aggregate(total=Sum("value"))["total"] or 0
    return min(1.0, max(0.0, float(done / total)))


def _actuals(viewer, krs: list[KeyResult], today: dt.date) -> tuple[dict, dict]:
    """({kr id: Figure}, {kr id: share of last year's period done by today's date})."""
    groups: dict = defaultdict(lambda: (set(), set()))  # (kind, first, last) -> ids, keys
    for kr in krs:
        kind, pk = kr.goal.subject
        ids, keys = groups[(kind, kr.goal.period_start, kr.goal.period_end)]
        ids.add(pk)
        keys.add(kr.metric)
    found, shapes, known = {}, {}, {}
    for (kind, first, last), (ids, keys) in groups.items():
        period = DayRange(first, last)
        now = _read(viewer, kind, sorted(ids, key=str), period, sorted(keys))
        ranges = _last_year(period, today)
        for kr in krs:
            goal = kr.goal
            if (goal.subject[0], goal.period_start, goal.period_end) != (kind, first, last):
                continue
            pk = goal.subject[1]
            if pk in now:
                found[kr.pk] = now[pk][kr.metric]
            if ranges and catalog.get(kr.metric).kind == Kind.FLOW:
                cache_key = (kr.metric, first, last)
                if cache_key not in known:
                    known[cache_key] = _shape(kr.metric, ranges)
                if known[cache_key] is not None:
                    shapes[kr.pk] = known[cache_key]
    return found, shapes


def progress_for(viewer, key_results, today: dt.date | None = None) -> dict[int, Progress]:
    """{key result id: Progress} — key results need `goal` loaded (select_related)."""
    today = today or local_today()
    krs = list(key_results)
    settings = GoalSettings.current()
    bound = [kr for kr in krs if kr.metric and catalog.get(kr.metric) is not None]
    actuals, shapes = _actuals(viewer, bound, today)
    result = {}
    for kr in krs:
        metric = catalog.get(kr.metric) if kr.metric else None
        figure = actuals.get(kr.pk)
        if metric is None:
            actual = kr.current_value if kr.current_value is not None else None
            cumulative, higher = True, kr.target >= kr.start_value
        else:
            actual = figure.value if figure is not None else None
            cumulative = metric.kind == Kind.FLOW or (
                metric.kind == Kind.STOCK
                and metric.unit != catalog.Unit.PERCENT
                and kr.start_value != 0
            )
            higher = metric.higher_is_better
        result[kr.pk] = Progress(
            kr,
            metric,
            pace(
                actual=actual,
                target=kr.target,
                start=kr.start_value or Decimal(0),
                period=DayRange(kr.goal.period_start, kr.goal.period_end),
                today=today,
                cumulative=cumulative,
                higher_is_better=higher,
                shape_fraction=shapes.get(kr.pk),
                on_track_at=settings.on_track_at,
                at_risk_at=settings.at_risk_at,
            ),
        )
    return result
