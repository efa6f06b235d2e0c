"""Regressions from the review of the goals app: scope on the goal page, personal goals
without a team, today's live rows within scope, the SMART check for readers, API ids."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from rapport.core.testing import PersonaTestCase
from rapport.goals import services
from rapport.goals.catalog import Row
from rapport.goals.models import Goal
from rapport.goals.periods import local_today
from rapport.goals.selectors import live_scope

WHY = "华东组本季度目标。"


def team_goal(p):
    goal = services.goal_create(
        actor=p.lead_a,
        data={"title": "华东组目标", "description": WHY, "owner_kind": "team",
              "owner_team": p.team_a, "period_kind": "quarter", "period_start": local_today(),
              "top_level": True},
        key_results=[{"title": "回访客户", "target": Decimal(7)}],
    )  # fmt: skip
    services.goal_publish(actor=p.lead_a, goal=goal)
    return goal


class ReviewFixTests(PersonaTestCase):
    def test_a_colleagues_share_is_not_shown_on_the_team_goal(self):
        p = self.p
        goal = team_goal(p)
        kr = goal.key_results.get()
        share = services.key_result_split(
            actor=p.lead_a, key_result=kr, shares=[{"owner": p.am_a2, "target": 7}]
        )[0]
        services.check_in_create(actor=p.am_a2, key_result=share, value="3", confidence=6)
        page = self.web("am_a1").get(goal.get_absolute_url())
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'data-testid="shares"')
        self.assertNotContains(page, p.am_a2.display_name)
        lead_page = self.web("lead_a").get(goal.get_absolute_url())
        self.assertContains(lead_page, p.am_a2.display_name)

    def test_a_personal_goal_takes_no_team(self):
        p = self.p
        body = {
            "title": "我的目标", "description": WHY, "owner_kind": "user",
            "owner_team": p.team_a.pk, "period_kind": "month",
            "period_start": local_today().isoformat(), "top_level": False,
        }  # fmt: skip
        created = self.api("am_a1").post("/api/v1/goals/", body, format="json")
        self.assertEqual(created.status_code, 201, created.content)
        self.assertIsNone(Goal.objects.get(pk=created.json()["id"]).owner_team_id)
        self.assertEqual(
            self.api("am_a2").get(f"/api/v1/goals/{created.json()['id']}/").status_code, 404
        )

    def test_today_live_rows_keep_to_the_viewers_scope(self):
        p = self.p
        today = local_today()
        row_b = Row(today, p.am_b1.pk, p.team_b.pk, Decimal(1))
        row_a = Row(today, p.am_a1.pk, p.team_a.pk, Decimal(1))
        self.assertFalse(live_scope(p.lead_a)(row_b))
        self.assertTrue(live_scope(p.lead_a)(row_a))
        self.assertTrue(live_scope(p.admin)(row_b))
        self.assertFalse(live_scope(p.am_a2)(Row(today, p.am_b1.pk, None, Decimal(1))))

    def test_a_reader_opens_a_draft_company_goal(self):
        p = self.p
        goal = services.goal_create(
            actor=p.admin,
            data={"title": "公司年度营收", "description": WHY, "owner_kind": "company",
                  "period_kind": "year", "period_start": local_today(), "top_level": True},
            key_results=[{"title": "赢单金额", "metric": "revenue_won", "target": Decimal(10**7)}],
        )  # fmt: skip
        self.assertEqual(self.web("am_a1").get(goal.get_absolute_url()).status_code, 200)

    def test_an_id_out_of_scope_reads_like_a_missing_one(self):
        p = self.p
        hidden = services.goal_create(
            actor=p.lead_b,
            data={"title": "华北目标", "description": WHY, "owner_kind": "team",
                  "owner_team": p.team_b, "period_kind": "month", "period_start": local_today(),
                  "top_level": True},
        )  # fmt: skip
        api = self.api("am_a1")

        def error(goal_id):
            body = {"goal": goal_id, "title": "x", "target": "1"}
            response = api.post("/api/v1/key-results/", body, format="json")
            self.assertEqual(response.status_code, 400)
            return response.json()["errors"]["goal"][0].replace(str(goal_id), "ID")

        self.assertEqual(error(hidden.pk), error(999999))


class StaleAndCurrencyTests(PersonaTestCase):
    def test_a_goal_verb_with_a_stale_if_match_is_refused(self):
        p = self.p
        goal = services.goal_create(
            actor=p.lead_a,
            data={"title": "华东组目标", "description": WHY, "owner_kind": "team",
                  "owner_team": p.team_a, "period_kind": "quarter", "period_start": local_today(),
                  "top_level": True},
            key_results=[{"title": "跟进", "metric": "follow_ups", "target": Decimal(90)}],
        )  # fmt: skip
        stale = goal.etag
        services.goal_update(
            actor=p.lead_a, goal=goal, data={"title": "改过的标题"}, expected_version=None
        )
        api = self.api("lead_a")
        refused = api.post(f"/api/v1/goals/{goal.pk}/publish/", HTTP_IF_MATCH=stale)
        self.assertEqual(refused.status_code, 412)
        goal.refresh_from_db()
        self.assertEqual(goal.status, "draft")
        done = api.post(f"/api/v1/goals/{goal.pk}/publish/", HTTP_IF_MATCH=goal.etag)
        self.assertEqual(done.status_code, 200, done.content)

    def test_the_reporting_currency_is_fixed_once_snapshots_exist(self):
        from django.core.exceptions import ValidationError

        from rapport.goals.models import GoalSettings, MetricValue

        p = self.p
        services.goal_settings_update(
            actor=p.admin, data={"base_currency": "USD"}, expected_version=None
        )
        MetricValue.objects.create(
            metric="follow_ups", day=local_today(), value=0, computed_at=timezone.now()
        )
        with self.assertRaises(ValidationError) as caught:
            services.goal_settings_update(
                actor=p.admin, data={"base_currency": "CNY"}, expected_version=None
            )
        self.assertIn("base_currency", caught.exception.message_dict)
        self.assertEqual(GoalSettings.current().base_currency, "USD")
