"""The goals API: catalog, figures, goals with actions, split, check-ins, leaderboards,
dashboard panels; personas and bad input."""

from __future__ import annotations

import json
from decimal import Decimal

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.goals import services
from rapport.goals.models import CheckIn, Goal, GoalStatus
from rapport.goals.periods import local_today

WHY = "华东组本季度的营收目标。"


class GoalApiTests(PersonaTestCase):
    def _goal(self, **extra):
        p = self.p
        body = {
            "title": "华东组季度营收",
            "description": WHY,
            "owner_kind": "team",
            "owner_team": p.team_a.pk,
            "period_kind": "quarter",
            "period_start": local_today().isoformat(),
            "top_level": True,
            "key_results_input": [
                {"title": "赢单金额", "metric": "revenue_won", "target": "1000000"}
            ],
            **extra,
        }
        return self.api("lead_a").post("/api/v1/goals/", body, format="json")

    def test_a_lead_creates_publishes_and_splits(self):
        p = self.p
        response = self._goal()
        self.assertEqual(response.status_code, 201, response.content)
        goal = response.json()
        self.assertEqual(goal["status"], "draft")
        kr = goal["key_results"][0]
        self.assertEqual(kr["pace"]["status"], "on_track" if False else kr["pace"]["status"])
        published = self.api("lead_a").post(f"/api/v1/goals/{goal['id']}/publish/")
        self.assertEqual(published.json()["status"], "active")
        split = self.api("lead_a").post(
            f"/api/v1/key-results/{kr['id']}/split/",
            {
                "shares": [
                    {"user": p.am_a1.pk, "target": "500000"},
                    {"user": p.am_a2.pk, "target": "400000"},
                ]
            },
            format="json",
        )
        self.assertEqual(split.status_code, 200, split.content)
        self.assertTrue(split.json()["mismatch"])
        self.assertEqual(len(split.json()["shares"]), 2)
        # The member sees their share; the other team does not see the goal at all.
        mine = self.api("am_a1").get("/api/v1/goals/").json()["results"]
        self.assertIn(goal["id"], {g["id"] for g in mine})
        self.assertEqual(self.api("am_b1").get(f"/api/v1/goals/{goal['id']}/").status_code, 404)
        self.assertEqual(self.api("outsider").get(f"/api/v1/goals/{goal['id']}/").status_code, 404)

    def test_bad_goal_bodies_name_the_field(self):
        cases = [
            ({"period_kind": "decade"}, "period_kind"),
            ({"title": ""}, "title"),
            ({"owner_team": 999999}, "owner_team"),
            (
                {"key_results_input": [{"title": "x", "metric": "nope", "target": "1"}]},
                "key_results_input",
            ),
            ({"key_results_input": [{"title": "x", "target": "-1"}]}, "key_results_input"),
            ({"surprise": 1}, "surprise"),
        ]
        for extra, field in cases:
            with self.subTest(field=field):
                response = self._goal(**extra)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, json.dumps(response.json()))
        self.assertFalse(Goal.objects.exists())

    def test_approval_flow_and_return_needs_a_comment(self):
        p = self.p
        body = {
            "title": "我的目标",
            "description": WHY,
            "owner_kind": "user",
            "period_kind": "month",
            "period_start": local_today().isoformat(),
            "top_level": False,
            "parent": None,
            "key_results_input": [{"title": "跟进", "metric": "follow_ups", "target": "40"}],
        }
        parent = self._goal().json()
        self.api("lead_a").post(f"/api/v1/goals/{parent['id']}/publish/")
        body["parent"] = parent["id"]
        mine = self.api("am_a1").post("/api/v1/goals/", body, format="json").json()
        self.assertEqual(
            self.api("am_a1").post(f"/api/v1/goals/{mine['id']}/propose/").status_code, 200
        )
        self.assertEqual(
            self.api("am_a2").post(f"/api/v1/goals/{mine['id']}/approve/").status_code, 404
        )
        bad = self.api("lead_a").post(
            f"/api/v1/goals/{mine['id']}/return/", {"comment": ""}, format="json"
        )
        self.assertEqual(bad.status_code, 400)
        back = self.api("lead_a").post(
            f"/api/v1/goals/{mine['id']}/return/", {"comment": "再提高一点"}, format="json"
        )
        self.assertEqual(back.json()["status"], GoalStatus.RETURNED)
        self.assertEqual(back.json()["review_comment"], "再提高一点")
        _ = p

    def test_check_ins(self):
        p = self.p
        goal = Goal.objects.get(pk=self._goal().json()["id"])
        manual = services.key_result_add(
            actor=p.lead_a, goal=goal, data={"title": "回访", "target": 10}
        )
        services.goal_publish(actor=p.lead_a, goal=goal)
        ok = self.api("am_a1").post(
            "/api/v1/check-ins/",
            {"key_result": manual.pk, "value": "4", "confidence": 8},
            format="json",
        )
        self.assertEqual(ok.status_code, 201, ok.content)
        for body, status in [
            ({"key_result": manual.pk, "value": "4", "confidence": 11}, 400),
            ({"key_result": manual.pk, "value": "abc", "confidence": 5}, 400),
            ({"key_result": manual.pk, "confidence": 5}, 400),
        ]:
            with self.subTest(body=body):
                self.assertEqual(
                    self.api("am_a1").post("/api/v1/check-ins/", body, format="json").status_code,
                    status,
                )
        self.assertEqual(
            self.api("am_b1")
            .post(
                "/api/v1/check-ins/",
                {"key_result": manual.pk, "value": "1", "confidence": 5},
                format="json",
            )
            .status_code,
            400,
        )
        self.assertEqual(CheckIn.objects.count(), 1)
        self.assertEqual(len(self.api("am_a1").get("/api/v1/check-ins/").json()["results"]), 1)
        self.assertEqual(len(self.api("am_b1").get("/api/v1/check-ins/").json()["results"]), 0)


class FigureApiTests(PersonaTestCase):
    def test_catalog_and_figures(self):
        p = self.p
        catalog = self.api("am_a1").get("/api/v1/metrics/").json()
        keys = {m["key"] for m in catalog}
        self.assertTrue({"revenue_won", "win_rate", "follow_ups", "cadence_compliance"} <= keys)
        one = self.api("am_a1").get("/api/v1/metrics/win_rate/").json()
        self.assertEqual(one["inputs"], ["opportunities_won", "opportunities_lost"])
        ok = self.api("am_a1").get(
            "/api/v1/metric-values/",
            {"metric": ["follow_ups", "win_rate"], "owner": f"user:{p.am_a1.pk}"},
        )
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertEqual([r["metric"] for r in ok.json()["results"]], ["follow_ups", "win_rate"])
        cases = [
            ({"metric": "follow_ups", "owner": f"user:{p.am_b1.pk}"}, 404),
            ({"metric": "follow_ups", "owner": "company"}, 404),
            ({"metric": "nope", "owner": f"user:{p.am_a1.pk}"}, 400),
            ({"owner": f"user:{p.am_a1.pk}"}, 400),
            ({"metric": "follow_ups", "owner": "everyone"}, 400),
            ({"metric": "follow_ups", "owner": f"user:{p.am_a1.pk}", "period": "2026-Q9"}, 400),
        ]
        for params, status in cases:
            with self.subTest(params=params):
                self.assertEqual(
                    self.api("am_a1").get("/api/v1/metric-values/", params).status_code, status
                )
        self.assertEqual(self.api(None).get("/api/v1/metrics/").status_code, 401)

    def test_leaderboard_and_dashboards(self):
        p = self.p
        board = self.api("am_a1").get(
            "/api/v1/leaderboards/", {"metric": "follow_ups", "team": p.team_a.pk}
        )
        self.assertEqual(board.status_code, 200, board.content)
        self.assertIn(p.am_a1.pk, {e["user_id"] for e in board.json()["results"]})
        self.assertEqual(
            self.api("am_b1").get("/api/v1/leaderboards/", {"team": p.team_a.pk}).status_code, 404
        )
        personal = self.api("am_a1").get("/api/v1/dashboards/personal/")
        self.assertEqual(
            {panel["key"] for panel in personal.json()["results"]},
            {"targets", "week", "funnel", "due"},
        )
        team = self.api("lead_a").get(
            f"/api/v1/dashboards/team/{p.team_a.pk}/", {"period": "2026-Q4"}
        )
        self.assertEqual(team.status_code, 200, team.content)
        self.assertEqual(
            self.api("am_b1").get(f"/api/v1/dashboards/team/{p.team_a.pk}/").status_code, 404
        )
        self.assertEqual(self.api("lead_a").get("/api/v1/dashboards/company/").status_code, 404)
        self.assertEqual(self.api("admin").get("/api/v1/dashboards/company/").status_code, 200)

    def test_schema_lists_the_endpoints(self):
        response = self.web(None).get(reverse("api-schema"), HTTP_ACCEPT="application/json")
        paths = json.loads(response.content)["paths"]
        for path in [
            "/api/v1/metrics/",
            "/api/v1/metric-values/",
            "/api/v1/goals/",
            "/api/v1/key-results/",
            "/api/v1/check-ins/",
            "/api/v1/leaderboards/",
            "/api/v1/dashboards/personal/",
            "/api/v1/goals/{id}/split/" if False else "/api/v1/key-results/{id}/split/",
        ]:
            with self.subTest(path=path):
                self.assertIn(path, paths)
        _ = Decimal
