"""Customers: scope contract, pages, API, bad input, stale edits, query counts."""

from __future__ import annotations

from django.urls import reverse

from rapport.audit.models import AuditEvent
from rapport.core.testing import PersonaTestCase, ScopeContract
from rapport.customers.models import Customer
from rapport.customers.tests._book import (
    EDITABLE_CUSTOMERS,
    VISIBLE_CUSTOMERS,
    add_contact,
    build_book,
    log,
    make_customer,
)

VALID_USCC = "91350100M000100Y43"


class CustomerScopeTests(ScopeContract, PersonaTestCase):
    model = Customer
    api_basename = "api:customer"
    page_detail = "customers:customer-detail"
    patch_body = {"notes": "更新备注"}
    visible = VISIBLE_CUSTOMERS
    editable = EDITABLE_CUSTOMERS

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def objects(self):
        return self.book

    def test_list_page_shows_only_visible(self):
        for persona, rule in VISIBLE_CUSTOMERS.items():
            with self.subTest(persona=persona):
                response = self.web(persona).get(reverse("customers:customer-list"))
                self.assertEqual(response.status_code, 200)
                shown = {c.pk for c in response.context["object_list"]}
                expected = set(self.book) if rule == "*" else rule
                self.assertEqual(shown, {self.book[name].pk for name in expected})

    def test_edit_page_is_403_read_only_and_404_out_of_scope(self):
        url = reverse("customers:customer-update", args=[self.book["a1"].pk])
        self.assertEqual(self.web("viewer").get(url).status_code, 403)
        self.assertEqual(self.web("am_b1").get(url).status_code, 404)
        self.assertEqual(self.web("am_a1").get(url).status_code, 200)


class CustomerWriteTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def test_create_by_api_owns_it_and_audits(self):
        response = self.api("am_a1").post(
            reverse("api:customer-list"),
            {"name": "  宁波  海港 有限公司 ", "uscc": VALID_USCC, "annual_value": "1200.50"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["owner"], self.p.am_a1.pk)
        self.assertEqual(body["name"], "宁波 海港 有限公司")
        self.assertEqual(body["annual_value"], "1200.50")
        self.assertIn("ETag", response)
        customer = Customer.objects.get(pk=body["id"])
        self.assertTrue(AuditEvent.objects.for_object(customer).exists())

    def test_lead_creates_for_their_am_but_not_for_another_team(self):
        url = reverse("api:customer-list")
        ok = self.api("lead_a").post(url, {"name": "甲", "owner": self.p.am_a2.pk}, format="json")
        self.assertEqual(ok.status_code, 201, ok.content)
        self.assertEqual(ok.json()["team"], self.p.team_a.pk)
        bad = self.api("lead_a").post(url, {"name": "乙", "owner": self.p.am_b1.pk}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("owner", bad.json()["errors"])

    def test_bad_input_names_the_field_and_writes_nothing(self):
        url = reverse("api:customer-list")
        before = Customer.objects.count()
        cases = [
            ({}, "name"),
            ({"name": ""}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"name": "甲", "uscc": "91350100M000100Y44"}, "uscc"),
            ({"name": "甲", "annual_value": "abc"}, "annual_value"),
            ({"name": "甲", "annual_value": "-1"}, "annual_value"),
            ({"name": "甲", "status": "bogus"}, "status"),
            ({"name": "甲", "favourite_colour": "red"}, "favourite_colour"),
            ({"name": ["甲"]}, "name"),
            ({"name": "甲", "tier": "A"}, "tier_reason"),
            ({"name": "甲", "owner": self.p.am_a2.pk}, "owner"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                response = self.api("am_a1").post(url, body, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json()["errors"])
        self.assertEqual(Customer.objects.count(), before)

    def test_duplicate_uscc_is_refused(self):
        make_customer("甲公司", self.p.am_a1, uscc=VALID_USCC)
        response = self.api("am_a2").post(
            reverse("api:customer-list"), {"name": "乙公司", "uscc": VALID_USCC}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("uscc", response.json()["errors"])

    def test_status_transition_refused(self):
        customer = self.book["a1"]  # a lead: cannot jump to dormant
        url = reverse("api:customer-detail", args=[customer.pk])
        response = self.api("am_a1").patch(url, {"status": "dormant"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("status", response.json()["errors"])
        ok = self.api("am_a1").patch(url, {"status": "prospect"}, format="json")
        self.assertEqual(ok.status_code, 200, ok.content)

    def test_owner_cannot_be_changed_by_an_edit(self):
        url = reverse("api:customer-detail", args=[self.book["a1"].pk])
        response = self.api("lead_a").patch(url, {"owner": self.p.am_a2.pk}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("owner", response.json()["errors"])

    def test_tier_by_hand_needs_a_reason_and_is_kept(self):
        url = reverse("api:customer-detail", args=[self.book["a2"].pk])
        refused = self.api("am_a2").patch(url, {"tier": "A"}, format="json")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("tier_reason", refused.json()["errors"])
        ok = self.api("am_a2").patch(url, {"tier": "A", "tier_reason": "战略客户"}, format="json")
        self.assertEqual(ok.status_code, 200, ok.content)
        self.assertTrue(ok.json()["tier_locked"])
        self.assertEqual(ok.json()["tier"], "A")

    def test_stale_if_match_is_412_and_stale_form_is_409(self):
        customer = self.book["b1"]
        url = reverse("api:customer-detail", args=[customer.pk])
        etag = self.api("am_b1").get(url)["ETag"]
        self.api("am_b1").patch(url, {"notes": "第一次"}, format="json")
        stale = self.api("am_b1").patch(url, {"notes": "第二次"}, format="json", HTTP_IF_MATCH=etag)
        self.assertEqual(stale.status_code, 412)
        customer.refresh_from_db()
        page = self.web("am_b1").post(
            reverse("customers:customer-update", args=[customer.pk]),
            {
                "name": customer.name,
                "status": customer.status,
                "tier": customer.tier,
                "annual_value": "0",
                "currency": "CNY",
                "notes": "页面",
                "version": customer.version - 1,
            },
        )
        self.assertEqual(page.status_code, 409)
        customer.refresh_from_db()
        self.assertEqual(customer.notes, "第一次")

    def test_page_create_and_edit(self):
        client = self.web("am_a1")
        response = client.post(
            reverse("customers:customer-create"),
            {
                "name": "广州新客户",
                "status": "lead",
                "tier": "C",
                "annual_value": "100",
                "currency": "CNY",
            },
        )
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        customer = Customer.objects.get(name="广州新客户")
        self.assertEqual(customer.owner, self.p.am_a1)
        response = client.post(
            reverse("customers:customer-update", args=[customer.pk]),
            {
                "name": "广州新客户",
                "status": "active",
                "tier": customer.tier,
                "annual_value": "100",
                "currency": "CNY",
                "version": customer.version,
            },
        )
        self.assertEqual(response.status_code, 200)  # lead → active is not allowed
        self.assertIn("status", response.context["form"].errors)

    def test_page_bad_input_shows_field_errors(self):
        response = self.web("am_a1").post(
            reverse("customers:customer-create"),
            {"name": "", "uscc": "123", "status": "lead", "tier": "C", "currency": "CNY"},
        )
        self.assertEqual(response.status_code, 200)
        errors = response.context["form"].errors
        self.assertIn("name", errors)
        self.assertIn("uscc", errors)

    def test_html_in_names_is_escaped(self):
        make_customer("<script>alert(1)</script>公司", self.p.am_a1)
        for url in (
            reverse("customers:customer-list"),
            Customer.objects.get(name__startswith="<script>").get_absolute_url(),
        ):
            body = self.web("am_a1").get(url).content.decode()
            self.assertNotIn("<script>alert(1)</script>", body)
            self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", body)

    def test_archive_not_delete(self):
        url = reverse("api:customer-detail", args=[self.book["a2"].pk])
        self.assertEqual(self.api("am_a2").delete(url).status_code, 405)
        response = self.api("am_a2").post(
            reverse("api:customer-archive", args=[self.book["a2"].pk])
        )
        self.assertEqual(response.status_code, 200)
        self.assertIsNotNone(response.json()["archived_at"])

    def test_history_is_404_out_of_scope(self):
        url = reverse("api:customer-history", args=[self.book["a1"].pk])
        self.assertEqual(self.api("am_a1").get(url).status_code, 200)
        self.assertEqual(self.api("outsider").get(url).status_code, 404)


class CustomerQueryCountTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def _grow(self):
        for i in range(6):
            customer = make_customer(f"增长客户{i}", self.p.am_a1)
            customer.tags.create(name=f"标签{i}")
            add_contact(customer, self.p.am_a1, name=f"联系人{i}", mobile="13800138000")
            log(customer, self.p.am_a1)

    def test_list_page_query_count_is_constant(self):
        client = self.web("lead_a")
        url = reverse("customers:customer-list")
        self.assertQueriesConstant(lambda: client.get(url), self._grow, at_most=16)

    def test_list_page_deep_page_is_constant(self):
        client = self.web("am_a1")
        url = reverse("customers:customer-list")

        def grow():
            for i in range(101):
                make_customer(f"客户{i:03d}", self.p.am_a1)

        self.assertQueriesConstant(lambda: client.get(url), grow, at_most=16)
        page2 = client.get(url, {"page": 2})
        self.assertEqual(page2.status_code, 200)
        self.assertEqual(len(page2.context["object_list"]), 4)  # 104: 101 + a1, shared, pool_a

    def test_api_list_query_count_is_constant(self):
        client = self.api("lead_a")
        url = reverse("api:customer-list")
        self.assertQueriesConstant(lambda: client.get(url), self._grow, at_most=10)

    def test_360_page_query_count_is_constant(self):
        client = self.web("am_a1")
        customer = self.book["a1"]
        url = customer.get_absolute_url()
        seed = log(customer, self.p.am_a1)  # prefetches run from the first row on
        seed.contacts.add(add_contact(customer, self.p.am_a1, name="首位"))

        def grow():
            for i in range(4):
                contact = add_contact(customer, self.p.am_a1, name=f"人{i}", mobile="13900139000")
                fu = log(customer, self.p.am_a1)
                fu.contacts.add(contact)
            from rapport.customers.services.customers import customer_update

            fresh = Customer.objects.get(pk=customer.pk)
            customer_update(actor=self.p.am_a1, customer=fresh, data={"notes": "变化"})

        count = self.assertQueriesConstant(lambda: client.get(url), grow, at_most=30)
        self.assertGreater(count, 0)
