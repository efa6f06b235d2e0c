"""Cadence compliance over a period (issue #3 §4): the day-by-day rule, the report page, its
drill-down to the customers behind each figure, and its scope."""

from __future__ import annotations

import datetime as dt

from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer
from rapport.customers.selectors_cadence import cadence_compliance, overdue_days
from rapport.customers.tests._book import log, make_customer

D0 = dt.date(2026, 3, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


class OverdueDaysTests(SimpleTestCase):
    """On day t the base is the latest contact up to t, or since when the owner holds it;
    t is overdue when t - base > cadence."""

    def test_contacted_every_cadence_is_never_overdue(self):
        contacts = [day(n) for n in range(-7, 31, 7)]
        self.assertEqual(overdue_days(day(0), day(30), 7, day(-100), contacts), 0)

    def test_a_gap_counts_the_days_past_the_cadence(self):
        # Contacted on day 0 and day 10 with a 7-day cadence: days 8 and 9 were overdue.
        self.assertEqual(overdue_days(day(0), day(10), 7, day(-100), [day(0), day(10)]), 2)

    def test_never_contacted_and_held_long_before_is_overdue_every_day(self):
        self.assertEqual(overdue_days(day(0), day(9), 7, day(-100), []), 10)

    def test_claimed_mid_period_gets_its_cadence_as_grace(self):
        # Held from day 5, never contacted: overdue from day 13 to day 20.
        self.assertEqual(overdue_days(day(5), day(20), 7, day(5), []), 8)

    def test_a_contact_just_before_the_period_counts(self):
        # Contacted 3 days before the period: due until day 4, overdue days 5..10.
        self.assertEqual(overdue_days(day(0), day(10), 7, day(-100), [day(-3)]), 6)

    def test_contacts_after_the_end_are_ignored(self):
        self.assertEqual(overdue_days(day(0), day(9), 7, day(-100), [day(12)]), 10)


def _at(date: dt.date, hour: int = 10) -> dt.datetime:
    """`hour` o'clock on `date`, but never in the future (before 10:00 today it is now)."""
    return min(timezone.make_aware(dt.datetime.combine(date, dt.time(hour))), timezone.now())


class CadenceReportTests(PersonaTestCase):
    """am_a1 holds `kept` (tier A, called weekly) and `missed` (tier A, called once);
    am_a2 holds `fresh` (claimed 2 days ago); am_b1 in the other team holds `other`."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        today = timezone.localdate()
        cls.kept = make_customer("按时客户", p.am_a1)
        cls.missed = make_customer("逾期客户", p.am_a1)
        cls.fresh = make_customer("新领客户", p.am_a2)
        cls.other = make_customer("北方客户", p.am_b1)
        long_ago = _at(today - dt.timedelta(days=200))
        Customer.objects.filter(pk__in=[cls.kept.pk, cls.missed.pk, cls.other.pk]).update(
            tier="A", tier_locked=True, owned_since=long_ago
        )
        Customer.objects.filter(pk=cls.fresh.pk).update(
            tier="A", tier_locked=True, owned_since=_at(today - dt.timedelta(days=2))
        )
        for back in range(0, 40, 5):
            log(cls.kept, p.am_a1, occurred_at=_at(today - dt.timedelta(days=back)))
        log(cls.missed, p.am_a1, occurred_at=_at(today - dt.timedelta(days=20)))
        cls.url = reverse("customers:cadence-report")

    def test_the_lead_sees_each_account_manager_of_the_team(self):
        today = timezone.localdate()
        rows = cadence_compliance(self.p.lead_a, today - dt.timedelta(days=29), today)
        by_owner = {row.owner_id: row for row in rows}
        self.assertEqual(set(by_owner), {self.p.am_a1.pk, self.p.am_a2.pk})
        a1 = by_owner[self.p.am_a1.pk]
        self.assertEqual((a1.total, a1.kept, a1.missed, a1.share), (2, 1, 1, 50))
        missed = next(entry for entry in a1.customers if entry.customer_id == self.missed.pk)
        # Contacted 20 days ago with a 7-day cadence; before that, nothing for 200 days.
        self.assertEqual(missed.overdue_days, 30 - 8)
        self.assertEqual(by_owner[self.p.am_a2.pk].share, 100)  # claimed 2 days ago
        self.assertEqual(rows[0].owner_id, self.p.am_a1.pk)  # weakest first

    def test_the_page_shows_the_figures_and_opens_the_customers_behind_them(self):
        client = self.web("lead_a")
        response = client.get(self.url, {"period": "30"})
        self.assertContains(response, "2 of 3 customers kept their cadence")
        self.assertContains(response, f'data-testid="missed-{self.p.am_a1.pk}"')
        missed = client.get(
            self.url, {"period": "30", "owner": self.p.am_a1.pk, "result": "missed"}
        )
        self.assertContains(missed, self.missed.name)
        self.assertNotContains(missed, self.kept.name)
        kept = client.get(self.url, {"period": "30", "owner": self.p.am_a1.pk, "result": "kept"})
        self.assertContains(kept, self.kept.name)
        self.assertNotContains(kept, self.missed.name)

    def test_an_account_manager_sees_only_their_own_customers(self):
        client = self.web("am_a2")
        response = client.get(self.url, {"period": "30"})
        self.assertContains(response, "1 of 1 customers kept their cadence")
        self.assertNotContains(response, self.p.am_a1.display_name)
        snooping = client.get(self.url, {"period": "30", "owner": self.p.am_a1.pk})
        self.assertNotContains(snooping, self.missed.name)

    def test_out_of_scope_owners_show_nothing(self):
        for persona in ("lead_a", "outsider", "qm"):
            response = self.web(persona).get(
                self.url, {"period": "30", "owner": self.p.am_b1.pk, "result": ""}
            )
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, self.other.name)
        admin = self.web("admin").get(self.url, {"period": "30", "owner": self.p.am_b1.pk})
        self.assertContains(admin, self.other.name)

    def test_a_period_before_a_customer_was_held_leaves_it_out(self):
        today = timezone.localdate()
        start, end = today - dt.timedelta(days=60), today - dt.timedelta(days=30)
        rows = cadence_compliance(self.p.lead_a, start, end)
        self.assertEqual({row.owner_id for row in rows}, {self.p.am_a1.pk})

    def test_bad_periods_name_the_field_and_the_rule(self):
        client = self.web("lead_a")
        today = timezone.localdate()
        cases = [
            ({"period": "custom"}, "Give the first day of the period."),
            (
                {"period": "custom", "start": today, "end": today - dt.timedelta(days=1)},
                "The last day must not be before the first day.",
            ),
            (
                {"period": "custom", "start": today - dt.timedelta(days=400), "end": today},
                "A period is at most 366 days long.",
            ),
            ({"period": "custom", "start": "2026-13-45", "end": today}, "Enter a valid date."),
            ({"period": "<script>x</script>"}, "Select a valid choice."),
        ]
        for query, message in cases:
            with self.subTest(query=query):
                response = client.get(self.url, query)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, message)
                self.assertNotContains(response, "<script>x</script>")
                self.assertNotContains(response, 'data-testid="cadence-table"')

    def test_the_page_speaks_chinese(self):
        client = self.web("lead_a")
        response = client.get(self.url, {"period": "30"}, headers={"accept-language": "zh-hans"})
        self.assertContains(response, "跟进频率达标率")

    def test_query_count_does_not_grow_with_customers_or_follow_ups(self):
        client = self.web("lead_a")
        today = timezone.localdate()

        def grow():
            for i in range(5):
                customer = make_customer(f"增长{i}", self.p.am_a2)
                log(customer, self.p.am_a2, occurred_at=_at(today - dt.timedelta(days=i)))

        self.assertQueriesConstant(lambda: client.get(self.url, {"period": "30"}), grow, at_most=9)
        drill = {"period": "30", "owner": self.p.am_a2.pk}
        self.assertQueriesConstant(lambda: client.get(self.url, drill), grow, at_most=10)

    def test_the_home_panel_links_the_report_and_the_customers_within_cadence(self):
        response = self.web("lead_a").get(reverse("home"))
        self.assertContains(response, self.url)
        self.assertContains(response, f"owner={self.p.am_a1.pk}&amp;due=on_time")
