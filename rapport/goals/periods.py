"""Days and periods in the company's time zone (settings.TIME_ZONE, Asia/Shanghai).

A metric's day is a local calendar day: a deal won at 23:30 UTC on 31 March counts for
1 April in Shanghai. Periods are months, quarters and years; quarters and years follow
the fiscal year, whose first month is a company setting (January by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PeriodKind(models.TextChoices):
    MONTH = "month", pgettext_lazy("period", "Month")
    QUARTER = "quarter", pgettext_lazy("period", "Quarter")
    YEAR = "year", pgettext_lazy("period", "Year")


def company_tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def local_today() -> dt.date:
    return timezone.localdate(timezone.now(), company_tz())


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a local day, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=company_tz())


@dataclass(frozen=True)
class DayRange:
    """Local days first..last, both included."""

    first: dt.date
    last: dt.date

    def __post_init__(self):
        if self.last < self.first:
            raise ValueError("a day range must not end before it starts")

    @property
    def start(self) -> dt.datetime:
        return day_start(self.first)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the range (exclusive bound)."""
        return day_start(self.last + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __iter__(self):
        day = self.first
        while day <= self.last:
            yield day
            day += dt.timedelta(days=1)

    def chunks(self, size: int):
        """Consecutive sub-ranges of at most `size` days."""
        first = self.first
        while first <= self.last:
            last = min(self.last, first + dt.timedelta(days=size - 1))
            yield DayRange(first, last)
            first = last + dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period(DayRange):
    kind: str = PeriodKind.MONTH
    fiscal_start: int = 1  # first month of the fiscal year

    @classmethod
    def containing(cls, day: dt.date, kind: str, fiscal_start: int = 1) -> Period:
        if kind == PeriodKind.MONTH:
            first = day.replace(day=1)
            months = 1
        else:
            months = 3 if kind == PeriodKind.QUARTER else 12
            offset = (day.month - fiscal_start) % 12
            first = _add_months(day.replace(day=1), -(offset % months))
        last = _add_months(first, months) - dt.timedelta(days=1)
        return cls(first, last, kind, fiscal_start)

    @classmethod
    def parse(cls, text: str, fiscal_start: int = 1) -> Period:
        """ "2026-11" (month), "2026-Q3" (fiscal quarter), "2026" (fiscal year named by the
        calendar year it starts in)."""
        text = (text or "").strip().upper()
        try:
            if "-Q" in text:
                year, quarter = text.split("-Q")
                number = int(quarter)
                if not 1 <= number <= 4:
                    raise ValueError
                first = _add_months(dt.date(int(year), fiscal_start, 1), 3 * (number - 1))
                return cls.containing(first, PeriodKind.QUARTER, fiscal_start)
            if "-" in text:
                year, month = text.split("-")
                return cls.containing(dt.date(int(year), int(month), 1), PeriodKind.MONTH)
            return cls.containing(
                dt.date(int(text), fiscal_start, 1), PeriodKind.YEAR, fiscal_start
            )
        except ValueError:
            raise ValueError(_("Write a period as 2026-11, 2026-Q3 or 2026.")) from None

    @property
    def code(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.first:%Y-%m}"
        fiscal_year = (
            self.first.year if self.first.month >= self.fiscal_start else self.first.year - 1
        )
        if self.kind == PeriodKind.YEAR:
            return str(fiscal_year)
        number = ((self.first.month - self.fiscal_start) % 12) // 3 + 1
        return f"{fiscal_year}-Q{number}"

    def shifted(self, periods: int) -> Period:
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]
        return Period.containing(
            _add_months(self.first, months * periods), self.kind, self.fiscal_start
        )
