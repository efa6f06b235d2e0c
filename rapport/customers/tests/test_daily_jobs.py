"""The customer book's periodic jobs: the daily due-date refresh and the nightly reclaim
start user-visible jobs, and the refresh moves due dates after the cadence changed."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rapport.core.models import Job
from rapport.core.testing import PersonaTestCase
from rapport.customers import tasks
from rapport.customers.models import Customer, TierRule
from rapport.customers.tests.pool_helpers import default_rules, make_pool, owned_customer


class DailyJobTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        make_pool("A pool", self.p.team_a, reclaim_days_d=30)

    def run_periodic(self, task) -> Job:
        with self.captureOnCommitCallbacks(execute=True):
            task.call_local()
        job = Job.objects.latest("pk")
        job.refresh_from_db()
        return job

    def test_the_daily_refresh_moves_due_dates_after_a_cadence_change(self):
        customer = owned_customer("客户", self.p.am_a1)
        today = timezone.localdate()
        tier = customer.tier
        cadence = TierRule.objects.get(tier=tier).cadence_days
        self.assertEqual(customer.contact_due_on, today + dt.timedelta(days=cadence))
        # A rule edited behind the services' back (as a restore or a SQL fix would):
        # only the daily job puts the stored dates right.
        TierRule.objects.filter(tier=tier).update(cadence_days=3)
        job = self.run_periodic(tasks.refresh_due_dates_daily)
        self.assertEqual(job.kind, "customers.refresh_due")
        self.assertEqual(job.status, Job.Status.SUCCEEDED, job.error)
        self.assertGreaterEqual(job.counts["changed"], 1)
        customer = Customer.objects.get(pk=customer.pk)
        self.assertEqual(customer.contact_due_on, today + dt.timedelta(days=3))

    def test_the_nightly_reclaim_starts_a_job_named_after_the_day(self):
        job = self.run_periodic(tasks.reclaim_nightly)
        self.assertEqual(job.kind, "customers.reclaim")
        self.assertIn(timezone.localdate().isoformat(), job.title)
        self.assertEqual(job.status, Job.Status.SUCCEEDED, job.error)
