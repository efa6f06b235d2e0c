"""Helpers for the apps' metric functions: one grouped query per metric and range.

Every metric groups its records by local day (the company's time zone), person and team
in the database, so a day's snapshot over a book of 100,000 customers is a handful of
indexed aggregates, and a year's backfill is the same queries over longer ranges.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate

from rapport.goals.catalog import Row
from rapport.goals.periods import DayRange, company_tz


def _in_range(queryset, when: str, days: DayRange):
    return queryset.filter(**{f"{when}__gte": days.start, f"{when}__lt": days.end})


def _ref(expression):
    return F(expression) if isinstance(expression, str) else expression


def daily_count(queryset, *, when: str, user, team, days: DayRange) -> list[Row]:
    """How many records happened on each local day, per person and team."""
    grouped = (
        _in_range(queryset, when, days)
        .order_by()
        .values(d=TruncDate(when, tzinfo=company_tz()), u=_ref(user), t=_ref(team))
        .annotate(n=Count("pk"))
    )
    return [Row(r["d"], r["u"], r["t"], Decimal(r["n"])) for r in grouped]


def daily_amount(
    queryset, *, when: str, user, team, days: DayRange, rates, amount="amount", currency="currency"
) -> list[Row]:
    """The sum of an amount per local day, person and team, in the reporting currency
    (converted at each day's rate; a currency without a rate raises a clear error)."""
    grouped = (
        _in_range(queryset, when, days)
        .order_by()
        .values(d=TruncDate(when, tzinfo=company_tz()), u=_ref(user), t=_ref(team), c=F(currency))
        .annotate(total=Sum(amount))
    )
    totals: dict[tuple, Decimal] = defaultdict(Decimal)
    for r in grouped:
        totals[(r["d"], r["u"], r["t"])] += rates.convert(r["total"] or 0, r["c"], r["d"])
    return [Row(day, user_id, team_id, value) for (day, user_id, team_id), value in totals.items()]


def stock_rows(grouped, *, day, value="n", denominator=None) -> list[Row]:
    """Rows of a current-state aggregate (grouped by `u` and `t`), dated `day`: the state
    at the end of the day the snapshot job closes."""
    return [
        Row(
            day,
            r["u"],
            r["t"],
            Decimal(r[value] or 0),
            None if denominator is None else Decimal(r[denominator] or 0),
        )
        for r in grouped
    ]
