"""Home panels of the customer book: what an AM and a lead see, the compliance figures,
links to the customers behind each figure, and constant query counts."""

from __future__ import annotations

import datetime as dt

from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PersonaTestCase
from rapport.customers import panels
from rapport.customers.models import Customer
from rapport.customers.services.pool import customer_release, customer_transfer
from rapport.customers.tests.pool_helpers import (
    default_rules,
    make_pool,
    owned_customer,
    pool_customer,
)


def due(customer, days_from_today: int) -> Customer:
    day = timezone.localdate() + dt.timedelta(days=days_from_today)
    Customer.objects.filter(pk=customer.pk).update(contact_due_on=day)
    return customer


class PanelTests(PersonaTestCase):
    def setUp(self):
        default_rules()
        self.pool = make_pool("A pool", self.p.team_a, reclaim_days_d=30)
        self.counter = 0

    def request(self, persona: str):
        request = RequestFactory().get("/")
        request.user = getattr(self.p, persona)
        return request

    def add(self, owner, days: int) -> Customer:
        self.counter += 1
        return due(owned_customer(f"客户{self.counter}", owner), days)

    def test_am_due_today_and_overdue(self):
        today = self.add(self.p.am_a1, 0)
        late = self.add(self.p.am_a1, -3)
        self.add(self.p.am_a1, 5)
        self.add(self.p.am_a2, -3)  # someone else's
        data = panels.due_today(self.request("am_a1"))
        self.assertEqual([c.pk for c in data["customers"]], [today.pk])
        data = panels.overdue(self.request("am_a1"))
        self.assertEqual(([c.pk for c in data["customers"]], data["count"]), ([late.pk], 1))
        self.assertIn(f"owner={self.p.am_a1.pk}", data["more_url"])
        self.assertIn("due=overdue", data["more_url"])

    def test_am_claimable_leaves_out_cooldown_and_other_pools(self):
        mine = self.add(self.p.am_a1, 0)
        customer_release(actor=self.p.am_a1, customer=mine, reason="不跟了")
        free = pool_customer("可领", self.pool)
        other = pool_customer("别组", make_pool("B pool", self.p.team_b))
        data = panels.claimable(self.request("am_a1"))
        ids = [c.pk for c in data["customers"]]
        self.assertEqual(ids, [free.pk])
        self.assertNotIn(other.pk, ids)
        self.assertEqual(data["held"], 0)

    def test_am_reclaim_warnings(self):
        soon = owned_customer("快回收", self.p.am_a1)
        Customer.objects.filter(pk=soon.pk).update(
            reclaim_on=timezone.localdate() + dt.timedelta(days=2), reclaim_rule="no_follow_up:30:D"
        )
        data = panels.reclaim_soon(self.request("am_a1"))
        self.assertEqual([(c.pk, left) for c, _rule, left in data["warnings"]], [(soon.pk, 2)])
        self.assertEqual(panels.reclaim_soon(self.request("am_a2"))["count"], 0)

    def test_cadence_compliance_by_am(self):
        for days in (0, 3, 10, -1):
            self.add(self.p.am_a1, days)
        for days in (-1, -5):
            self.add(self.p.am_a2, days)
        self.add(self.p.am_b1, -9)  # team_b: not lead_a's
        data = panels.cadence_compliance(self.request("lead_a"))
        rows = {row["owner_id"]: row for row in data["rows"]}
        self.assertEqual(set(rows), {self.p.am_a1.pk, self.p.am_a2.pk})
        self.assertEqual(
            (rows[self.p.am_a1.pk]["share"], rows[self.p.am_a1.pk]["overdue"]), (75, 1)
        )
        self.assertEqual((rows[self.p.am_a2.pk]["share"], rows[self.p.am_a2.pk]["overdue"]), (0, 2))
        self.assertEqual((data["total"], data["share"]), (6, 50))
        self.assertIn(f"owner={self.p.am_a2.pk}&due=overdue", rows[self.p.am_a2.pk]["overdue_url"])
        # The figure is exactly the customers the filtered list would show.
        behind = Customer.objects.filter(
            owner=self.p.am_a2, contact_due_on__lt=timezone.localdate()
        )
        self.assertEqual(behind.count(), rows[self.p.am_a2.pk]["overdue"])
        self.assertEqual(panels.cadence_compliance(self.request("lead_b"))["total"], 1)

    def test_overdue_by_am(self):
        self.add(self.p.am_a1, -2)
        self.add(self.p.am_a2, -7)
        self.add(self.p.am_a2, -1)
        self.add(self.p.am_a2, 4)
        data = panels.overdue_by_owner(self.request("lead_a"))
        rows = [(row["owner_id"], row["overdue"], row["days"]) for row in data["rows"]]
        self.assertEqual(rows, [(self.p.am_a2.pk, 2, 7), (self.p.am_a1.pk, 1, 2)])

    def test_ownership_moves_this_week_in_scope(self):
        customer = self.add(self.p.am_a1, 0)
        customer_transfer(
            actor=self.p.lead_a, customer=customer, to_owner=self.p.am_a2, reason="休假"
        )
        self.add(self.p.am_b1, 0)
        data = panels.ownership_moves(self.request("lead_a"))
        moves = [(e.move, e.customer_id) for e in data["events"]]
        self.assertIn(("transfer", customer.pk), moves)
        self.assertTrue(all(e.customer.team_id == self.p.team_a.pk for e in data["events"]))
        self.assertEqual(panels.ownership_moves(self.request("lead_b"))["total"], 1)

    def test_home_pages_render_the_panels_with_constant_queries(self):
        pool_customer("已有", self.pool)  # an empty pool skips the cooldown query
        for persona, keys in (
            ("am_a1", ["am-due-today", "am-overdue", "am-reclaim", "am-pool"]),
            ("lead_a", ["lead-cadence", "lead-overdue", "lead-moves"]),
        ):
            with self.subTest(persona=persona):
                client = self.web(persona)
                response = client.get(reverse("home"))
                self.assertEqual(response.status_code, 200)
                for key in keys:
                    self.assertContains(response, f'data-panel="{key}"')

                def grow():
                    for days in (-4, -2, 0, 0, 1):
                        self.add(self.p.am_a1, days)
                        self.add(self.p.am_a2, days)
                    pool_customer(f"池{self.counter}", self.pool)
                    pool_customer(f"池{self.counter}b", self.pool)

                self.assertQueriesConstant(
                    lambda c=client: c.get(reverse("home")), grow, at_most=60
                )

    def test_home_shows_compliance_links(self):
        self.add(self.p.am_a1, -2)
        response = self.web("lead_a").get(reverse("home"))
        self.assertContains(response, f"owner={self.p.am_a1.pk}&amp;due=overdue")
