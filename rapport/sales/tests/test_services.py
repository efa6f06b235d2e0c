"""The sales services: create, update, stage moves with history, win/lose, pipelines."""

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError

from rapport.audit.models import AuditEvent
from rapport.core.errors import StaleObjectError
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer
from rapport.sales import services
from rapport.sales.models import Opportunity, Stage, StageChange
from rapport.sales.tests.helpers import customer, default_pipeline, opportunity, stage


class DefaultPipelineTests(PersonaTestCase):
    def test_migration_creates_the_default_pipeline(self):
        pipeline = default_pipeline()
        self.assertEqual(pipeline.name, "默认销售流程")
        rows = list(pipeline.stages.values_list("name", "probability", "outcome"))
        self.assertEqual(
            rows,
            [
                ("初步接洽", Decimal("10"), "open"),
                ("需求确认", Decimal("25"), "open"),
                ("方案报价", Decimal("50"), "open"),
                ("商务谈判", Decimal("70"), "open"),
                ("赢单", Decimal("100"), "won"),
                ("输单", Decimal("0"), "lost"),
            ],
        )

    def test_stage_label_follows_the_language(self):
        from django.utils import translation

        first = stage("初步接洽")
        with translation.override("en"):
            self.assertEqual(first.label, "Initial contact")
        with translation.override("zh-hans"):
            self.assertEqual(first.label, "初步接洽")


class CreateTests(PersonaTestCase):
    def test_defaults_owner_team_pipeline_and_first_stage(self):
        cust = customer(self.p.am_a1)
        opp = services.opportunity_create(
            actor=self.p.am_a1, data={"customer": cust, "name": "ERP 项目", "amount": 5}
        )
        self.assertEqual(opp.owner, self.p.am_a1)
        self.assertEqual(opp.team, self.p.team_a)
        self.assertEqual(opp.pipeline, default_pipeline())
        self.assertEqual(opp.stage.name, "初步接洽")
        self.assertEqual(StageChange.objects.get(opportunity=opp).from_stage, None)
        self.assertTrue(AuditEvent.objects.for_object(opp).filter(action="create").exists())
        self.assertIsNotNone(Customer.objects.get(pk=cust.pk).last_progress_at)

    def test_customer_must_be_editable_by_the_actor(self):
        other = customer(self.p.am_b1, "上海贸易有限公司")
        with self.assertRaises(ValidationError) as caught:
            services.opportunity_create(
                actor=self.p.am_a1, data={"customer": other, "name": "X", "amount": 1}
            )
        self.assertIn("customer", caught.exception.message_dict)
        # The lead above the customer's team may.
        opp = services.opportunity_create(
            actor=self.p.lead_b, data={"customer": other, "name": "X", "amount": 1}
        )
        self.assertEqual(opp.team, self.p.team_b)
        self.assertEqual(Opportunity.objects.count(), 1)

    def test_an_am_cannot_name_another_owner_but_a_lead_can(self):
        cust = customer(self.p.am_a1)
        with self.assertRaises(ValidationError):
            services.opportunity_create(
                actor=self.p.am_a1,
                data={"customer": cust, "name": "X", "amount": 1, "owner": self.p.am_a2},
            )
        opp = services.opportunity_create(
            actor=self.p.lead_a,
            data={"customer": cust, "name": "X", "amount": 1, "owner": self.p.am_a2},
        )
        self.assertEqual((opp.owner, opp.team), (self.p.am_a2, self.p.team_a))

    def test_negative_amount_is_refused_and_nothing_written(self):
        cust = customer(self.p.am_a1)
        with self.assertRaises(ValidationError) as caught:
            services.opportunity_create(
                actor=self.p.am_a1, data={"customer": cust, "name": "X", "amount": -1}
            )
        self.assertIn("amount", caught.exception.message_dict)
        self.assertFalse(Opportunity.objects.exists())
        self.assertFalse(StageChange.objects.exists())


class MoveTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.opp = opportunity(cls.p.am_a1)

    def test_move_writes_history_with_time_in_stage(self):
        entered = self.opp.stage_entered_at
        later = entered + dt.timedelta(days=3, hours=2)
        with mock.patch("django.utils.timezone.now", return_value=later):
            services.opportunity_move(
                actor=self.p.am_a1, opportunity=self.opp, stage=stage("需求确认")
            )
        change = StageChange.objects.filter(opportunity=self.opp).order_by("-id").first()
        self.assertEqual(change.from_stage.name, "初步接洽")
        self.assertEqual(change.to_stage.name, "需求确认")
        self.assertEqual(change.seconds_in_previous, (3 * 24 + 2) * 3600)
        self.opp.refresh_from_db()
        self.assertEqual(self.opp.stage_entered_at, later)
        event = AuditEvent.objects.for_object(self.opp).order_by("-id").first()
        self.assertEqual(event.extra["to_stage"], "需求确认")
        self.assertEqual(event.changes["stage"], [stage("初步接洽").pk, stage("需求确认").pk])

    def test_move_marks_customer_progress(self):
        Customer.objects.filter(pk=self.opp.customer_id).update(last_progress_at=None)
        with mock.patch(
            "rapport.customers.services.customers.customer_mark_progress",
            wraps=__import__(
                "rapport.customers.services.customers", fromlist=["x"]
            ).customer_mark_progress,
        ) as spy:
            services.opportunity_move(actor=None, opportunity=self.opp, stage=stage("方案报价"))
        spy.assert_called_once()
        self.assertEqual(spy.call_args.kwargs["customer_id"], self.opp.customer_id)
        self.assertIsNotNone(Customer.objects.get(pk=self.opp.customer_id).last_progress_at)

    def test_lost_needs_a_reason(self):
        with self.assertRaises(ValidationError) as caught:
            services.opportunity_move(actor=None, opportunity=self.opp, stage=stage("输单"))
        self.assertIn("reason", caught.exception.message_dict)
        self.opp.refresh_from_db()
        self.assertEqual(self.opp.stage.name, "初步接洽")
        self.assertEqual(StageChange.objects.filter(opportunity=self.opp).count(), 1)
        services.opportunity_lose(actor=None, opportunity=self.opp, reason="预算取消")
        self.opp.refresh_from_db()
        self.assertEqual((self.opp.stage.name, self.opp.close_reason), ("输单", "预算取消"))
        self.assertIsNotNone(self.opp.closed_at)

    def test_win_sets_closed_at_and_reopening_clears_it(self):
        services.opportunity_win(actor=None, opportunity=self.opp, reason="价格合适")
        self.opp.refresh_from_db()
        self.assertTrue(self.opp.stage.is_won)
        self.assertIsNotNone(self.opp.closed_at)
        services.opportunity_move(actor=None, opportunity=self.opp, stage=stage("商务谈判"))
        self.opp.refresh_from_db()
        self.assertIsNone(self.opp.closed_at)
        self.assertEqual(self.opp.close_reason, "")

    def test_stage_of_another_pipeline_is_refused(self):
        other = services.pipeline_create(
            actor=None,
            data={"name": "其他"},
            stages=[
                {"name": "A", "probability": 10, "outcome": "open"},
                {"name": "W", "probability": 100, "outcome": "won"},
                {"name": "L", "probability": 0, "outcome": "lost"},
            ],
        )
        foreign = other.stages.get(name="A")
        with self.assertRaises(ValidationError) as caught:
            services.opportunity_move(actor=None, opportunity=self.opp, stage=foreign)
        self.assertIn("stage", caught.exception.message_dict)

    def test_stale_move_is_refused(self):
        version = self.opp.version
        services.opportunity_move(
            actor=None, opportunity=self.opp, stage=stage("需求确认"), expected_version=version
        )
        stale = Opportunity.objects.get(pk=self.opp.pk)
        with self.assertRaises(StaleObjectError):
            services.opportunity_move(
                actor=None, opportunity=stale, stage=stage("方案报价"), expected_version=version
            )
        self.assertEqual(Opportunity.objects.get(pk=self.opp.pk).stage.name, "需求确认")
        self.assertEqual(StageChange.objects.filter(opportunity=self.opp).count(), 2)

    def test_update_changes_owner_and_team_for_a_lead_only(self):
        opp = self.opp
        with self.assertRaises(ValidationError):
            services.opportunity_update(
                actor=self.p.am_a1,
                opportunity=opp,
                data={"owner": self.p.am_a2},
                expected_version=opp.version,
            )
        services.opportunity_update(
            actor=self.p.admin,
            opportunity=opp,
            data={"owner": self.p.am_b1},
            expected_version=opp.version,
        )
        opp.refresh_from_db()
        self.assertEqual((opp.owner, opp.team), (self.p.am_b1, self.p.team_b))
        with self.assertRaises(ValidationError):
            services.opportunity_update(
                actor=self.p.admin,
                opportunity=opp,
                data={"stage": stage("赢单")},
                expected_version=opp.version,
            )


class PipelineServiceTests(PersonaTestCase):
    def test_admin_only_and_one_default(self):
        stages = [
            {"name": "A", "probability": 10, "outcome": "open"},
            {"name": "W", "probability": 100, "outcome": "won"},
            {"name": "L", "probability": 0, "outcome": "lost"},
        ]
        with self.assertRaises(PermissionDenied):
            services.pipeline_create(actor=self.p.lead_a, data={"name": "X"}, stages=stages)
        new = services.pipeline_create(
            actor=self.p.admin, data={"name": "X", "is_default": True}, stages=stages
        )
        self.assertTrue(new.is_default)
        self.assertEqual(
            list(type(new).objects.filter(is_default=True).values_list("pk", flat=True)), [new.pk]
        )

    def test_a_pipeline_needs_open_won_and_lost(self):
        with self.assertRaises(ValidationError):
            services.pipeline_create(
                actor=self.p.admin,
                data={"name": "Y"},
                stages=[{"name": "A", "probability": 10, "outcome": "open"}],
            )
        self.assertFalse(type(default_pipeline()).objects.filter(name="Y").exists())

    def test_reorder(self):
        pipeline = default_pipeline()
        ids = list(pipeline.stages.order_by("position").values_list("pk", flat=True))
        wanted = [ids[1], ids[0], *ids[2:]]
        services.stage_reorder(actor=self.p.admin, pipeline=pipeline, stage_ids=wanted)
        self.assertEqual(
            list(
                Stage.objects.filter(pipeline=pipeline)
                .order_by("position")
                .values_list("pk", flat=True)
            ),
            wanted,
        )
        with self.assertRaises(ValidationError):
            services.stage_reorder(actor=self.p.admin, pipeline=pipeline, stage_ids=ids[:2])
        with self.assertRaises(PermissionDenied):
            services.stage_reorder(actor=self.p.lead_a, pipeline=pipeline, stage_ids=ids)
