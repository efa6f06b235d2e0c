"""The shapes every dashboard panel is made of: cells, tables, charts, panels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rapport.goals import catalog
from rapport.goals.catalog import Unit


@dataclass(frozen=True)
class Cell:
    value: Any  # the raw value (exports keep numbers as numbers)
    text: str  # as shown
    url: str = ""  # drill-down
    css: str = ""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class Panel:
    key: str
    title: str
    table: Table | None = None
    chart: dict | None = None  # an ECharts option, with "url" on drillable data items
    note: str = ""  # how fresh the figures are, what they count
    empty: str = ""  # said instead of the panel when there is nothing to show


def fmt(value: Decimal | None, unit: str = Unit.COUNT) -> str:
    """A figure as shown: "—" for no data, thousands separated by "," in both languages
    (Django's zh_Hans locale has no separator, but 2,000,000 is how money reads in Chinese
    reports too), a percent with one decimal."""
    if value is None:
        return "—"
    number = Decimal(value)
    if not number.is_finite():
        return "—"
    if unit == Unit.PERCENT:
        return f"{number:,.1f} %"
    if unit == Unit.MONEY or number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number:,.1f}"


def metric_cell(figure, url: str = "") -> Cell:
    value = figure.value if figure is not None else None
    unit = figure.metric.unit if figure is not None else Unit.COUNT
    return Cell(None if value is None else float(value), fmt(value, unit), url)


def freshness(figure_through: dt.date | None, live_at: dt.datetime | None) -> str:
    parts = []
    if figure_through is not None:
        parts.append(
            _("snapshots to %(day)s") % {"day": date_format(figure_through, "SHORT_DATE_FORMAT")}
        )
    if live_at is not None:
        parts.append(
            _("today live at %(time)s") % {"time": date_format(timezone.localtime(live_at), "H:i")}
        )
    return " · ".join(parts) if parts else _("no snapshot yet")


def metric_label(key: str) -> str:
    metric = catalog.get(key)
    return str(metric.name) if metric else key
