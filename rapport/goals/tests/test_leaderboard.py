"""The leaderboard: ranks, ties, the volume rule for rates, hidden names, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PersonaTestCase
from rapport.goals.leaderboard import board
from rapport.goals.models import GoalSettings, MetricValue
from rapport.goals.periods import Period

MARCH = Period.containing(dt.date(2026, 3, 1), "month")
FEBRUARY = MARCH.shifted(-1)


def value(metric, day, user, team, amount):
    MetricValue.objects.create(
        metric=metric,
        day=day,
        user=user,
        team=team,
        value=Decimal(amount),
        computed_at=timezone.now(),
    )


def marks(*periods):
    for period in periods:
        for day in period:
            for metric in ("opportunities_won", "opportunities_lost", "revenue_won"):
                MetricValue.objects.create(
                    metric=metric, day=day, value=0, computed_at=timezone.now()
                )


class LeaderboardTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        marks(FEBRUARY, MARCH)
        day, before = dt.date(2026, 3, 10), dt.date(2026, 2, 10)
        value("revenue_won", day, p.am_a1, p.team_a, 500)
        value("revenue_won", day, p.am_a2, p.team_a, 900)
        value("revenue_won", day, p.am_b1, p.team_b, 500)
        value("revenue_won", before, p.am_a1, p.team_a, 900)
        value("revenue_won", before, p.am_a2, p.team_a, 100)
        # Win rates: am_a1 3 of 4 (enough volume at a minimum of 4), am_a2 1 of 1 (not).
        value("opportunities_won", day, p.am_a1, p.team_a, 3)
        value("opportunities_lost", day, p.am_a1, p.team_a, 1)
        value("opportunities_won", day, p.am_a2, p.team_a, 1)

    def test_ranks_ties_and_change_since_last_period(self):
        p = self.p
        result = board(p.admin, "revenue_won", MARCH)
        ranks = {e.name: (e.rank, e.change) for e in result["entries"]}
        self.assertEqual(ranks[p.am_a2.display_name], (1, 1))  # up from second
        self.assertEqual(ranks[p.am_a1.display_name], (2, -1))
        self.assertEqual(ranks[p.am_b1.display_name], (2, 1))  # a tie; third (at 0) before

    def test_a_rate_needs_volume_to_rank(self):
        p = self.p
        settings = GoalSettings.current()
        settings.leaderboard_min_volume = 4
        settings.save()
        entries = {e.name: e for e in board(p.lead_a, "win_rate", MARCH, p.team_a)["entries"]}
        self.assertEqual(entries[p.am_a1.display_name].rank, 1)
        self.assertEqual(entries[p.am_a1.display_name].value, Decimal(75))
        self.assertIsNone(entries[p.am_a2.display_name].rank)  # 100 % on one deal
        self.assertEqual(entries[p.am_a2.display_name].value, Decimal(100))

    def test_hidden_names_show_only_the_viewers_own(self):
        p = self.p
        settings = GoalSettings.current()
        settings.leaderboard_hide_names = True
        settings.save()
        entries = board(p.am_a1, "revenue_won", MARCH, p.team_a)["entries"]
        named = {e.name for e in entries}
        self.assertIn(p.am_a1.display_name, named)
        self.assertNotIn(p.am_a2.display_name, named)
        self.assertEqual({e.user_id for e in entries if not e.is_viewer}, {None})
        admin_view = {e.name for e in board(p.admin, "revenue_won", MARCH, p.team_a)["entries"]}
        self.assertIn(p.am_a2.display_name, admin_view)

    def test_scope(self):
        p = self.p
        with self.assertRaises(Http404):
            board(p.am_b1, "revenue_won", MARCH, p.team_a)
        with self.assertRaises(Http404):
            board(p.outsider, "revenue_won", MARCH)
        team_a = {e.name for e in board(p.am_a1, "revenue_won", MARCH, p.team_a)["entries"]}
        self.assertNotIn(p.am_b1.display_name, team_a)

    def test_page(self):
        p = self.p
        url = reverse("goals:leaderboard")
        response = self.web("am_a1").get(
            url, {"metric": "revenue_won", "period": "2026-03", "team": p.team_a.pk}
        )
        self.assertContains(response, 'data-testid="leaderboard"')
        self.assertContains(response, p.am_a2.display_name)
        self.assertEqual(self.web("am_b1").get(url, {"team": p.team_a.pk}).status_code, 404)
        self.assertEqual(self.web("outsider").get(url).status_code, 404)
        self.assertEqual(self.web("am_a1").get(url, {"metric": "<script>"}).status_code, 200)
