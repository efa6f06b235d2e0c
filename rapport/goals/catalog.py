"""The metric catalog (指标): a registry that every app extends from its `metrics.py`.

    from rapport.goals.catalog import Metric, Kind, Unit, register

    register(Metric(key="follow_ups", name=_("Follow-ups logged"), kind=Kind.FLOW,
                    unit=Unit.COUNT, definition=_("…"), compute=follow_ups))

Three kinds, chosen so that one daily row per person can answer any period:

- FLOW: things that happen (a deal won, a follow-up logged). A day's row holds that day's
  count or sum; a period is the sum of its days.
- STOCK: a state at the end of a day (the weighted pipeline, overdue follow-ups). A
  period's value is its last snapshot; a stock with a denominator is a share.
- DERIVED: a formula over other metrics' period values (win rate = won / closed); never
  stored, so it is always consistent with its inputs.

`compute(days)` returns `Row`s for every local day of `days` (the company's time zone),
credited to the person and team at the time of the event. Stocks that cannot be
reconstructed for a past day say `history=False`; a backfill leaves their rows alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FLOW = "flow", _("Sum over the period")
    STOCK = "stock", _("Value at the end of the period")
    DERIVED = "derived", _("Formula over other metrics")


class Unit(models.TextChoices):
    COUNT = "count", _("count")
    MONEY = "money", _("amount")
    PERCENT = "percent", _("percent")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


@dataclass(frozen=True)
class Row:
    """One day's value for one person (or for a team when `user_id` is None)."""

    day: object  # datetime.date
    user_id: int | None
    team_id: int | None
    value: Decimal
    denominator: Decimal | None = None
    bucket: int | None = None  # the local hour, for a metric kept by hour of the day


@dataclass(frozen=True)
class Metric:
    key: str
    name: str | Promise
    kind: str
    unit: str
    definition: str | Promise
    direction: str = Direction.HIGHER
    compute: Callable[..., Iterable[Row]] | None = None
    history: bool = True  # can compute() rebuild a past day?
    inputs: tuple[str, ...] = ()  # DERIVED: the metrics its formula reads
    formula: Callable[[dict], Decimal | None] | None = None
    order: int = 100
    # A rate ranks only on enough volume: the metrics whose sum is its volume (win rate:
    # deals won and lost); a stored share uses its denominator.
    volume: tuple[str, ...] = ()
    # Kept for a chart only (the follow-up heatmap's hours): stored, never offered as a KPI.
    internal: bool = False

    @property
    def summable(self) -> bool:
        """Can children's targets add up to a parent's (goal split)? Counts and amounts
        can; shares and averages cannot."""
        return self.kind in (Kind.FLOW, Kind.STOCK) and self.unit != Unit.PERCENT

    @property
    def is_rate(self) -> bool:
        return self.unit == Unit.PERCENT or (self.kind == Kind.DERIVED and bool(self.volume))

    @property
    def stored(self) -> bool:
        return self.kind != Kind.DERIVED

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER


_registry: dict[str, Metric] = {}
_discovered = False


def register(metric: Metric) -> Metric:
    if metric.kind == Kind.DERIVED and not (metric.inputs and metric.formula):
        raise ValueError(f"derived metric {metric.key} needs inputs and a formula")
    if metric.kind != Kind.DERIVED and metric.compute is None:
        raise ValueError(f"metric {metric.key} needs a compute function")
    _registry[metric.key] = metric
    return metric


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("metrics")


def metrics(*, internal: bool = False) -> list[Metric]:
    """The catalog as offered to people (goals, dashboards, API); `internal=True` adds the
    series kept only for a chart."""
    _discover()
    found = [m for m in _registry.values() if internal or not m.internal]
    return sorted(found, key=lambda metric: (metric.order, metric.key))


def get(key: str) -> Metric | None:
    _discover()
    return _registry.get(key)


def stored_metrics() -> list[Metric]:
    return [metric for metric in metrics(internal=True) if metric.stored]


def ratio(numerator: Decimal | None, denominator: Decimal | None, scale: int = 1):
    """numerator / denominator × scale, or None when there is nothing to divide by
    ("no data" is shown as such, never as 0 %)."""
    if numerator is None or not denominator:
        return None
    return Decimal(numerator) * scale / Decimal(denominator)
