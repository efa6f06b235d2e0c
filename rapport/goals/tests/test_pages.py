"""Goal and dashboard pages: personas, both languages, drill-down links, query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PersonaTestCase
from rapport.goals import services
from rapport.goals.models import Goal, GoalStatus
from rapport.goals.periods import local_today
from rapport.goals.snapshots import snapshot_day
from rapport.goals.tests.helpers import customer, follow_up

WHY = "华东组本季度的营收目标。"


class DashboardPageTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.goal = services.goal_create(
            actor=p.lead_a,
            data={
                "title": "华东组季度目标",
                "description": WHY,
                "owner_kind": "team",
                "owner_team": p.team_a,
                "period_kind": "quarter",
                "period_start": local_today(),
                "top_level": True,
            },
            key_results=[{"title": "新客户数", "metric": "new_customers", "target": Decimal(10)}],
        )
        services.goal_publish(actor=p.lead_a, goal=cls.goal)
        kr = cls.goal.key_results.get()
        services.key_result_split(
            actor=p.lead_a,
            key_result=kr,
            shares=[
                {"owner": p.am_a1, "target": 6},
                {"owner": p.am_a2, "target": 3},
            ],
        )
        yesterday = timezone.now() - dt.timedelta(days=1)
        for index in range(3):
            c = customer(p.am_a1, f"客户{index}有限公司", when=yesterday)
            follow_up(p.am_a1, c, yesterday)
        if local_today().day > 1:
            snapshot_day()

    def test_each_persona_gets_what_their_role_allows(self):
        p = self.p
        team_url = reverse("goals:team-dashboard", args=[p.team_a.pk])
        cases = [
            ("am_a1", reverse("goals:my-dashboard"), 200),
            ("am_a1", team_url, 200),  # their own team's page
            ("lead_a", team_url, 200),
            ("admin", team_url, 200),
            ("lead_b", team_url, 404),
            ("am_b1", team_url, 404),
            ("outsider", team_url, 404),
            ("admin", reverse("goals:company-dashboard"), 200),
            ("lead_a", reverse("goals:company-dashboard"), 404),
            ("am_a1", reverse("goals:goal-detail", args=[self.goal.pk]), 200),
            ("am_b1", reverse("goals:goal-detail", args=[self.goal.pk]), 404),
            ("outsider", reverse("goals:goal-detail", args=[self.goal.pk]), 404),
        ]
        for persona, url, status in cases:
            with self.subTest(persona=persona, url=url):
                self.assertEqual(self.web(persona).get(url).status_code, status)
        self.assertEqual(self.web(None).get(team_url).status_code, 302)  # sign in first

    def test_team_page_shows_members_pace_and_drills_down(self):
        p = self.p
        response = self.web("lead_a").get(reverse("goals:team-dashboard", args=[p.team_a.pk]))
        body = response.content.decode()
        self.assertContains(response, 'data-testid="panel-members"')
        self.assertIn(p.am_a1.display_name, body)
        self.assertIn(f"owner={p.am_a1.pk}", body)  # a figure opens the member's records
        self.assertIn("vendor/echarts/echarts.min.js", body)
        self.assertNotIn(p.am_b1.display_name, body)  # another team's member

    def test_pages_in_chinese(self):
        p = self.p
        client = self.web("lead_a")
        client.cookies["django_language"] = "zh-hans"
        response = client.get(
            reverse("goals:team-dashboard", args=[p.team_a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        self.assertContains(response, "成员达成情况")
        detail = client.get(
            reverse("goals:goal-detail", args=[self.goal.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        self.assertContains(detail, "关键结果")

    def test_team_dashboard_queries_do_not_grow_with_the_book(self):
        p = self.p
        client = self.web("lead_a")
        url = reverse("goals:team-dashboard", args=[p.team_a.pk])

        def grow():
            for index in range(5):
                c = customer(p.am_a2, f"新增客户{index}")
                follow_up(p.am_a2, c, timezone.now() - dt.timedelta(hours=2))
            if local_today().day > 1:
                snapshot_day()

        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=60)

    def test_my_dashboard_queries_do_not_grow(self):
        p = self.p
        client = self.web("am_a1")

        def grow():
            for index in range(5):
                customer(p.am_a1, f"我的客户{index}")

        self.assertQueriesConstant(
            lambda: client.get(reverse("goals:my-dashboard")), grow, at_most=40
        )


class GoalPageTests(PersonaTestCase):
    def test_a_lead_creates_publishes_and_splits_through_the_pages(self):
        p = self.p
        client = self.web("lead_a")
        form = {
            "title": "华东组季度营收",
            "description": WHY,
            "owner_kind": "team",
            "owner_team": p.team_a.pk,
            "period_kind": "quarter",
            "period_start": local_today().isoformat(),
            "top_level": "on",
            "kr-TOTAL_FORMS": "3",
            "kr-INITIAL_FORMS": "0",
            "kr-MIN_NUM_FORMS": "0",
            "kr-MAX_NUM_FORMS": "10",
            "kr-0-title": "赢单金额",
            "kr-0-metric": "revenue_won",
            "kr-0-target": "1000000",
        }
        response = client.post(reverse("goals:goal-create"), form)
        goal = Goal.objects.get()
        self.assertRedirects(response, goal.get_absolute_url())
        client.post(reverse("goals:goal-action", args=[goal.pk, "publish"]))
        goal.refresh_from_db()
        self.assertEqual(goal.status, GoalStatus.ACTIVE)
        kr = goal.key_results.get()
        split = {
            f"share-{kr.pk}-user-{p.am_a1.pk}": "600000",
            f"share-{kr.pk}-user-{p.am_a2.pk}": "300000",
        }
        client.post(reverse("goals:key-result-split", args=[kr.pk]), split)
        page = client.get(goal.get_absolute_url())
        self.assertContains(page, 'data-testid="split-mismatch"')
        self.assertEqual(Goal.objects.filter(parent=goal).count(), 2)

    def test_bad_goal_input_names_the_field_and_writes_nothing(self):
        p = self.p
        client = self.web("am_a1")
        hostile = "<script>alert(1)</script>"
        cases = [
            {"title": "", "period_kind": "month", "period_start": "2026-13-01"},
            {
                "title": hostile * 30,
                "period_kind": "month",
                "period_start": local_today().isoformat(),
            },
            {"title": "目标", "period_kind": "decade", "period_start": local_today().isoformat()},
        ]
        for data in cases:
            with self.subTest(data=str(data)[:40]):
                response = client.post(
                    reverse("goals:goal-create"),
                    {
                        **data,
                        "owner_kind": "user",
                        "kr-TOTAL_FORMS": "0",
                        "kr-INITIAL_FORMS": "0",
                    },
                )
                self.assertEqual(response.status_code, 200)
                self.assertNotIn(hostile.encode(), response.content)
        self.assertFalse(Goal.objects.exists())
        _ = p


class SettingsPageTests(PersonaTestCase):
    def test_admins_set_thresholds_and_rates(self):
        from rapport.goals.models import ExchangeRate, GoalSettings

        url = reverse("goals:settings")
        self.assertEqual(self.web("lead_a").get(url).status_code, 403)
        client = self.web("admin")
        self.assertEqual(client.get(url).status_code, 200)
        current = GoalSettings.current()
        form = {
            "s-version": current.version,
            "s-fiscal_year_start": 4,
            "s-base_currency": "CNY",
            "s-on_track_at": 60,
            "s-at_risk_at": 80,
            "s-achievable_factor": 150,
            "s-leaderboard_min_volume": 5,
            "save-settings": "1",
        }
        response = client.post(url, form)  # at risk above on track: refused
        self.assertEqual(response.status_code, 200)
        self.assertEqual(GoalSettings.current().on_track_at, 90)
        form["s-at_risk_at"] = 50
        self.assertEqual(client.post(url, form).status_code, 302)
        self.assertEqual(GoalSettings.current().fiscal_year_start, 4)
        rate = {
            "r-currency": "USD",
            "r-valid_from": "2026-01-01",
            "r-rate": "7.1",
            "save-rate": "1",
        }
        self.assertEqual(client.post(url, rate).status_code, 302)
        self.assertEqual(ExchangeRate.objects.get().rate, Decimal("7.1"))
        bad = client.post(url, {**rate, "r-currency": "CNY"})
        self.assertContains(bad, "needs no rate")
        self.assertEqual(ExchangeRate.objects.count(), 1)


class ExportScopeTests(PersonaTestCase):
    def test_exports_hold_only_what_the_viewer_may_see(self):
        import io

        from openpyxl import load_workbook

        p = self.p
        for owner, name in ((p.am_a1, "华东一号"), (p.am_b1, "华北一号")):
            customer(owner, f"{name}有限公司")
        url = reverse("goals:team-dashboard", args=[p.team_a.pk])
        response = self.web("lead_a").get(url, {"export": "xlsx", "panel": "members"})
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        text = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value)
        self.assertIn(p.am_a1.display_name, text)
        self.assertNotIn(p.am_b1.display_name, text)
        pdf = self.web("lead_a").get(url, {"export": "pdf"})
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertEqual(self.web("am_b1").get(url, {"export": "pdf"}).status_code, 404)
        self.assertEqual(
            self.web("lead_a").get(url, {"export": "xlsx", "panel": "nope"}).status_code, 404
        )
        company = reverse("goals:company-dashboard")
        self.assertEqual(self.web("lead_a").get(company, {"export": "pdf"}).status_code, 404)

    def test_company_and_leaderboard_queries_do_not_grow(self):
        p = self.p
        admin = self.web("admin")

        def grow():
            for index in range(4):
                c = customer(p.am_b1, f"北方客户{index}")
                follow_up(p.am_b1, c, timezone.now() - dt.timedelta(hours=1))

        self.assertQueriesConstant(
            lambda: admin.get(reverse("goals:company-dashboard")), grow, at_most=60
        )
        self.assertQueriesConstant(
            lambda: admin.get(reverse("goals:leaderboard"), {"metric": "follow_ups"}),
            grow,
            at_most=25,
        )


class ListQueryTests(PersonaTestCase):
    def test_goal_list_and_api_queries_do_not_grow_with_goals(self):
        p = self.p

        def grow():
            for index in range(4):
                services.goal_create(
                    actor=p.lead_a,
                    data={"title": f"目标{index}", "description": WHY, "owner_kind": "user",
                          "owner_user": p.am_a1, "period_kind": "quarter",
                          "period_start": local_today(), "top_level": True},
                    key_results=[{"title": "跟进", "metric": "follow_ups", "target": 30}],
                )  # fmt: skip

        grow()
        client = self.web("lead_a")
        self.assertQueriesConstant(lambda: client.get(reverse("goals:goal-list")), grow, at_most=40)
        api = self.api("lead_a")
        self.assertQueriesConstant(lambda: api.get("/api/v1/goals/"), grow, at_most=40)

    def test_goal_list_and_company_page_do_not_grow_with_teams(self):
        p = self.p
        admin = self.web("admin")
        made = iter(range(100))

        def more_teams():
            from rapport.org.services import team_create

            for _n in range(3):
                name = f"新团队{next(made)}"
                team = team_create(actor=None, data={"name": name, "parent": p.sales})
                services.goal_create(
                    actor=p.admin,
                    data={"title": "团队目标", "description": WHY, "owner_kind": "team",
                          "owner_team": team, "period_kind": "quarter",
                          "period_start": local_today(), "top_level": True},
                    key_results=[{"title": "赢单", "metric": "revenue_won", "target": 1000}],
                )  # fmt: skip

        more_teams()
        self.assertQueriesConstant(
            lambda: admin.get(reverse("goals:goal-list")), more_teams, at_most=40
        )
        self.assertQueriesConstant(
            lambda: admin.get(reverse("goals:company-dashboard")), more_teams, at_most=60
        )
