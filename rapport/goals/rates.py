"""Converting amounts to the reporting currency at the configured rate of the event's day.

An amount in a currency with no rate is refused with an error that names the currency,
rather than counted at a guessed rate or silently dropped.
"""

from __future__ import annotations

import bisect
import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class Rates:
    """The rate table read once: `convert(amount, currency, day)`."""

    def __init__(self, base: str, table: dict[str, list[tuple[dt.date, Decimal]]]):
        self.base = base
        self._days = {currency: [day for day, _rate in rows] for currency, rows in table.items()}
        self._rates = {currency: [rate for _day, rate in rows] for currency, rows in table.items()}

    @classmethod
    def load(cls) -> Rates:
        from rapport.goals.models import ExchangeRate, GoalSettings

        table: dict[str, list[tuple[dt.date, Decimal]]] = {}
        rows = ExchangeRate.objects.order_by("currency", "valid_from")
        for currency, day, rate in rows.values_list("currency", "valid_from", "rate"):
            table.setdefault(currency, []).append((day, rate))
        return cls(GoalSettings.current().base_currency, table)

    def rate(self, currency: str, day: dt.date) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        days = self._days.get(currency, [])
        index = bisect.bisect_right(days, day) - 1
        if index < 0:
            raise ValidationError(
                _(
                    "No exchange rate from %(currency)s to %(base)s is set for %(day)s; "
                    "an admin adds one under Goals › Settings."
                )
                % {"currency": currency, "base": self.base, "day": day.isoformat()},
                code="no_rate",
            )
        return self._rates[currency][index]

    def convert(self, amount: Decimal, currency: str, day: dt.date) -> Decimal:
        return (Decimal(amount) * self.rate(currency, day)).quantize(Decimal("0.01"))
