"""Query counts of the customer book's lists that had none: the pools (page and API), the
tier rules, and the 360 page as opportunities, stage moves and ownership moves pile up
(DESIGN §7: no page's query count grows with its rows)."""

from __future__ import annotations

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, Pool, TierRule
from rapport.customers.services.customers import customer_update
from rapport.customers.services.pool import customer_transfer, pool_create
from rapport.customers.tests._book import add_contact, build_book, log
from rapport.customers.tests.pool_helpers import DEFAULT_RULES
from rapport.sales.services import opportunity_create, opportunity_move
from rapport.sales.tests.helpers import stage


class BookListQueryCountTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def check(self, persona, url, grow, at_most, api=False):
        client = self.api(persona) if api else self.web(persona)
        count = self.assertQueriesConstant(lambda: client.get(url), grow, at_most=at_most)
        self.assertGreater(count, 0)
        return client.get(url)

    def grow_pools(self):
        p = self.p
        for team in (p.team_a, p.team_a, p.team_b, p.sales):
            pool_create(
                actor=p.admin,
                data={"name": f"公海{Pool.objects.count()}", "team": team, "admin": p.am_a1},
                members=[p.am_a1, p.am_a2, p.am_b1],
            )

    def test_pool_list_page_and_api(self):
        page = self.check("admin", reverse("customers:pool-list"), self.grow_pools, 8)
        self.assertEqual(len(page.context["object_list"]), 5)  # 华东公海 and 4 more
        self.check("lead_a", reverse("customers:pool-list"), self.grow_pools, 8)
        api = self.check("am_a1", reverse("api:pool-list"), self.grow_pools, 5, api=True)
        self.assertEqual(api.json()["count"], 1 + 4 * 3)  # a member of every pool
        self.assertEqual(len(api.json()["results"][0]["members"]), 3)

    def test_tier_rules_page(self):
        TierRule.objects.filter(tier__in=["B", "C", "D"]).delete()

        def grow():
            for tier in ("B", "C", "D"):
                days, minimum, strategic = DEFAULT_RULES[tier]
                TierRule.objects.create(
                    tier=tier, cadence_days=days, min_annual_value=minimum, for_strategic=strategic
                )

        page = self.check("admin", reverse("customers:tier-rules"), grow, 6)
        self.assertEqual([rule.tier for rule in page.context["rules"]], ["A", "B", "C", "D"])

    def test_360_page_with_opportunities_stage_moves_and_ownership_moves(self):
        p = self.p
        customer = self.book["a1"]
        url = customer.get_absolute_url()
        rounds = iter(range(100))

        def grow():
            nonlocal customer
            n = next(rounds)
            lead = p.lead_a  # the lead writes, whoever owns the customer this round
            contact = add_contact(customer, lead, name=f"联系人{n}", mobile="13900139000")
            log(customer, lead, f"跟进{n}").contacts.add(contact)
            deal = opportunity_create(
                actor=lead, data={"customer": customer, "name": f"项目{n}", "owner": p.am_a1}
            )
            opportunity_move(actor=lead, opportunity=deal, stage=stage("需求确认"))
            opportunity_move(actor=lead, opportunity=deal, stage=stage("方案报价"))
            customer = Customer.objects.get(pk=customer.pk)
            customer = customer_update(actor=lead, customer=customer, data={"notes": f"第{n}轮"})
            for owner in (p.am_a2, p.am_a1):  # away and back: two ownership moves
                customer = customer_transfer(
                    actor=lead, customer=customer, to_owner=owner, reason="轮换"
                )

        def grow_more():
            for _ in range(3):
                grow()

        grow()  # every kind of row from the start, so every prefetch already runs
        response = self.check("am_a1", url, grow_more, 22)
        self.assertEqual(len(response.context["opportunities"]), 4)
        kinds = {item.kind for item in response.context["timeline"]}
        self.assertEqual(kinds, {"follow_up", "stage", "ownership", "change"})
        # Created, then 4 rounds of a follow-up, 3 stage moves, a change and 2 moves.
        self.assertEqual(len(response.context["timeline"]), 1 + 4 * 7)
