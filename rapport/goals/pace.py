"""Pace (进度): where a target should be by today, where it is, and where it will land.

Cumulative targets (flows: revenue, follow-ups) are expected to grow over the period,
linearly or in last year's shape when last year's snapshots exist. Level targets (a win
rate, a share, a manual score) are expected at their target all along. A stock with a
start value (active customers from 40 to 50) moves linearly from start to target.
The status compares progress with the expected progress against the company's
thresholds; for lower-is-better metrics less is progress.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.goals.periods import DayRange


class PaceStatus(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NOT_STARTED = "not_started", _("Not started")
    NO_DATA = "no_data", _("No data")


class Shape(models.TextChoices):
    LINEAR = "linear", _("linear")
    LAST_YEAR = "last_year", _("last year's shape")
    LEVEL = "level", _("target level")


@dataclass(frozen=True)
class Pace:
    actual: Decimal | None
    target: Decimal
    expected: Decimal | None
    attainment: Decimal | None  # percent of the way from start to target
    forecast: Decimal | None
    status: str
    fraction: float  # of the period expected to be done by today
    shape: str

    @property
    def status_label(self) -> str:
        return PaceStatus(self.status).label

    @property
    def shape_label(self) -> str:
        return Shape(self.shape).label


def _progress(value: Decimal, start: Decimal, target: Decimal) -> Decimal | None:
    span = target - start
    if span == 0:
        return None
    return (value - start) * 100 / span


def pace(
    *,
    actual: Decimal | None,
    target: Decimal,
    start: Decimal = Decimal(0),
    period: DayRange,
    today: dt.date,
    cumulative: bool,
    higher_is_better: bool = True,
    shape_fraction: float | None = None,
    on_track_at: int = 90,
    at_risk_at: int = 70,
) -> Pace:
    target, start = Decimal(target), Decimal(start)
    if cumulative:
        shape = Shape.LAST_YEAR if shape_fraction is not None else Shape.LINEAR
        fraction = shape_fraction if shape_fraction is not None else period_fraction(period, today)
    else:
        shape, fraction = Shape.LEVEL, 1.0
    expected = start + (target - start) * Decimal(str(fraction))
    if actual is None:
        return Pace(None, target, expected, None, None, PaceStatus.NO_DATA, fraction, shape)
    attainment = _progress(actual, start, target)
    forecast = actual
    if cumulative and fraction > 0:
        forecast = start + (actual - start) / Decimal(str(fraction))
    if today < period.first:
        status = PaceStatus.NOT_STARTED
    else:
        status = _status(actual, expected, start, target, higher_is_better, on_track_at, at_risk_at)
    return Pace(actual, target, expected, attainment, forecast, status, fraction, shape)


def period_fraction(period: DayRange, today: dt.date) -> float:
    if today < period.first:
        return 0.0
    if today >= period.last:
        return 1.0
    return ((today - period.first).days + 1) / period.days


def _status(actual, expected, start, target, higher_is_better, on_track_at, at_risk_at) -> str:
    """Progress made ÷ progress expected, in percent, against the thresholds. When the
    target asks for less than the start (fewer overdue follow-ups), a fall is progress;
    a lower-is-better level target is met at or below it."""
    if target == start:  # a level to hold (no overdue customers): held or not
        held = actual >= target if higher_is_better else actual <= target
        return PaceStatus.ON_TRACK if held else PaceStatus.OFF_TRACK
    if expected == start or not higher_is_better and expected == actual == 0:
        score = Decimal(100)
    elif start == 0 and not higher_is_better:
        score = Decimal(100) * expected / actual if actual else Decimal(100)
    else:
        score = (actual - start) * 100 / (expected - start)
    if score >= on_track_at:
        return PaceStatus.ON_TRACK
    if score >= at_risk_at:
        return PaceStatus.AT_RISK
    return PaceStatus.OFF_TRACK
