"""Wording on the customer pages that browser screenshots caught: the yes/no filters say
"Any" (not "Unknown"), the bulk bar's count is a translatable "N selected", the 360 page
writes money as the list does, and the reclaim rule reads without nested brackets."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer
from rapport.customers.services.schedule import describe_rule
from rapport.customers.tests._book import build_book


class YesNoFilterTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def options(self, html: str, name: str) -> str:
        start = html.index(f'name="{name}"')
        return html[start : html.index("</select>", start)]

    def test_in_pool_and_archived_offer_any_yes_no(self):
        html = self.web("lead_a").get(reverse("customers:customer-list")).content.decode()
        for name in ("in_pool", "archived"):
            options = self.options(html, name)
            self.assertRegex(options, r'<option value=""( selected)?>Any</option>')
            self.assertIn('value="true"', options)
            self.assertIn('value="false"', options)
            self.assertNotIn("Unknown", options)
        # The page's own default (live rows) is what the Archived select shows.
        self.assertIn('<option value="false" selected>No</option>', self.options(html, "archived"))

    def test_any_means_no_filter_and_yes_no_still_filter(self):
        def names(value):
            response = self.api("lead_a").get(reverse("api:customer-list"), {"in_pool": value})
            self.assertEqual(response.status_code, 200, response.content)
            return sorted(row["name"] for row in response.json()["results"])

        self.assertEqual(names("true"), ["苏州公海客户"])
        self.assertNotIn("苏州公海客户", names("false"))
        self.assertEqual(names(""), sorted(names("true") + names("false")))

    def test_bulk_count_text_is_translated_for_the_script(self):
        html = self.web("lead_a").get(reverse("customers:customer-list")).content.decode()
        self.assertIn('data-selected="__N__ selected"', html)

    def test_annual_value_is_written_as_in_the_list(self):
        Customer.objects.filter(pk=self.book["a1"].pk).update(annual_value=Decimal("1234567.00"))
        customer = Customer.objects.get(pk=self.book["a1"].pk)
        page = self.web("lead_a").get(customer.get_absolute_url()).content.decode()
        listing = self.web("lead_a").get(reverse("customers:customer-list")).content.decode()
        for html in (page, listing):
            self.assertIn('1,234,567 <small class="muted">CNY</small>', html)
        self.assertNotIn("1,234,567.00", page)


class RuleWordingTests(PersonaTestCase):
    def test_reclaim_rule_has_no_brackets_of_its_own(self):
        # It is shown inside brackets: "… on 2027-01-28 (no follow-up for 30 days, tier B)".
        text = describe_rule("no_follow_up:30:B")
        self.assertEqual(text, "no follow-up for 30 days, tier B")
