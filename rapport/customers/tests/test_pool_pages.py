"""Pool pages and API: scope contracts of pools and ownership moves, the claim / release /
assign / transfer endpoints and buttons, the reclaim preview, query counts."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PERSONAS, PersonaTestCase, ScopeContract
from rapport.customers.models import Customer, OwnershipEvent, Pool
from rapport.customers.services.customers import customer_refresh_schedule
from rapport.customers.tests.pool_helpers import (
    default_rules,
    make_pool,
    owned_customer,
    pool_customer,
)


class PoolScopeTests(ScopeContract, PersonaTestCase):
    model = Pool
    api_basename = "api:pool"
    page_detail = "customers:pool-detail"
    patch_body = {"warn_days": 5}
    visible = {
        "admin": "*",
        "lead_a": {"company", "a"},
        "lead_b": {"company", "b"},
        "am_a1": {"company", "a"},
        "am_a2": {"company", "a", "b"},  # a named member of pool b
        "am_b1": {"company", "b"},
        "qm": {"company", "q"},
        "viewer": {"company", "a"},
        "outsider": set(),
    }
    editable = {"admin": "*", "lead_a": {"a"}}

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.pools = {
            "company": make_pool("Company", p.company),
            "a": make_pool("A", p.team_a, admin=p.lead_a),
            "b": make_pool("B", p.team_b),
            "q": make_pool("Q", p.quality),
        }
        cls.pools["b"].members.add(p.am_a2)

    def objects(self):
        return self.pools


class OwnershipEventScopeTests(PersonaTestCase):
    def test_moves_are_seen_by_whoever_sees_the_customer(self):
        default_rules()
        pool = make_pool("A", self.p.team_a)
        owned = owned_customer("自有", self.p.am_a1)
        pooled = pool_customer("池中", pool)
        expected = {
            "admin": {owned.pk, pooled.pk},
            "lead_a": {owned.pk, pooled.pk},
            "lead_b": set(),
            "am_a1": {owned.pk, pooled.pk},
            "am_a2": {pooled.pk},
            "am_b1": set(),
            "qm": set(),
            "viewer": {owned.pk, pooled.pk},
            "outsider": set(),
        }
        self.assertEqual(sorted(expected), sorted(PERSONAS))
        for persona, customers in expected.items():
            with self.subTest(persona=persona):
                seen = OwnershipEvent.objects.visible_to(getattr(self.p, persona))
                self.assertEqual(set(seen.values_list("customer_id", flat=True)), customers)
                self.assertFalse(
                    OwnershipEvent.objects.editable_by(getattr(self.p, persona)).exists()
                )


class PoolApiTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.pool = make_pool("A", self.p.team_a, reclaim_days_d=30)
        self.customer = pool_customer("池中", self.pool)

    def post(self, persona, verb, body=None, customer=None):
        customer = customer or self.customer
        url = reverse(f"api:customer-{verb}", args=[customer.pk])
        return self.api(persona).post(url, body or {}, format="json")

    def test_claim(self):
        response = self.post("am_a1", "claim")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["owner"], self.p.am_a1.pk)
        self.assertEqual(Customer.objects.get(pk=self.customer.pk).owner, self.p.am_a1)

    def test_claim_refused_names_the_rule(self):
        self.pool.holding_cap = 0
        self.pool.save()
        response = self.post("am_a1", "claim")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["rule"], "holding_cap")
        self.assertIsNone(Customer.objects.get(pk=self.customer.pk).owner)

    def test_out_of_scope_is_404(self):
        for persona in ("am_b1", "lead_b", "outsider"):
            with self.subTest(persona=persona):
                self.assertEqual(self.post(persona, "claim").status_code, 404)
        self.assertEqual(self.post(None, "claim").status_code, 401)

    def test_release_needs_a_reason(self):
        customer = owned_customer("自有", self.p.am_a1)
        for body in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "x", "extra": 1}):
            with self.subTest(body=str(body)[:30]):
                response = self.post("am_a1", "release", body, customer)
                self.assertEqual(response.status_code, 400)
        self.assertEqual(Customer.objects.get(pk=customer.pk).owner, self.p.am_a1)
        response = self.post("am_a1", "release", {"reason": "<script>x</script>"}, customer)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["pool"], self.pool.pk)

    def test_assign_and_transfer_stay_in_the_leads_teams(self):
        response = self.post("lead_a", "assign", {"to_owner": self.p.am_b1.pk, "reason": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("to_owner", response.json()["errors"])
        response = self.post("am_a1", "assign", {"to_owner": self.p.am_a2.pk, "reason": "x"})
        self.assertIn("to_owner", response.json()["errors"])
        response = self.post("am_a1", "assign", {"to_owner": self.p.am_a1.pk, "reason": "x"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["rule"], "out_of_scope")
        response = self.post("lead_a", "assign", {"to_owner": self.p.am_a2.pk, "reason": "分配"})
        self.assertEqual(response.status_code, 200, response.content)
        response = self.post("lead_a", "transfer", {"to_owner": self.p.am_a1.pk, "reason": "调整"})
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Customer.objects.get(pk=self.customer.pk).owner, self.p.am_a1)

    def test_pool_preview_lists_what_would_move(self):
        customer = owned_customer("将回收", self.p.am_a1)
        then = timezone.now() - dt.timedelta(days=40)
        Customer.objects.filter(pk=customer.pk).update(owned_since=then, created_at=then)
        customer_refresh_schedule(customer=Customer.objects.get(pk=customer.pk))
        url = reverse("api:pool-preview", args=[self.pool.pk])
        rows = self.api("lead_a").get(url).json()["results"]
        self.assertEqual([row["id"] for row in rows], [customer.pk])
        self.assertEqual(rows[0]["rule"], "no_follow_up:30:D")
        self.assertEqual(self.api("am_a2").get(url).json()["results"], [])  # not theirs
        self.assertEqual(self.api("am_b1").get(url).status_code, 404)
        self.assertEqual(Customer.objects.get(pk=customer.pk).owner, self.p.am_a1)

    def test_pool_rules_bad_input(self):
        url = reverse("api:pool-detail", args=[self.pool.pk])
        for body in ({"warn_days": -1}, {"reclaim_days_a": 0}, {"cooldown_days": "x"}):
            with self.subTest(body=body):
                response = self.api("admin").patch(url, body, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertIn(next(iter(body)), response.json()["errors"])
        response = self.api("lead_a").patch(url, {"team": self.p.team_b.pk}, format="json")
        self.assertIn(response.status_code, {400, 403})
        self.assertEqual(Pool.objects.get(pk=self.pool.pk).team, self.p.team_a)

    def test_actions_are_in_the_schema(self):
        response = self.api("admin").get(reverse("api-schema"), {"format": "json"})
        paths = response.json()["paths"]
        for verb in ("claim", "release", "assign", "transfer"):
            self.assertIn(f"/api/v1/customers/{{id}}/{verb}/", paths)
        self.assertIn("/api/v1/pools/{id}/preview/", paths)


class PoolPageTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.pool = make_pool("A", self.p.team_a, reclaim_days_d=30, daily_claim_cap=1)
        self.customer = pool_customer("池中", self.pool, pool_reason="no_follow_up:30:D")

    def test_pool_detail_lists_customers_with_claim_buttons_and_why(self):
        response = self.web("am_a1").get(reverse("customers:pool-detail", args=[self.pool.pk]))
        self.assertContains(response, "池中")
        self.assertContains(response, f'data-testid="claim-{self.customer.pk}"')
        self.assertContains(response, "no follow-up for 30 days, tier D")
        response = self.web("lead_b").get(reverse("customers:pool-detail", args=[self.pool.pk]))
        self.assertEqual(response.status_code, 404)

    def test_pool_detail_query_count_is_constant(self):
        url = reverse("customers:pool-detail", args=[self.pool.pk])
        client = self.web("am_a1")

        def grow():
            for i in range(5):
                pool_customer(f"更多{i}", self.pool)

        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=25)

    def test_claim_button_and_refusal_message(self):
        second = pool_customer("第二个", self.pool)
        url = reverse("customers:customer-claim", args=[self.customer.pk])
        back = reverse("customers:pool-detail", args=[self.pool.pk])
        response = self.web("am_a1").post(url, {"next": back})
        self.assertRedirects(response, back, fetch_redirect_response=False)
        self.assertEqual(Customer.objects.get(pk=self.customer.pk).owner, self.p.am_a1)
        response = self.web("am_a1").post(
            reverse("customers:customer-claim", args=[second.pk]), {"next": back}, follow=True
        )
        self.assertContains(response, "claims today")
        self.assertIsNone(Customer.objects.get(pk=second.pk).owner)

    def test_moves_from_pages_404_out_of_scope_and_need_reasons(self):
        owned = owned_customer("自有", self.p.am_a1)
        release = reverse("customers:customer-release", args=[owned.pk])
        self.assertEqual(self.web("am_b1").post(release, {"reason": "x"}).status_code, 404)
        self.assertEqual(self.web("outsider").post(release, {"reason": "x"}).status_code, 404)
        self.web("am_a1").post(release, {"reason": ""})
        self.assertEqual(Customer.objects.get(pk=owned.pk).owner, self.p.am_a1)
        self.web("am_a1").post(release, {"reason": "不跟了", "next": "https://evil.example/"})
        self.assertIsNone(Customer.objects.get(pk=owned.pk).owner)
        assign = reverse("customers:customer-assign", args=[owned.pk])
        self.web("lead_a").post(assign, {"to_owner": self.p.am_b1.pk, "reason": "x"})
        self.assertIsNone(Customer.objects.get(pk=owned.pk).owner)
        self.web("lead_a").post(assign, {"to_owner": self.p.am_a2.pk, "reason": "x"})
        self.assertEqual(Customer.objects.get(pk=owned.pk).owner, self.p.am_a2)
        transfer = reverse("customers:customer-transfer", args=[owned.pk])
        self.web("lead_a").post(transfer, {"to_owner": self.p.am_a1.pk, "reason": "回来"})
        self.assertEqual(Customer.objects.get(pk=owned.pk).owner, self.p.am_a1)

    def test_ownership_panel_on_the_customer_page(self):
        url = reverse("customers:customer-detail", args=[self.customer.pk])
        response = self.web("am_a1").get(url)
        self.assertContains(response, 'data-testid="pool-note"')
        self.assertContains(response, 'data-testid="claim"')
        owned = owned_customer("自有", self.p.am_a1)
        Customer.objects.filter(pk=owned.pk).update(
            reclaim_on=timezone.localdate() + dt.timedelta(days=2),
            reclaim_rule="no_follow_up:30:D",
        )
        response = self.web("am_a1").get(reverse("customers:customer-detail", args=[owned.pk]))
        self.assertContains(response, 'data-testid="reclaim-note"')
        self.assertContains(response, "message warning")
        self.assertContains(response, 'data-testid="release"')
        response = self.web("lead_a").get(reverse("customers:customer-detail", args=[owned.pk]))
        self.assertContains(response, 'data-testid="hand-over"')

    def test_pool_pages_for_admins_and_pool_admins(self):
        self.assertEqual(self.web("admin").get(reverse("customers:pool-create")).status_code, 200)
        self.assertEqual(self.web("lead_a").get(reverse("customers:pool-create")).status_code, 403)
        edit = reverse("customers:pool-update", args=[self.pool.pk])
        self.assertEqual(self.web("am_a1").get(edit).status_code, 403)
        response = self.web("admin").post(
            reverse("customers:pool-create"),
            {"name": "新池", "team": self.p.team_b.pk, "warn_days": 3, "cooldown_days": 10},
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.assertTrue(Pool.objects.filter(name="新池", team=self.p.team_b).exists())
        response = self.web("admin").post(
            reverse("customers:pool-create"),
            {"name": "坏池", "team": self.p.team_b.pk, "warn_days": 3, "cooldown_days": -1},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Pool.objects.filter(name="坏池").exists())

    def test_preview_page(self):
        owned = owned_customer("将回收", self.p.am_a1)
        Customer.objects.filter(pk=owned.pk).update(
            reclaim_on=timezone.localdate(), reclaim_rule="no_follow_up:30:D"
        )
        response = self.web("lead_a").get(reverse("customers:pool-preview", args=[self.pool.pk]))
        self.assertContains(response, "将回收")
        self.assertEqual(Customer.objects.get(pk=owned.pk).owner, self.p.am_a1)
