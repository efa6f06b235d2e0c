"""The customer list's `q`: from three characters through the search index, shorter text
anywhere in the name by a scan; the same on the page and the API, within scope."""

from __future__ import annotations

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.customers.tests.pool_helpers import owned_customer


class ListSearchTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mine = owned_customer("北京远景科技有限公司", cls.p.am_a1, short_name="远景")
        cls.other = owned_customer("上海远景科技有限公司", cls.p.am_b1)
        owned_customer("广州宏图贸易有限公司", cls.p.am_a1)

    def names(self, persona: str, q: str) -> set[str]:
        page = self.web(persona).get(reverse("customers:customer-list"), {"q": q})
        api = self.api(persona).get(reverse("api:customer-list"), {"q": q})
        self.assertEqual(page.status_code, 200)
        from_api = {row["name"] for row in api.json()["results"]}
        from_page = {row.name for row in page.context["object_list"]}
        self.assertEqual(from_page, from_api)
        return from_page

    def test_three_characters_and_more_use_the_index(self):
        for q in ("远景科技", "yuanjingkeji", "bjyjkj", "北京远景", "ＹＵＡＮＪＩＮＧ"):
            with self.subTest(q=q):
                self.assertEqual(self.names("am_a1", q), {"北京远景科技有限公司"})

    def test_two_characters_are_found_anywhere_in_the_name(self):
        self.assertEqual(self.names("am_a1", "科技"), {"北京远景科技有限公司"})
        self.assertEqual(self.names("am_a1", "贸易"), {"广州宏图贸易有限公司"})

    def test_matches_outside_scope_stay_hidden(self):
        self.assertEqual(self.names("am_b1", "远景科技"), {"上海远景科技有限公司"})
        self.assertEqual(
            self.names("admin", "远景科技"), {"北京远景科技有限公司", "上海远景科技有限公司"}
        )
        self.assertEqual(self.names("outsider", "远景科技"), set())

    def test_phone_like_text_is_matched_as_typed(self):
        customer = owned_customer("天津恒通机械有限公司", self.p.am_a1, uscc="91120000MA05ABCD14")
        self.assertNotIn(customer.name, self.names("am_a1", "0091"))
        self.assertNotIn(customer.name, self.names("am_a1", "(911)"))
