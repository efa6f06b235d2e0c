"""Goals: the approval flow, the SMART check, the split down the tree, check-ins, scope."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.core.testing import PersonaTestCase
from rapport.goals import services
from rapport.goals.models import Goal, GoalStatus, KeyResult, MetricValue
from rapport.goals.periods import Period, local_today
from rapport.goals.smart import smart_check

WHY = "华东组本季度的回款目标，按月跟踪。"


def team_goal(p, **extra):
    goal = services.goal_create(
        actor=p.lead_a,
        data={
            "title": "华东组季度营收",
            "description": WHY,
            "owner_kind": "team",
            "owner_team": p.team_a,
            "period_kind": "quarter",
            "period_start": local_today(),
            "top_level": True,
            **extra,
        },
        key_results=[{"title": "赢单金额", "metric": "revenue_won", "target": Decimal("1000000")}],
    )
    return goal


class GoalFlowTests(PersonaTestCase):
    def test_a_lead_publishes_a_team_goal_for_the_whole_quarter(self):
        p = self.p
        goal = team_goal(p)
        quarter = Period.containing(local_today(), "quarter")
        self.assertEqual((goal.period_start, goal.period_end), (quarter.first, quarter.last))
        services.goal_publish(actor=p.lead_a, goal=goal)
        goal.refresh_from_db()
        self.assertEqual(goal.status, GoalStatus.ACTIVE)
        self.assertTrue(
            AuditEvent.objects.filter(object_id=str(goal.pk), changes__status__1="active").exists()
        )

    def test_smart_blocks_a_vague_goal_and_names_the_rule(self):
        p = self.p
        goal = team_goal(p, description="")
        with self.assertRaises(ValidationError) as caught:
            services.goal_publish(actor=p.lead_a, goal=goal)
        self.assertIn("specific", caught.exception.message_dict)
        goal.refresh_from_db()
        self.assertEqual(goal.status, GoalStatus.DRAFT)  # nothing half-written

    def test_an_am_proposes_their_own_goal_and_the_lead_decides(self):
        p = self.p
        parent = team_goal(p)
        services.goal_publish(actor=p.lead_a, goal=parent)
        mine = services.goal_create(
            actor=p.am_a1,
            data={
                "title": "拿下三家新客户",
                "description": "扩大华东新客户",
                "owner_kind": "user",
                "period_kind": "quarter",
                "period_start": local_today(),
                "parent": parent,
            },
            key_results=[{"title": "新客户", "metric": "new_customers", "target": 3}],
        )
        self.assertEqual(mine.owner_user, p.am_a1)
        with self.assertRaises(PermissionDenied):
            services.goal_approve(actor=p.am_a1, goal=mine)  # not proposed yet, not their lead
        services.goal_propose(actor=p.am_a1, goal=mine)
        with self.assertRaises(ValidationError) as caught:
            services.goal_return(actor=p.lead_a, goal=mine, comment="  ")
        self.assertIn("comment", caught.exception.message_dict)
        services.goal_return(actor=p.lead_a, goal=mine, comment="目标偏低，改成五家")
        mine.refresh_from_db()
        self.assertEqual(
            (mine.status, mine.review_comment), (GoalStatus.RETURNED, "目标偏低，改成五家")
        )
        services.goal_propose(actor=p.am_a1, goal=mine)
        with self.assertRaises(PermissionDenied):
            services.goal_approve(actor=p.lead_b, goal=mine)  # another team's lead
        services.goal_approve(actor=p.lead_a, goal=mine)
        mine.refresh_from_db()
        self.assertEqual(mine.status, GoalStatus.ACTIVE)

    def test_an_am_cannot_set_goals_for_others_or_top_level(self):
        p = self.p
        base = {
            "title": "目标",
            "description": WHY,
            "period_kind": "month",
            "period_start": local_today(),
        }
        with self.assertRaises(ValidationError) as caught:
            services.goal_create(
                actor=p.am_a1, data={**base, "owner_kind": "user", "owner_user": p.am_a2}
            )
        self.assertIn("owner", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            services.goal_create(
                actor=p.am_a1, data={**base, "owner_kind": "user", "top_level": True}
            )
        self.assertIn("top_level", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            services.goal_create(
                actor=p.lead_a, data={**base, "owner_kind": "team", "owner_team": p.team_b}
            )
        self.assertFalse(Goal.objects.exists())

    def test_an_unknown_metric_is_refused(self):
        p = self.p
        with self.assertRaises(ValidationError) as caught:
            team_goal(p).key_results.first()  # valid
            services.key_result_add(
                actor=p.lead_a,
                goal=Goal.objects.get(),
                data={"title": "x", "metric": "nope", "target": 1},
            )
        self.assertIn("metric", caught.exception.message_dict)

    def test_a_parent_must_cover_the_period(self):
        p = self.p
        parent = services.goal_create(
            actor=p.lead_a,
            data={
                "title": "本月目标",
                "description": WHY,
                "owner_kind": "team",
                "owner_team": p.team_a,
                "period_kind": "month",
                "period_start": local_today(),
                "top_level": True,
            },
        )
        with self.assertRaises(ValidationError) as caught:
            services.goal_create(
                actor=p.am_a1,
                data={
                    "title": "全年",
                    "description": WHY,
                    "owner_kind": "user",
                    "period_kind": "year",
                    "period_start": local_today(),
                    "parent": parent,
                },
            )
        self.assertIn("parent", caught.exception.message_dict)


class SplitTests(PersonaTestCase):
    def test_split_among_members_flags_a_mismatch_until_it_adds_up(self):
        p = self.p
        goal = team_goal(p)
        services.goal_publish(actor=p.lead_a, goal=goal)
        kr = goal.key_results.get()
        shares = services.key_result_split(
            actor=p.lead_a,
            key_result=kr,
            shares=[{"owner": p.am_a1, "target": "600000"}, {"owner": p.am_a2, "target": "300000"}],
        )
        self.assertEqual(len(shares), 2)
        child = shares[0].goal
        self.assertEqual(
            (child.parent, child.owner_user, child.status), (goal, p.am_a1, GoalStatus.ACTIVE)
        )
        status = services.split_status(kr)
        self.assertTrue(status["mismatch"])
        self.assertEqual(status["difference"], Decimal("-100000"))
        services.key_result_split(
            actor=p.lead_a, key_result=kr, shares=[{"owner": p.am_a2, "target": "400000"}]
        )
        self.assertFalse(services.split_status(kr)["mismatch"])
        self.assertEqual(Goal.objects.filter(parent=goal).count(), 2)  # updated, not duplicated

    def test_splitting_several_key_results_gives_each_member_one_goal(self):
        p = self.p
        goal = team_goal(p)
        visits = services.key_result_add(
            actor=p.lead_a, goal=goal, data={"title": "拜访", "metric": "visits", "target": 40}
        )
        revenue = goal.key_results.get(metric="revenue_won")
        for kr, target in ((revenue, 500000), (visits, 20)):
            services.key_result_split(
                actor=p.lead_a, key_result=kr, shares=[{"owner": p.am_a1, "target": target}]
            )
        child = Goal.objects.get(parent=goal, owner_user=p.am_a1)
        self.assertEqual(
            sorted(child.key_results.values_list("metric", flat=True)), ["revenue_won", "visits"]
        )

    def test_split_refuses_strangers_duplicates_and_other_leads(self):
        p = self.p
        kr = team_goal(p).key_results.get()
        with self.assertRaises(ValidationError):
            services.key_result_split(
                actor=p.lead_a, key_result=kr, shares=[{"owner": p.am_b1, "target": 1}]
            )
        with self.assertRaises(ValidationError):
            services.key_result_split(
                actor=p.lead_a,
                key_result=kr,
                shares=[{"owner": p.am_a1, "target": 1}, {"owner": p.am_a1, "target": 2}],
            )
        with self.assertRaises(ValidationError):
            services.key_result_split(
                actor=p.lead_a, key_result=kr, shares=[{"owner": p.am_a1, "target": "-5"}]
            )
        with self.assertRaises(PermissionDenied):
            services.key_result_split(
                actor=p.lead_b, key_result=kr, shares=[{"owner": p.am_a1, "target": 1}]
            )
        self.assertEqual(Goal.objects.count(), 1)

    def test_a_rate_is_not_split_by_adding(self):
        p = self.p
        goal = team_goal(p)
        kr = services.key_result_add(
            actor=p.lead_a, goal=goal, data={"title": "赢率", "metric": "win_rate", "target": 40}
        )
        services.key_result_split(
            actor=p.lead_a, key_result=kr, shares=[{"owner": p.am_a1, "target": 45}]
        )
        status = services.split_status(kr)
        self.assertFalse(status["summable"])
        self.assertFalse(status["mismatch"])


class CheckInTests(PersonaTestCase):
    def setUp(self):
        p = self.p
        self.goal = team_goal(p)
        self.manual = services.key_result_add(
            actor=p.lead_a,
            goal=self.goal,
            data={"title": "完成客户满意度回访", "target": 20, "unit_label": "家"},
        )
        services.goal_publish(actor=p.lead_a, goal=self.goal)

    def test_a_check_in_moves_a_manual_key_result(self):
        p = self.p
        services.check_in_create(
            actor=p.am_a1, key_result=self.manual, value="8", comment="本周回访 3 家", confidence=7
        )
        self.manual.refresh_from_db()
        self.assertEqual((self.manual.current_value, self.manual.confidence), (Decimal(8), 7))

    def test_bad_check_ins_are_refused(self):
        p = self.p
        metric_kr = self.goal.key_results.get(metric="revenue_won")
        cases = [
            (p.am_a1, metric_kr, "1", 5, ValidationError),
            (p.am_a1, self.manual, "abc", 5, ValidationError),
            (p.am_a1, self.manual, "1", 11, ValidationError),
            (p.am_a1, self.manual, "-3", 5, ValidationError),
            (p.am_b1, self.manual, "1", 5, PermissionDenied),
            (p.viewer, self.manual, "1", 5, PermissionDenied),
        ]
        for actor, kr, value, confidence, error in cases:
            with (
                self.subTest(actor=actor.username, value=value, confidence=confidence),
                self.assertRaises(error),
            ):
                services.check_in_create(
                    actor=actor, key_result=kr, value=value, confidence=confidence
                )
        self.assertFalse(self.manual.check_ins.exists())


class AchievableTests(PersonaTestCase):
    def test_a_target_far_above_the_best_past_period_warns_with_the_history(self):
        p = self.p
        quarter = Period.containing(local_today(), "quarter")
        last = quarter.shifted(-1)
        MetricValue.objects.create(
            metric="new_customers",
            day=last.first,
            user=p.am_a1,
            team=p.team_a,
            value=4,
            computed_at=timezone.now(),
        )
        goal = services.goal_create(
            actor=p.lead_a,
            data={
                "title": "新客户",
                "description": WHY,
                "owner_kind": "user",
                "owner_user": p.am_a1,
                "period_kind": "quarter",
                "period_start": local_today(),
                "top_level": True,
            },
            key_results=[{"title": "新客户", "metric": "new_customers", "target": 40}],
        )
        findings = {f.criterion: f for f in smart_check(p.lead_a, goal, actor_can_manage=True)}
        achievable = findings["achievable"]
        self.assertFalse(achievable.ok)
        self.assertFalse(achievable.blocking)
        self.assertEqual(achievable.history[0], (last.code, Decimal(4)))
        services.goal_publish(actor=p.lead_a, goal=goal)  # advice, not a block


class GoalScopeTests(PersonaTestCase):
    def test_who_sees_and_edits_which_goal(self):
        p = self.p
        team = team_goal(p)
        mine = services.goal_create(
            actor=p.am_a1,
            data={
                "title": "我的目标",
                "description": WHY,
                "owner_kind": "user",
                "period_kind": "month",
                "period_start": local_today(),
                "parent": team,
            },
        )
        company = services.goal_create(
            actor=p.admin,
            data={
                "title": "公司年度目标",
                "description": WHY,
                "owner_kind": "company",
                "period_kind": "year",
                "period_start": local_today(),
                "top_level": True,
            },
        )
        expected_visible = {
            "admin": {team, mine, company},
            "lead_a": {team, mine, company},
            "lead_b": {company},
            "am_a1": {team, mine, company},
            "am_a2": {team, company},
            "am_b1": {company},
            "viewer": {team, mine, company},
            "outsider": set(),
        }
        for persona, goals in expected_visible.items():
            with self.subTest(persona=persona):
                seen = set(Goal.objects.visible_to(getattr(p, persona)))
                self.assertEqual(seen, goals)
        editable = {
            "admin": {team, mine, company},
            "lead_a": {team, mine},
            "am_a1": {mine},
            "am_a2": set(),
            "viewer": set(),
        }
        for persona, goals in editable.items():
            with self.subTest(persona=persona, edit=True):
                self.assertEqual(set(Goal.objects.editable_by(getattr(p, persona))), goals)
        self.assertEqual(set(KeyResult.objects.visible_to(p.am_b1)), set())
