"""Query count of the full search results page (DESIGN §7): more hits of every kind cost
no more queries."""

from __future__ import annotations

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer
from rapport.search.tests import builders as b


class SearchResultsQueryCountTests(PersonaTestCase):
    def test_results_page_query_count_is_constant(self):
        rounds = iter(range(1000))

        def grow():
            for _ in range(4):
                n = next(rounds)
                for owner in (self.p.am_a1, self.p.am_b1):
                    c = b.customer(owner, f"南京测试{n}{owner.pk}有限公司")
                    b.contact(owner, c, f"南京联系人{n}", mobile=f"1380013{n:04d}")
                    b.opportunity(owner, c, f"南京项目{n}")

        grow()  # something of every kind matches from the start
        url = reverse("search:results")
        for persona, at_most in (("admin", 13), ("lead_a", 13), ("am_a1", 13)):
            with self.subTest(persona=persona):
                client = self.web(persona)
                count = self.assertQueriesConstant(
                    lambda client=client: client.get(url, {"q": "南京"}), grow, at_most=at_most
                )
                self.assertGreater(count, 0)
        results = self.web("am_a1").get(url, {"q": "南京"}).context["results"]
        mine = set(Customer.objects.filter(owner=self.p.am_a1).values_list("pk", flat=True))
        self.assertEqual(len(results.customers), 16)  # 4 a round, 4 rounds; none of am_b1's
        self.assertLessEqual({hit.id for hit in results.customers}, mine)
        self.assertEqual(len(results.opportunities), 16)
