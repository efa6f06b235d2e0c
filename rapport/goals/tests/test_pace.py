"""Pace and periods: pure functions, known answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import SimpleTestCase

from rapport.goals.pace import PaceStatus, Shape, pace
from rapport.goals.periods import DayRange, Period

APRIL = DayRange(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
MID_APRIL = dt.date(2026, 4, 15)  # half of the month has passed at its end


class PaceTests(SimpleTestCase):
    def test_linear_flow(self):
        result = pace(
            actual=Decimal(50), target=Decimal(100), period=APRIL, today=MID_APRIL, cumulative=True
        )
        self.assertEqual(result.expected, Decimal(50))
        self.assertEqual(result.attainment, Decimal(50))
        self.assertEqual(result.forecast, Decimal(100))
        self.assertEqual((result.status, result.shape), (PaceStatus.ON_TRACK, Shape.LINEAR))

    def test_behind_is_at_risk_then_off_track(self):
        at_risk = pace(
            actual=Decimal(40), target=Decimal(100), period=APRIL, today=MID_APRIL, cumulative=True
        )
        off = pace(
            actual=Decimal(20), target=Decimal(100), period=APRIL, today=MID_APRIL, cumulative=True
        )
        self.assertEqual(at_risk.status, PaceStatus.AT_RISK)  # 80 % of expected
        self.assertEqual(off.status, PaceStatus.OFF_TRACK)  # 40 %
        self.assertEqual(off.forecast, Decimal(40))

    def test_thresholds_are_configurable(self):
        result = pace(
            actual=Decimal(40),
            target=Decimal(100),
            period=APRIL,
            today=MID_APRIL,
            cumulative=True,
            on_track_at=75,
            at_risk_at=50,
        )
        self.assertEqual(result.status, PaceStatus.ON_TRACK)

    def test_last_years_shape(self):
        # Last year 20 % of April's total had come by the 15th: 25 of 100 is ahead.
        result = pace(
            actual=Decimal(25),
            target=Decimal(100),
            period=APRIL,
            today=MID_APRIL,
            cumulative=True,
            shape_fraction=0.2,
        )
        self.assertEqual((result.expected, result.shape), (Decimal("20.0"), Shape.LAST_YEAR))
        self.assertEqual(result.status, PaceStatus.ON_TRACK)

    def test_lower_is_better(self):
        level_ok = pace(
            actual=Decimal(2),
            target=Decimal(3),
            period=APRIL,
            today=MID_APRIL,
            cumulative=False,
            higher_is_better=False,
        )
        level_bad = pace(
            actual=Decimal(6),
            target=Decimal(3),
            period=APRIL,
            today=MID_APRIL,
            cumulative=False,
            higher_is_better=False,
        )
        self.assertEqual(level_ok.status, PaceStatus.ON_TRACK)
        self.assertEqual(level_bad.status, PaceStatus.OFF_TRACK)
        falling = pace(
            actual=Decimal(10),
            target=Decimal(5),
            start=Decimal(20),
            period=APRIL,
            today=MID_APRIL,
            cumulative=True,
            higher_is_better=False,
        )
        self.assertEqual(falling.expected, Decimal("12.5"))
        self.assertEqual(falling.status, PaceStatus.ON_TRACK)

    def test_no_data_and_not_started(self):
        none = pace(
            actual=None, target=Decimal(100), period=APRIL, today=MID_APRIL, cumulative=True
        )
        self.assertEqual(
            (none.status, none.attainment, none.forecast), (PaceStatus.NO_DATA, None, None)
        )
        early = pace(
            actual=Decimal(0),
            target=Decimal(100),
            period=APRIL,
            today=dt.date(2026, 3, 20),
            cumulative=True,
        )
        self.assertEqual(early.status, PaceStatus.NOT_STARTED)
        zero_target = pace(
            actual=Decimal(0), target=Decimal(0), period=APRIL, today=MID_APRIL, cumulative=True
        )
        self.assertIsNone(zero_target.attainment)  # no division by zero

    def test_a_level_to_hold_is_held_or_not(self):
        for actual, higher, status in [
            (Decimal(12), False, PaceStatus.OFF_TRACK),  # "no overdue customers", 12 overdue
            (Decimal(0), False, PaceStatus.ON_TRACK),
            (Decimal(3), True, PaceStatus.ON_TRACK),
        ]:
            for cumulative in (True, False):
                with self.subTest(actual=actual, higher=higher, cumulative=cumulative):
                    result = pace(
                        actual=actual,
                        target=Decimal(0),
                        period=APRIL,
                        today=MID_APRIL,
                        cumulative=cumulative,
                        higher_is_better=higher,
                    )
                    self.assertEqual(result.status, status)


class PeriodTests(SimpleTestCase):
    def test_calendar_and_fiscal_quarters(self):
        q = Period.containing(dt.date(2026, 5, 10), "quarter")
        self.assertEqual(
            (q.first, q.last, q.code), (dt.date(2026, 4, 1), dt.date(2026, 6, 30), "2026-Q2")
        )
        fiscal = Period.containing(dt.date(2026, 5, 10), "quarter", fiscal_start=4)
        self.assertEqual((fiscal.first, fiscal.code), (dt.date(2026, 4, 1), "2026-Q1"))
        january = Period.containing(dt.date(2027, 1, 5), "quarter", fiscal_start=4)
        self.assertEqual(
            (january.first, january.last, january.code),
            (dt.date(2027, 1, 1), dt.date(2027, 3, 31), "2026-Q4"),
        )

    def test_fiscal_year_and_months(self):
        year = Period.containing(dt.date(2027, 2, 1), "year", fiscal_start=4)
        self.assertEqual(
            (year.first, year.last, year.code), (dt.date(2026, 4, 1), dt.date(2027, 3, 31), "2026")
        )
        feb = Period.containing(dt.date(2028, 2, 29), "month")
        self.assertEqual(
            (feb.first, feb.last, feb.days), (dt.date(2028, 2, 1), dt.date(2028, 2, 29), 29)
        )
        self.assertEqual(feb.shifted(-1).code, "2028-01")
        self.assertEqual(
            Period.containing(dt.date(2026, 1, 1), "quarter").shifted(-1).code, "2025-Q4"
        )

    def test_parse(self):
        self.assertEqual(Period.parse("2026-Q4", fiscal_start=4).first, dt.date(2027, 1, 1))
        self.assertEqual(Period.parse("2026-11").last, dt.date(2026, 11, 30))
        self.assertEqual(Period.parse("2026").days, 365)
        for bad in ["", "2026-Q5", "2026-13", "abc", "2026-Q"]:
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                Period.parse(bad)

    def test_day_range_bounds_are_local_midnights(self):
        day = DayRange(dt.date(2026, 4, 1), dt.date(2026, 4, 1))
        self.assertEqual(
            day.start.astimezone(dt.UTC), dt.datetime(2026, 3, 31, 16, 0, tzinfo=dt.UTC)
        )
        self.assertEqual(day.end.astimezone(dt.UTC), dt.datetime(2026, 4, 1, 16, 0, tzinfo=dt.UTC))
        self.assertEqual(
            len(list(DayRange(dt.date(2026, 1, 1), dt.date(2026, 3, 1)).chunks(31))), 2
        )
