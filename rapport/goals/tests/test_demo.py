"""The goals demo (issue #4 §9): a year of history, its snapshots, and this quarter's goals
split down to members, some on track and some behind.

The whole demo takes half a minute (rapport/core/tests/test_commands.py runs it once), so
this runs the goals steps on the demo organisation with a small hand-built book and a
small scale of history."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.test import TestCase
from django.utils import timezone

from rapport.core.demo import DemoContext
from rapport.customers.models import Customer, FollowUp, OwnershipEvent
from rapport.goals import demo
from rapport.goals.models import CheckIn, Goal, GoalStatus, KeyResult, MetricValue, OwnerKind
from rapport.goals.pace import PaceStatus
from rapport.goals.periods import day_start, local_today
from rapport.goals.progress import progress_for
from rapport.goals.services import split_status
from rapport.goals.tests.helpers import close, customer, deal, follow_up
from rapport.org.demo import organisation
from rapport.sales.models import Opportunity, StageChange

SMALL = demo.Scale(follow_ups_a_month=2, deals_a_year=6, book=3)
BEHIND = (PaceStatus.AT_RISK, PaceStatus.OFF_TRACK)


def _book(ctx: DemoContext) -> None:
    """A few customers for two account managers, made today as the customers step makes
    them (the history dates them back), each contacted since."""
    now = timezone.now()
    strong, weak = ctx.users["zhang.min"], ctx.users["wu.xia"]
    for n in range(4):
        follow_up(strong, customer(strong, f"上海华信科技{n}有限公司"), now - dt.timedelta(days=n))
        follow_up(weak, customer(weak, f"杭州东方软件{n}有限公司"), now - dt.timedelta(days=40 + n))


def _today(ctx: DemoContext) -> None:
    """The strong account manager's morning: two calls and a deal won (counted live)."""
    strong = ctx.users["zhang.min"]
    early = max(timezone.now() - dt.timedelta(minutes=5), day_start(local_today()))
    mine = Customer.objects.filter(owner=strong).order_by("pk").first()
    follow_up(strong, mine, early)
    follow_up(strong, mine, early)
    close(strong, deal(strong, mine, "800000", created=early), early)


class GoalsDemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ctx = DemoContext(stdout=io.StringIO())
        organisation(ctx)
        _book(ctx)
        cls.history = demo.make_history(ctx, SMALL)
        _today(ctx)
        cls.days, cls.snapshots = demo.snapshot_history()
        cls.made = demo.make_goals(ctx)
        cls.admin = ctx.actor

    def test_history_reaches_back_a_year_and_never_into_the_future(self):
        now, today = timezone.now(), local_today()
        self.assertEqual(self.history["from"], today - dt.timedelta(days=364))
        self.assertGreater(self.history["follow_ups"], 50)
        self.assertGreater(self.history["deals"], 5)
        # Account managers with no customers got a small book of their own.
        self.assertGreaterEqual(self.history["customers"], 10)
        self.assertTrue(Customer.objects.filter(owner__username="liu.yang").exists())
        old = now - dt.timedelta(days=250)
        self.assertTrue(FollowUp.objects.filter(occurred_at__lt=old).exists())
        self.assertTrue(Opportunity.objects.filter(closed_at__lt=old).exists())
        self.assertTrue(OwnershipEvent.objects.filter(occurred_at__lt=old).exists())
        for model, field in (
            (FollowUp, "occurred_at"),
            (FollowUp, "created_at"),
            (Opportunity, "created_at"),
            (Opportunity, "closed_at"),
            (StageChange, "changed_at"),
            (OwnershipEvent, "occurred_at"),
            (Customer, "created_at"),
            (CheckIn, "created_at"),
            (Goal, "published_at"),
        ):
            future = model.objects.filter(**{f"{field}__gt": now})
            self.assertFalse(future.exists(), f"{model.__name__}.{field} in the future")
        # A deal is opened before it is closed, on a customer that existed then.
        closed = Opportunity.objects.filter(closed_at__isnull=False).select_related("customer")
        for opportunity in closed:
            self.assertLessEqual(opportunity.customer.created_at, opportunity.created_at)
            self.assertLessEqual(opportunity.created_at, opportunity.closed_at)

    def test_snapshots_cover_the_year_up_to_yesterday(self):
        self.assertFalse(self.snapshots.errors)
        today = local_today()
        self.assertEqual(
            (self.days.first, self.days.last),
            (today - dt.timedelta(days=364), today - dt.timedelta(days=1)),
        )
        long_ago = today - dt.timedelta(days=300)
        marks = MetricValue.objects.filter(day=long_ago, user__isnull=True, team__isnull=True)
        self.assertTrue(marks.filter(metric="follow_ups").exists())
        people = MetricValue.objects.filter(metric="follow_ups", user__isnull=False)
        self.assertGreater(people.count(), 20)
        # Present-only stocks exist for yesterday (a range ending yesterday writes them).
        yesterday = today - dt.timedelta(days=1)
        self.assertTrue(
            MetricValue.objects.filter(metric="active_customers", day=yesterday).exists()
        )

    def test_goals_for_this_quarter_are_split_to_members_some_on_track_some_behind(self):
        period, company = self.made["period"], self.made["company"]
        company.refresh_from_db()
        self.assertEqual(company.owner_kind, OwnerKind.COMPANY)
        self.assertEqual(company.status, GoalStatus.ACTIVE)
        self.assertEqual((company.period_start, company.period_end), (period.first, period.last))
        self.assertEqual(len(self.made["teams"]), 2)
        for team, ams, _lead, goal, krs in self.made["teams"]:
            goal.refresh_from_db()
            self.assertEqual((goal.status, goal.parent_id), (GoalStatus.ACTIVE, company.pk))
            for key in demo.METRICS:
                status = split_status(KeyResult.objects.get(pk=krs[key].pk))
                self.assertEqual(len(status["shares"]), len(ams))
                self.assertFalse(status["mismatch"], f"{team}: {key} shares do not add up")
        shares = KeyResult.objects.filter(
            metric="revenue_won", goal__owner_kind=OwnerKind.USER, parent__isnull=False
        ).select_related("goal")
        self.assertEqual(shares.count(), 12)
        self.assertTrue(all(kr.target > 0 for kr in shares))
        statuses = {p.pace.status for p in progress_for(self.admin, shares).values()}
        self.assertIn(PaceStatus.ON_TRACK, statuses)
        self.assertTrue(statuses & set(BEHIND), statuses)
        # The strong account manager, with today's win, is on track on revenue.
        self.assertEqual(self.made["statuses"]["zhang.min"]["revenue_won"], PaceStatus.ON_TRACK)

    def test_a_proposed_goal_waits_and_a_returned_one_says_why(self):
        proposed = Goal.objects.get(pk=self.made["proposed"].pk)
        returned = Goal.objects.get(pk=self.made["returned"].pk)
        self.assertEqual(proposed.status, GoalStatus.PROPOSED)
        self.assertEqual(proposed.owner_kind, OwnerKind.USER)
        self.assertEqual(proposed.parent.owner_kind, OwnerKind.TEAM)
        self.assertEqual(returned.status, GoalStatus.RETURNED)
        share = KeyResult.objects.get(
            metric="new_customers", goal__owner_user=returned.owner_user, parent__isnull=False
        ).target
        self.assertIn(f"{share:.0f} 家", returned.review_comment)

    def test_a_manual_key_result_has_two_check_ins(self):
        manual = KeyResult.objects.get(metric="", goal__owner_kind=OwnerKind.TEAM)
        check_ins = list(manual.check_ins.order_by("created_at"))
        self.assertEqual([c.value for c in check_ins], [Decimal(4), Decimal(7)])
        self.assertLessEqual(check_ins[0].created_at, check_ins[1].created_at)
        self.assertEqual(manual.current_value, Decimal(7))


def test_the_season_dips_at_new_year_and_peaks_in_december():
    ordinary = dt.date(2026, 3, 11)  # a Wednesday in March
    assert demo.season(dt.date(2026, 2, 18)) < 0.3 * demo.season(ordinary)  # 春节
    assert demo.season(dt.date(2026, 10, 2)) < 0.3 * demo.season(ordinary)  # 国庆
    assert demo.season(dt.date(2026, 12, 16)) > demo.season(dt.date(2026, 8, 12))
    assert demo.season(dt.date(2026, 3, 14)) < demo.season(ordinary)  # a Saturday


def test_the_equal_share_leaves_the_strong_on_track_and_the_weak_behind():
    forecasts = [Decimal(n) for n in (40, 30, 20, 18, 9, 0)]
    share = demo._share(forecasts, "follow_ups")
    assert max(forecasts) / share >= Decimal("0.9")
    assert min(forecasts) / share < Decimal("0.7")
    revenue = demo._share([Decimal("1234567"), Decimal("100000")], "revenue_won")
    assert revenue % 10_000 == 0  # a round figure in 万
    assert demo._share([None, Decimal(0)], "new_customers") == 1
