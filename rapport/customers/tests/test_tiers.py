"""Tier rules and cadence: the default rules, the admin page, re-evaluation as a job after
a change, and a tier set by hand with a reason."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rapport.core.models import Job
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, TierRule
from rapport.customers.services.tiers import customer_set_tier
from rapport.customers.tests.pool_helpers import default_rules, owned_customer


class DefaultRulesTests(PersonaTestCase):
    def test_the_data_migration_writes_the_defaults_once(self):
        migration = importlib.import_module("rapport.customers.migrations.0002_default_tier_rules")
        TierRule.objects.all().delete()
        migration.add_defaults(django_apps, None)
        migration.add_defaults(django_apps, None)
        rules = {r.tier: r for r in TierRule.objects.all()}
        self.assertEqual(
            {t: r.cadence_days for t, r in rules.items()}, {"A": 7, "B": 14, "C": 30, "D": 60}
        )
        self.assertEqual(rules["A"].min_annual_value, Decimal("1000000"))
        self.assertEqual(rules["B"].min_annual_value, Decimal("300000"))
        self.assertTrue(rules["A"].for_strategic)
        self.assertFalse(rules["B"].for_strategic)


class TierPageTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.rule_a = TierRule.objects.get(tier="A")

    def test_everyone_reads_admins_edit(self):
        self.assertContains(self.web("am_a1").get(reverse("customers:tier-rules")), "60")
        edit = reverse("customers:tier-rule-update", args=[self.rule_a.pk])
        self.assertEqual(self.web("lead_a").get(edit).status_code, 403)
        self.assertEqual(self.web("outsider").get(edit).status_code, 403)
        self.assertEqual(self.web("admin").get(edit).status_code, 200)

    def test_a_rule_change_re_evaluates_tiers_in_a_job(self):
        customer = owned_customer("大客户", self.p.am_a1, annual_value=Decimal("500000"))
        self.assertEqual(customer.tier, "B")
        edit = reverse("customers:tier-rule-update", args=[self.rule_a.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.web("admin").post(
                edit,
                {
                    "cadence_days": 5,
                    "min_annual_value": "400000",
                    "for_strategic": "on",
                    "version": self.rule_a.version,
                },
            )
        self.assertEqual(response.status_code, 302)
        job = Job.objects.get(kind="customers.tiers")
        self.assertEqual(job.status, Job.Status.SUCCEEDED, job.error)
        customer.refresh_from_db()
        self.assertEqual(customer.tier, "A")
        self.assertEqual(customer.contact_due_on, timezone.localdate() + dt.timedelta(days=5))

    def test_bad_cadence_is_refused_and_nothing_changes(self):
        edit = reverse("customers:tier-rule-update", args=[self.rule_a.pk])
        for value in ("0", "366", "x", ""):
            with self.subTest(value=value):
                response = self.web("admin").post(
                    edit, {"cadence_days": value, "version": self.rule_a.version}
                )
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors.get("cadence_days"))
        self.assertEqual(TierRule.objects.get(tier="A").cadence_days, 7)
        self.assertFalse(Job.objects.filter(kind="customers.tiers").exists())

    def test_stale_rule_form_is_refused(self):
        edit = reverse("customers:tier-rule-update", args=[self.rule_a.pk])
        self.web("admin").post(edit, {"cadence_days": 6, "version": self.rule_a.version})
        response = self.web("admin").post(edit, {"cadence_days": 9, "version": self.rule_a.version})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(TierRule.objects.get(tier="A").cadence_days, 6)


class TierOverrideTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.customer = owned_customer("客户", self.p.am_a1)

    def test_set_by_hand_needs_a_reason_and_sticks(self):
        with self.assertRaises(ValidationError) as caught:
            customer_set_tier(actor=self.p.am_a1, customer=self.customer, tier="A", reason=" ")
        self.assertIn("tier_reason", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            customer_set_tier(actor=self.p.am_a1, customer=self.customer, tier="Z", reason="x")
        customer_set_tier(actor=self.p.am_a1, customer=self.customer, tier="A", reason="集团客户")
        customer = Customer.objects.get(pk=self.customer.pk)
        self.assertEqual(
            (customer.tier, customer.tier_locked, customer.tier_reason), ("A", True, "集团客户")
        )
        self.assertEqual(customer.contact_due_on, timezone.localdate() + dt.timedelta(days=7))
        customer_set_tier(actor=self.p.am_a1, customer=customer, tier=None)
        customer.refresh_from_db()
        self.assertEqual((customer.tier, customer.tier_locked), ("D", False))

    def test_override_page_obeys_scope(self):
        url = reverse("customers:customer-tier", args=[self.customer.pk])
        self.assertEqual(self.web("am_b1").post(url, {"tier": "A", "reason": "x"}).status_code, 404)
        self.assertEqual(
            self.web("viewer").post(url, {"tier": "A", "reason": "x"}).status_code, 403
        )
        self.web("am_a1").post(url, {"tier": "B", "reason": ""})
        self.assertEqual(Customer.objects.get(pk=self.customer.pk).tier, "D")
        self.web("lead_a").post(url, {"tier": "B", "reason": "重点培育"})
        self.assertEqual(Customer.objects.get(pk=self.customer.pk).tier, "B")
