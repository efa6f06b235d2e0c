"""The nightly reclaim: rules per tier and for no progress, warnings, the dry run, the
command, the job, and a query count that does not grow with the customers moved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.audit.models import Action, AuditEvent
from rapport.core.jobs import job_start
from rapport.core.models import Job
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, OwnershipEvent, TierRule
from rapport.customers.services.customers import customer_refresh_schedule
from rapport.customers.services.followups import followup_create
from rapport.customers.services.pool import customer_claim, customer_transfer
from rapport.customers.services.reclaim import pool_reclaim, reclaim_warnings
from rapport.customers.services.tiers import recompute_book
from rapport.customers.tests.pool_helpers import (
    default_rules,
    make_pool,
    owned_customer,
    pool_customer,
)


def idle(customer: Customer, days: int, progress_days: int | None = None) -> Customer:
    """Pretend the customer was taken `days` ago and nothing happened since."""
    then = timezone.now() - dt.timedelta(days=days)
    values = {"owned_since": then, "created_at": then}
    if progress_days is not None:
        values["last_progress_at"] = timezone.now() - dt.timedelta(days=progress_days)
    Customer.objects.filter(pk=customer.pk).update(**values)
    fresh = Customer.objects.get(pk=customer.pk)
    customer_refresh_schedule(customer=fresh)
    return fresh


class ReclaimTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.pool = make_pool(
            "A pool", self.p.team_a, reclaim_days_a=10, reclaim_days_d=30, warn_days=3
        )
        self.today = timezone.localdate()

    def test_no_follow_up_rule_per_tier(self):
        strategic = idle(owned_customer("战略", self.p.am_a1, strategic=True), 12)
        small = idle(owned_customer("小客户", self.p.am_a1), 12)
        self.assertEqual((strategic.tier, small.tier), ("A", "D"))
        self.assertEqual(strategic.reclaim_rule, "no_follow_up:10:A")
        moved = pool_reclaim()
        self.assertEqual([(c.pk, rule) for c, rule in moved], [(strategic.pk, "no_follow_up:10:A")])
        strategic.refresh_from_db()
        self.assertEqual((strategic.owner, strategic.pool), (None, self.pool))
        self.assertEqual(strategic.pool_reason, "no_follow_up:10:A")
        self.assertIsNone(strategic.reclaim_on)
        self.assertEqual(Customer.objects.get(pk=small.pk).owner, self.p.am_a1)
        event = OwnershipEvent.objects.filter(customer=strategic).first()
        self.assertEqual(
            (event.move, event.from_owner, event.pool, event.rule, event.actor),
            ("reclaim", self.p.am_a1, self.pool, "no_follow_up:10:A", None),
        )
        audit = AuditEvent.objects.for_object(strategic).filter(action=Action.OWNERSHIP).get()
        self.assertEqual(audit.changes["owner"], [self.p.am_a1.pk, None])
        self.assertEqual(audit.extra, {"move": "reclaim", "rule": "no_follow_up:10:A"})

    def test_no_progress_rule(self):
        self.pool.no_progress_days = 15
        self.pool.save()
        customer = idle(owned_customer("停滞", self.p.am_a1), 20, progress_days=20)
        self.assertEqual(customer.reclaim_rule, "no_progress:15")
        self.assertEqual([rule for _c, rule in pool_reclaim()], ["no_progress:15"])

    def test_a_follow_up_pushes_the_reclaim_date(self):
        customer = idle(owned_customer("有跟进", self.p.am_a1), 40)
        followup_create(
            actor=self.p.am_a1,
            data={
                "customer": customer,
                "kind": "call",
                "occurred_at": timezone.now(),
                "summary": "x",
            },
        )
        customer.refresh_from_db()
        self.assertEqual(customer.reclaim_on, self.today + dt.timedelta(days=30))
        self.assertEqual(pool_reclaim(), [])

    def test_reclaim_dates_follow_ownership_moves(self):
        customer = idle(owned_customer("转移", self.p.am_a1), 25)
        self.assertEqual(customer.reclaim_on, self.today + dt.timedelta(days=5))
        customer_transfer(actor=self.p.lead_a, customer=customer, to_owner=self.p.am_a2, reason="x")
        customer.refresh_from_db()
        self.assertEqual(customer.reclaim_on, self.today + dt.timedelta(days=30))

    def test_dry_run_moves_nothing(self):
        customer = idle(owned_customer("预演", self.p.am_a1), 40)
        events = OwnershipEvent.objects.count()
        preview = pool_reclaim(dry_run=True)
        self.assertEqual([c.pk for c, _rule in preview], [customer.pk])
        self.assertEqual(Customer.objects.get(pk=customer.pk).owner, self.p.am_a1)
        self.assertEqual(OwnershipEvent.objects.count(), events)

    def test_customers_of_teams_without_a_pool_stay(self):
        customer = idle(owned_customer("北方", self.p.am_b1), 400)
        self.assertIsNone(customer.reclaim_on)
        Customer.objects.filter(pk=customer.pk).update(reclaim_on=self.today, reclaim_rule="x")
        self.assertEqual(pool_reclaim(dry_run=True), [])
        self.assertEqual(pool_reclaim(), [])
        self.assertEqual(Customer.objects.get(pk=customer.pk).owner, self.p.am_b1)

    def test_warnings_inside_the_window_only(self):
        soon = idle(owned_customer("快了", self.p.am_a1), 28)  # in 2 days
        idle(owned_customer("还早", self.p.am_a1), 20)  # in 10 days
        idle(owned_customer("别人", self.p.am_a2), 29)  # in 1 day
        found = reclaim_warnings(owner_id=self.p.am_a1.pk)
        self.assertEqual(
            [(c.pk, rule, left) for c, rule, left in found], [(soon.pk, "no_follow_up:30:D", 2)]
        )
        self.assertEqual(len(reclaim_warnings()), 2)

    def test_query_count_does_not_grow_with_the_customers_moved(self):
        def count(n: int) -> int:
            for i in range(n):
                idle(owned_customer(f"批{n}-{i}", self.p.am_a1), 40)
            with CaptureQueriesContext(connection) as queries:
                moved = pool_reclaim()
            self.assertEqual(len(moved), n)
            return len(queries)

        self.assertEqual(count(2), count(12))

    def test_command_prints_what_moves_and_why(self):
        customer = idle(owned_customer("命令行", self.p.am_a1), 40)
        out = StringIO()
        call_command("pool", "reclaim", "--dry-run", stdout=out)
        self.assertIn("命令行", out.getvalue())
        self.assertIn("no follow-up for 30 days, tier D", out.getvalue())
        self.assertIn("1 customers would move", out.getvalue())
        self.assertEqual(Customer.objects.get(pk=customer.pk).owner, self.p.am_a1)
        out = StringIO()
        call_command("pool", "reclaim", stdout=out)
        self.assertIn("1 customers moved", out.getvalue())
        self.assertIsNone(Customer.objects.get(pk=customer.pk).owner)

    def test_nightly_job_reclaims_and_logs_warnings(self):
        idle(owned_customer("夜间", self.p.am_a1), 40)
        idle(owned_customer("预警", self.p.am_a1), 28)
        with self.captureOnCommitCallbacks(execute=True):
            job = job_start(actor=None, kind="customers.reclaim", title="reclaim")
        job.refresh_from_db()
        self.assertEqual(job.status, Job.Status.SUCCEEDED, job.error)
        self.assertEqual(job.counts, {"moved": 1, "warnings": 1})

    def test_claimed_back_customer_gets_a_fresh_window(self):
        customer = idle(owned_customer("回收", self.p.am_a1), 40)
        pool_reclaim()
        customer_claim(actor=self.p.am_a2, customer=Customer.objects.get(pk=customer.pk))
        customer.refresh_from_db()
        self.assertEqual(customer.reclaim_on, self.today + dt.timedelta(days=30))


class RecomputeTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.pool = make_pool("A pool", self.p.team_a, reclaim_days_d=30)

    def test_rule_change_retiers_and_moves_due_dates_in_bulk(self):
        big = owned_customer("大客户", self.p.am_a1, annual_value=Decimal("400000"))
        locked = owned_customer("手动", self.p.am_a1, annual_value=Decimal("400000"))
        Customer.objects.filter(pk=locked.pk).update(tier="C", tier_locked=True, tier_reason="x")
        self.assertEqual(big.tier, "B")
        TierRule.objects.filter(tier="A").update(min_annual_value=Decimal("350000"))
        TierRule.objects.filter(tier="D").update(cadence_days=90)
        counts = recompute_book()
        self.assertEqual(counts["tiers_changed"], 1)
        big.refresh_from_db()
        self.assertEqual(big.tier, "A")
        self.assertEqual(big.contact_due_on, timezone.localdate() + dt.timedelta(days=7))
        self.assertEqual(Customer.objects.get(pk=locked.pk).tier, "C")
        audit = AuditEvent.objects.for_object(big).filter(changes__has_key="tier").first()
        self.assertEqual(audit.changes["tier"], ["B", "A"])

    def test_pool_rule_change_moves_reclaim_dates(self):
        customer = owned_customer("客户", self.p.am_a1)
        self.assertEqual(customer.reclaim_on, timezone.localdate() + dt.timedelta(days=30))
        self.pool.reclaim_days_d = 20
        self.pool.save()
        recompute_book(tiers=False)
        customer.refresh_from_db()
        self.assertEqual(customer.reclaim_on, timezone.localdate() + dt.timedelta(days=20))

    def test_pool_customers_are_left_alone(self):
        customer = pool_customer("池中", self.pool)
        recompute_book()
        customer.refresh_from_db()
        self.assertIsNone(customer.contact_due_on)
        self.assertIsNone(customer.reclaim_on)
