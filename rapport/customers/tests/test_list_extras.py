"""Saved views on every list of the book, the contact list's sorts, deep pages of the
opportunity list, and a lead's bulk assignment."""

from __future__ import annotations

from django.urls import reverse

from rapport.core.saved_views import saved_view_create
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, OwnershipEvent
from rapport.customers.tests._book import add_contact, build_book, make_customer
from rapport.sales.models import Opportunity
from rapport.sales.services import opportunity_create

LISTS = {
    "contacts": "customers:contact-list",
    "follow-ups": "customers:followup-list",
    "opportunities": "sales:opportunity-list",
}


class SavedViewsOnEveryListTests(PersonaTestCase):
    def test_a_view_saved_on_a_list_shows_there_only(self):
        client = self.web("am_a1")
        for key, url_name in LISTS.items():
            with self.subTest(list=key):
                response = client.post(
                    reverse("core:savedview-save"),
                    {"list_key": key, "name": f"视图-{key}", "query": "q=上海&bogus=1"},
                )
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse(url_name), response["Location"])
                page = client.get(reverse(url_name))
                self.assertContains(page, f"视图-{key}")
                self.assertContains(page, 'data-testid="saved-views"')
                others = [other for other in LISTS if other != key]
                for other in others:
                    self.assertNotContains(page, f"视图-{other}")
                customers = client.get(reverse("customers:customer-list"))
                self.assertNotContains(customers, f"视图-{key}")

    def test_only_registered_keys_are_kept(self):
        view = saved_view_create(
            actor=self.p.am_a1,
            list_key="opportunities",
            name="赢单",
            query="status=won&sort=-amount&page=4&evil=<script>",
        )
        self.assertEqual(view.query, "sort=-amount&status=won")


class ContactSortTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        customer = make_customer("上海远景科技有限公司", cls.p.am_a1)
        cls.names = ["王五", "Adams", "张三", "Baker"]
        for name in cls.names:
            add_contact(customer, cls.p.am_a1, name=name)

    def names_of(self, response):
        return [contact.name for contact in response.context["object_list"]]

    def test_by_name_by_default_and_newest_first_on_request(self):
        client = self.web("am_a1")
        url = reverse("customers:contact-list")
        self.assertEqual(self.names_of(client.get(url)), sorted(self.names))
        newest = self.names_of(client.get(url, {"sort": "-created"}))
        self.assertEqual(newest, list(reversed(self.names)))
        api = self.api("am_a1").get(reverse("api:contact-list"), {"sort": "-created"})
        self.assertEqual([row["name"] for row in api.json()["results"]], newest)

    def test_an_unknown_sort_is_refused_with_the_field_named(self):
        response = self.api("am_a1").get(reverse("api:contact-list"), {"sort": "password"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("sort", response.content.decode())


class OpportunityDeepPageTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        customer = make_customer("上海远景科技有限公司", cls.p.am_a1)
        for i in range(105):
            opportunity_create(
                actor=cls.p.am_a1, data={"customer": customer, "name": f"商机{i:03d}"}
            )

    def test_pages_neither_repeat_nor_skip_and_queries_stay_flat(self):
        client = self.web("am_a1")
        url = reverse("sales:opportunity-list")
        first = client.get(url, {"sort": "name"})
        second = client.get(url, {"sort": "name", "page": 2})
        names = [o.name for o in first.context["object_list"]]
        names += [o.name for o in second.context["object_list"]]
        self.assertEqual(names, [f"商机{i:03d}" for i in range(105)])
        self.assertIsNotNone(Opportunity.objects.filter(name="商机000").first())
        api = self.api("am_a1")
        pages = [
            api.get(reverse("api:opportunity-list"), {"page": n, "page_size": 50}).json()
            for n in (1, 2, 3)
        ]
        self.assertEqual(sum(len(page["results"]) for page in pages), 105)
        self.assertEqual(pages[0]["count"], 105)


class LeadBulkAssignTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def test_a_lead_assigns_pool_and_team_customers_in_bulk_with_a_reason(self):
        pool_a, a1, b1 = self.book["pool_a"], self.book["a1"], self.book["b1"]
        response = self.web("lead_a").post(
            reverse("customers:customer-bulk"),
            {
                "verb": "assign",
                "ids": [pool_a.pk, a1.pk, b1.pk],
                "to_owner": self.p.am_a2.pk,
                "reason": "季度调整",
            },
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Customer.objects.get(pk=pool_a.pk).owner, self.p.am_a2)
        self.assertEqual(Customer.objects.get(pk=b1.pk).owner, self.p.am_b1)  # out of scope
        moves = OwnershipEvent.objects.filter(to_owner=self.p.am_a2, reason="季度调整")
        self.assertIn(pool_a.pk, set(moves.values_list("customer_id", flat=True)))
        self.assertNotIn(b1.pk, set(moves.values_list("customer_id", flat=True)))
