"""Stocks, live figures for today, and who may see which figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.cache import cache
from django.http import Http404
from django.utils import timezone

from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer
from rapport.goals.models import MetricValue
from rapport.goals.periods import DayRange, local_today
from rapport.goals.selectors import Subject, can_view, figures
from rapport.goals.snapshots import snapshot_day, snapshot_range
from rapport.goals.tests.helpers import customer, follow_up


class StockTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        today = local_today()
        cls.a = customer(p.am_a1, "甲公司", status="active")
        cls.b = customer(p.am_a1, "乙公司", status="active")
        cls.c = customer(p.am_a2, "丙公司", status="prospect")
        Customer.objects.filter(pk=cls.a.pk).update(
            next_follow_up_due=today - dt.timedelta(days=3),
            contact_due_on=today + dt.timedelta(days=5),
        )
        Customer.objects.filter(pk=cls.b.pk).update(contact_due_on=today - dt.timedelta(days=2))

    def setUp(self):
        cache.clear()

    def test_stocks_are_the_latest_snapshot(self):
        p = self.p
        yesterday = local_today() - dt.timedelta(days=1)
        snapshot_day(yesterday)
        days = DayRange(yesterday.replace(day=1), yesterday)
        got = figures(
            p.lead_a,
            Subject("user", p.am_a1.pk),
            days,
            ["active_customers", "overdue_follow_ups", "cadence_compliance"],
        )
        self.assertEqual(got["active_customers"].value, 2)
        self.assertEqual(got["overdue_follow_ups"].value, 1)
        self.assertEqual(got["cadence_compliance"].value, Decimal(50))
        team = figures(p.lead_a, Subject("team", p.team_a.pk), days, ["active_customers"])
        self.assertEqual(team["active_customers"].value, 2)

    def test_present_only_stocks_are_not_rebuilt_for_old_days(self):
        old = DayRange(dt.date(2025, 1, 1), dt.date(2025, 1, 31))
        result = snapshot_range(old)
        self.assertIn("active_customers", result.skipped)
        self.assertFalse(MetricValue.objects.filter(metric="active_customers").exists())

    def test_no_snapshot_means_no_data(self):
        p = self.p
        got = figures(
            p.admin,
            Subject("user", p.am_a1.pk),
            DayRange(dt.date(2025, 1, 1), dt.date(2025, 1, 31)),
            ["active_customers", "cadence_compliance"],
        )
        self.assertIsNone(got["active_customers"].value)
        self.assertIsNone(got["cadence_compliance"].value)

    def test_todays_flows_are_live(self):
        p = self.p
        follow_up(p.am_a1, self.a, timezone.now() - dt.timedelta(minutes=1))
        today = local_today()
        got = figures(p.am_a1, Subject("user", p.am_a1.pk), DayRange(today, today), ["follow_ups"])
        self.assertEqual(got["follow_ups"].value, 1)
        self.assertIsNotNone(got["follow_ups"].live_at)

    def test_a_snapshot_of_a_future_day_is_refused(self):
        from django.core.exceptions import ValidationError

        tomorrow = local_today() + dt.timedelta(days=1)
        with self.assertRaises(ValidationError):
            snapshot_range(DayRange(tomorrow, tomorrow))


class FigureScopeTests(PersonaTestCase):
    def test_who_sees_which_figures(self):
        p = self.p
        cases = {
            ("am_a1", Subject("user", p.am_a1.pk)): True,
            ("am_a1", Subject("user", p.am_a2.pk)): False,  # a colleague's own figures
            ("am_a1", Subject("team", p.team_a.pk)): True,  # their own team's total
            ("am_a1", Subject("team", p.team_b.pk)): False,
            ("am_a1", Subject("company")): False,
            ("lead_a", Subject("user", p.am_a2.pk)): True,
            ("lead_a", Subject("user", p.am_b1.pk)): False,
            ("lead_a", Subject("team", p.team_b.pk)): False,
            ("lead_b", Subject("team", p.team_b.pk)): True,
            ("admin", Subject("company")): True,
            ("outsider", Subject("team", p.team_a.pk)): False,
            ("outsider", Subject("user", p.am_a1.pk)): False,
        }
        for (persona, subject), allowed in cases.items():
            with self.subTest(persona=persona, subject=str(subject)):
                self.assertEqual(can_view(getattr(p, persona), subject), allowed)

    def test_out_of_scope_is_404(self):
        p = self.p
        today = local_today()
        with self.assertRaises(Http404):
            figures(p.am_a1, Subject("user", p.am_b1.pk), DayRange(today, today), ["follow_ups"])

    def test_rows_visible_to(self):
        p = self.p
        day = dt.date(2026, 3, 3)
        now = timezone.now()
        for user, team in [(p.am_a1, p.team_a), (p.am_a2, p.team_a), (p.am_b1, p.team_b)]:
            MetricValue.objects.create(
                metric="follow_ups", day=day, user=user, team=team, value=1, computed_at=now
            )

        def seen(persona):
            return set(
                MetricValue.objects.visible_to(getattr(p, persona)).values_list(
                    "user_id", flat=True
                )
            )

        self.assertEqual(seen("am_a1"), {p.am_a1.pk})
        self.assertEqual(seen("lead_a"), {p.am_a1.pk, p.am_a2.pk})
        self.assertEqual(seen("admin"), {p.am_a1.pk, p.am_a2.pk, p.am_b1.pk})
        self.assertEqual(seen("outsider"), set())


class TeamsFiguresTests(PersonaTestCase):
    def test_several_teams_in_one_read_agree_with_one_at_a_time(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from rapport.goals.selectors import teams_figures
        from rapport.goals.snapshots import snapshot_range

        p = self.p
        when = timezone.now() - dt.timedelta(days=1)
        for owner, name in ((p.am_a1, "甲"), (p.am_a2, "乙"), (p.am_b1, "丙")):
            c = customer(owner, f"{name}公司", when=when)
            follow_up(owner, c, when)
        yesterday = local_today() - dt.timedelta(days=1)
        snapshot_range(DayRange(yesterday, yesterday))
        days = DayRange(yesterday.replace(day=1), local_today())
        keys = ["follow_ups", "new_customers", "cadence_compliance", "win_rate"]
        teams = [p.team_a.pk, p.team_b.pk, p.sales.pk]
        teams_figures(p.admin, teams, days, keys)  # today's live rows are cached a minute
        with CaptureQueriesContext(connection) as read:
            together = teams_figures(p.admin, teams, days, keys)
        for team in teams:
            alone = figures(p.admin, Subject("team", team), days, keys)
            for key in keys:
                with self.subTest(team=team, key=key):
                    self.assertEqual(together[team][key].value, alone[key].value)
        self.assertEqual(together[p.sales.pk]["follow_ups"].value, 3)
        self.assertLessEqual(len(read), 6)
        self.assertEqual(set(teams_figures(p.lead_a, teams, days, keys)), {p.team_a.pk})
