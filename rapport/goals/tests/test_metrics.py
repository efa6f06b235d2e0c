"""Each metric on a hand-built book with a known answer (issue #4, correctness)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rapport.core.testing import PersonaTestCase
from rapport.customers.services.merge import customer_merge
from rapport.customers.services.pool import customer_transfer
from rapport.goals import catalog
from rapport.goals.models import ExchangeRate, MetricValue
from rapport.goals.periods import DayRange
from rapport.goals.rates import Rates
from rapport.goals.selectors import Subject, figures
from rapport.goals.snapshots import snapshot_range
from rapport.goals.tests.helpers import at, close, customer, deal, follow_up
from rapport.sales import services as sales

MARCH = DayRange(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
APRIL = DayRange(dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def values(metric: str, days: DayRange) -> dict:
    """{(user id, team id): value} summed over the days, straight from compute()."""
    totals: dict = {}
    for row in catalog.get(metric).compute(days, Rates.load()):
        key = (row.user_id, row.team_id)
        totals[key] = totals.get(key, Decimal(0)) + row.value
    return totals


class FlowMetricTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.acme = customer(p.am_a1, "上海启明软件有限公司", when=at("2026-03-10 02:00"))
        # 23:30 on 31 March in UTC is 07:30 on 1 April in Shanghai: an April follow-up.
        follow_up(p.am_a1, cls.acme, at("2026-03-31 23:30"))
        # 15:59 UTC on 31 March is 23:59 in Shanghai: still March.
        follow_up(p.am_a1, cls.acme, at("2026-03-31 15:59"), kind="visit")
        follow_up(p.am_a1, cls.acme, at("2026-03-05 03:00"))

    def test_follow_ups_fall_on_the_local_day(self):
        p = self.p
        self.assertEqual(values("follow_ups", MARCH), {(p.am_a1.pk, p.team_a.pk): 2})
        self.assertEqual(values("follow_ups", APRIL), {(p.am_a1.pk, p.team_a.pk): 1})
        self.assertEqual(values("visits", MARCH), {(p.am_a1.pk, p.team_a.pk): 1})
        last_day = DayRange(dt.date(2026, 3, 31), dt.date(2026, 3, 31))
        self.assertEqual(values("follow_ups", last_day), {(p.am_a1.pk, p.team_a.pk): 1})

    def test_follow_up_hours_fall_on_the_local_day_and_hour(self):
        p = self.p
        both = DayRange(MARCH.first, APRIL.last)
        rows = {(r.day, r.bucket): r.value for r in catalog.get("follow_up_hours").compute(both)}
        self.assertEqual(
            rows,
            {
                (dt.date(2026, 3, 31), 23): 1,  # 15:59 UTC
                (dt.date(2026, 4, 1), 7): 1,  # 23:30 UTC the day before
                (dt.date(2026, 3, 5), 11): 1,  # 03:00 UTC
            },
        )
        self.assertNotIn("follow_up_hours", {m.key for m in catalog.metrics()})  # not a KPI
        _ = p

    def test_churn_stays_with_the_owner_who_lost_the_customer(self):
        from rapport.customers.services.customers import customer_update
        from rapport.goals.periods import local_today

        p = self.p
        lost = customer(p.am_a1, "流失客户有限公司", status="active")
        customer(p.am_a2, "新建即流失有限公司", status="lost")  # created lost: not churn
        customer_update(
            actor=p.am_a1, customer=lost, data={"status": "lost"}, expected_version=None
        )
        customer_transfer(actor=p.admin, customer=lost, to_owner=p.am_b1, reason="调整")
        today = DayRange(local_today(), local_today())
        self.assertEqual(values("churned_customers", today), {(p.am_a1.pk, p.team_a.pk): 1})

    def test_archived_follow_ups_do_not_count(self):
        from rapport.customers.models import FollowUp

        FollowUp.objects.filter(customer=self.acme, kind="visit").update(
            archived_at=at("2026-04-02 00:00")
        )
        self.assertEqual(values("visits", MARCH), {})

    def test_new_customer_stays_with_its_first_owner_after_a_transfer(self):
        p = self.p
        customer_transfer(actor=p.admin, customer=self.acme, to_owner=p.am_b1, reason="调整")
        self.assertEqual(values("new_customers", MARCH), {(p.am_a1.pk, p.team_a.pk): 1})

    def test_a_merged_duplicate_is_not_a_new_customer(self):
        p = self.p
        twin = customer(p.am_a1, "上海启明软件", when=at("2026-03-12 02:00"))
        self.assertEqual(values("new_customers", MARCH), {(p.am_a1.pk, p.team_a.pk): 2})
        customer_merge(actor=p.admin, winner=self.acme, loser=twin)
        self.assertEqual(values("new_customers", MARCH), {(p.am_a1.pk, p.team_a.pk): 1})

    def test_an_archived_customer_created_in_the_period_still_counts(self):
        from rapport.customers.models import Customer

        Customer.objects.filter(pk=self.acme.pk).update(archived_at=at("2026-04-01 00:00"))
        self.assertEqual(sum(values("new_customers", MARCH).values()), 1)


class DealMetricTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        ExchangeRate.objects.create(
            currency="USD", valid_from=dt.date(2026, 1, 1), rate=Decimal("7")
        )
        ExchangeRate.objects.create(
            currency="USD", valid_from=dt.date(2026, 3, 20), rate=Decimal("7.2")
        )
        cls.acme = customer(p.am_a1, "北京数联科技有限公司")
        cls.big = deal(p.am_a1, cls.acme, "100000", created=at("2026-03-02 01:00"))
        cls.usd_early = deal(
            p.am_a1, cls.acme, "1000", currency="USD", created=at("2026-03-02 01:00")
        )
        cls.usd_late = deal(
            p.am_a1, cls.acme, "1000", currency="USD", created=at("2026-03-02 01:00")
        )
        cls.lost = deal(p.am_a1, cls.acme, "5000", created=at("2026-03-03 01:00"))
        close(p.am_a1, cls.big, at("2026-03-15 02:00"))
        close(p.am_a1, cls.usd_early, at("2026-03-10 02:00"))
        close(p.am_a1, cls.usd_late, at("2026-03-25 02:00"))
        close(p.am_a1, cls.lost, at("2026-03-26 02:00"), won=False)

    def test_revenue_is_converted_at_the_rate_of_the_day_won(self):
        p = self.p
        # 100,000 CNY + 1,000 USD × 7 + 1,000 USD × 7.2
        expected = Decimal("100000") + Decimal("7000") + Decimal("7200")
        self.assertEqual(values("revenue_won", MARCH), {(p.am_a1.pk, p.team_a.pk): expected})
        self.assertEqual(values("opportunities_won", MARCH), {(p.am_a1.pk, p.team_a.pk): 3})
        self.assertEqual(values("opportunities_lost", MARCH), {(p.am_a1.pk, p.team_a.pk): 1})
        self.assertEqual(values("opportunities_created", MARCH), {(p.am_a1.pk, p.team_a.pk): 4})

    def test_a_deal_moved_after_it_was_won_stays_with_the_winner(self):
        p = self.p
        sales.opportunity_update(
            actor=p.admin, opportunity=self.big, data={"owner": p.am_b1}, expected_version=None
        )
        credited = values("revenue_won", MARCH)
        self.assertIn((p.am_a1.pk, p.team_a.pk), credited)
        self.assertNotIn(p.am_b1.pk, {user for user, _team in credited})

    def test_a_currency_without_a_rate_is_refused_by_name(self):
        p = self.p
        euro = deal(p.am_a1, self.acme, "900", currency="EUR", created=at("2026-03-04 01:00"))
        close(p.am_a1, euro, at("2026-03-27 02:00"))
        result = snapshot_range(MARCH)
        self.assertIn("revenue_won", result.errors)
        self.assertIn("EUR", result.errors["revenue_won"])
        # The other metrics are still written; the failed one has no rows at all.
        self.assertFalse(MetricValue.objects.filter(metric="revenue_won").exists())
        self.assertTrue(MetricValue.objects.filter(metric="opportunities_won").exists())

    def test_derived_rates_and_empty_periods(self):
        p = self.p
        snapshot_range(DayRange(dt.date(2026, 2, 1), MARCH.last))
        got = figures(
            p.admin, Subject("user", p.am_a1.pk), MARCH, ["win_rate", "average_deal_size"]
        )
        self.assertEqual(round(got["win_rate"].value, 2), Decimal("75.00"))
        self.assertEqual(round(got["average_deal_size"].value, 2), Decimal("38066.67"))
        february = DayRange(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
        empty = figures(
            p.admin, Subject("user", p.am_a1.pk), february, ["win_rate", "opportunities_won"]
        )
        self.assertIsNone(empty["win_rate"].value)  # nothing closed: no rate, not 0 %
        self.assertEqual(empty["opportunities_won"].value, 0)  # computed, and none
        january = DayRange(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
        never = figures(p.admin, Subject("user", p.am_a1.pk), january, ["opportunities_won"])
        self.assertIsNone(never["opportunities_won"].value)  # never computed: no data

    def test_snapshot_is_idempotent(self):
        first = snapshot_range(MARCH)

        def rows_now():
            found = MetricValue.objects.values_list("metric", "day", "user_id", "value")
            return sorted(found, key=str)

        rows = rows_now()
        second = snapshot_range(MARCH)
        self.assertEqual(first.rows, second.rows)
        self.assertEqual(rows, rows_now())

    def test_team_figure_sums_its_subtree(self):
        p = self.p
        snapshot_range(MARCH)
        sales_dept = figures(p.admin, Subject("team", p.sales.pk), MARCH, ["opportunities_won"])
        team_b = figures(p.admin, Subject("team", p.team_b.pk), MARCH, ["opportunities_won"])
        self.assertEqual(sales_dept["opportunities_won"].value, 3)
        self.assertEqual(team_b["opportunities_won"].value, 0)
