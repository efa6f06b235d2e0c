"""The search box: scope, pinyin, phones in any spelling, USCC, email, hostile and long
queries, query counts, pages and API (issue #3 §9)."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.search.selectors import MAX_QUERY, find_spans, parse_query, search
from rapport.search.tests import builders as b


def names(hits) -> set[str]:
    return {hit.title.split(" · ")[0] for hit in hits}


class SearchTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.bjkj = b.customer(p.am_a1, "北京科技有限公司", short_name="北科", uscc=b.USCC_1)
        cls.acme = b.customer(p.am_a2, "Acme Trading Co., Ltd.", short_name="ACME")
        cls.north = b.customer(p.am_b1, "北方重工股份有限公司", uscc=b.USCC_2)
        cls.zhang = b.contact(
            p.am_a1, cls.bjkj, "张伟", mobile="13800138000", email="Zhang.Wei@Example.com"
        )
        cls.li = b.contact(p.am_b1, cls.north, "李娜", mobile="13912345678")
        cls.deal = b.opportunity(p.am_a1, cls.bjkj, "北京数据平台项目")
        cls.north_deal = b.opportunity(p.am_b1, cls.north, "重工ERP升级")


class SearchMatchingTests(SearchTestCase):
    def find(self, q, persona="admin"):
        return search(user=getattr(self.p, persona), q=q)

    def test_pinyin_initials_and_full_find_the_chinese_name(self):
        for q in ("bjkj", "beijingkeji", "BeiJing", "北京科技"):
            with self.subTest(q=q):
                self.assertIn("北京科技有限公司", names(self.find(q).customers))

    def test_short_name_and_case_and_width(self):
        self.assertIn("Acme Trading Co., Ltd.", names(self.find("acme trading").customers))
        self.assertIn("Acme Trading Co., Ltd.", names(self.find("ＡＣＭＥ").customers))
        self.assertIn("北京科技有限公司", names(self.find("北科").customers))

    def test_phone_in_every_spelling(self):
        spellings = [
            "13800138000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "0086 138 0013 8000",
            "8613800138000",
            "8000",
            "0013 8000",
        ]
        for q in spellings:
            with self.subTest(q=q):
                contacts = self.find(q).contacts
                self.assertEqual([hit.id for hit in contacts], [self.zhang.pk])

    def test_uscc_any_case(self):
        self.assertEqual([h.id for h in self.find(b.USCC_1.lower()).customers], [self.bjkj.pk])
        self.assertEqual([h.id for h in self.find(b.USCC_2).customers], [self.north.pk])

    def test_email_case_insensitive(self):
        hits = self.find("zhang.wei@EXAMPLE.com").contacts
        self.assertEqual([hit.id for hit in hits], [self.zhang.pk])
        self.assertIn("Zhang.Wei@Example.com", hits[0].title)

    def test_opportunities_by_name_and_pinyin(self):
        self.assertIn(self.deal.pk, [h.id for h in self.find("数据平台").opportunities])
        self.assertIn(self.deal.pk, [h.id for h in self.find("sjpt").opportunities])

    def test_prefix_matches_come_first(self):
        b.customer(self.p.am_a1, "上海北京科技贸易有限公司")
        hits = self.find("北京科技").customers
        self.assertEqual(hits[0].title, "北京科技有限公司")

    def test_archived_records_are_not_found(self):
        from rapport.core.services import archive_object

        archive_object(actor=self.p.admin, obj=self.acme)
        self.assertEqual(self.find("acme").customers, [])

    def test_highlight_marks_the_match(self):
        query = parse_query("bjkj")
        self.assertEqual(find_spans("北京科技有限公司", query), [(0, 4)])
        self.assertEqual(find_spans("北京科技有限公司", parse_query("beijingke")), [(0, 3)])
        self.assertEqual(find_spans("138 0013 8000", parse_query("8000")), [(9, 13)])
        hit = self.find("8000").contacts[0]
        self.assertIn("<mark>8000</mark>", hit.title_html)

    def test_like_wildcards_are_literal(self):
        self.assertEqual(self.find("%").count, 0)
        self.assertEqual(self.find("_").count, 0)
        self.assertEqual(self.find('"').count, 0)


class SearchScopeTests(SearchTestCase):
    def test_outsider_sees_nothing(self):
        for q in ("北京", "bjkj", "13800138000", "acme", b.USCC_2, "重工"):
            with self.subTest(q=q):
                self.assertEqual(search(user=self.p.outsider, q=q).count, 0)

    def test_account_manager_sees_only_their_book(self):
        results = search(user=self.p.am_a1, q="有限公司")
        self.assertEqual(names(results.customers), {"北京科技有限公司"})
        self.assertEqual(search(user=self.p.am_a1, q="13912345678").contacts, [])
        self.assertEqual(search(user=self.p.am_a1, q="重工").opportunities, [])

    def test_lead_sees_their_team_admin_everything(self):
        lead = search(user=self.p.lead_a, q="有限公司")
        self.assertEqual(names(lead.customers), {"北京科技有限公司"})
        lead_acme = search(user=self.p.lead_a, q="acme")
        self.assertEqual(names(lead_acme.customers), {"Acme Trading Co., Ltd."})
        self.assertEqual(search(user=self.p.lead_b, q="bjkj").count, 0)
        everything = search(user=self.p.admin, q="有限公司")
        self.assertEqual(names(everything.customers), {"北京科技有限公司", "北方重工股份有限公司"})

    def test_every_persona_finds_exactly_what_visible_to_allows(self):
        from rapport.core.testing import PERSONAS
        from rapport.customers.models import Contact, Customer
        from rapport.sales.models import Opportunity

        for customer in (self.bjkj, self.acme, self.north):
            b.contact(self.p.admin, customer, "王经理")
        for persona in PERSONAS:
            with self.subTest(persona=persona):
                user = getattr(self.p, persona)
                results = search(user=user, q="wjl")
                contacts = Contact.objects.visible_to(user).filter(name="王经理")
                self.assertEqual({h.id for h in results.contacts}, {c.pk for c in contacts})
                results = search(user=user, q="有限公司")
                customers = Customer.objects.visible_to(user).filter(name__contains="有限公司")
                self.assertEqual({h.id for h in results.customers}, {c.pk for c in customers})
                deals = Opportunity.objects.visible_to(user)
                found = {h.id for h in search(user=user, q="项目").opportunities}
                self.assertTrue(found <= {d.pk for d in deals})

    def test_anonymous_gets_nothing(self):
        from django.contrib.auth.models import AnonymousUser

        self.assertEqual(search(user=AnonymousUser(), q="北京").count, 0)


class SearchPageTests(SearchTestCase):
    def test_pages_need_sign_in(self):
        for name in ("search:results", "search:suggest"):
            response = self.web(None).get(reverse(name), {"q": "北京"})
            self.assertEqual(response.status_code, 302)

    def test_results_page_groups_by_type(self):
        response = self.web("am_a1").get(reverse("search:results"), {"q": "北京"})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<mark>北京</mark>科技有限公司", html)
        self.assertIn("<mark>北京</mark>数据平台项目", html)
        self.assertNotIn("北方重工", html)

    def test_suggest_fragment_for_outsider_is_empty_of_records(self):
        response = self.web("outsider").get(reverse("search:suggest"), {"q": "北京"})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("北京科技", response.content.decode())
        self.assertNotIn('class="search-hit"', response.content.decode())

    def test_html_and_script_in_a_query_are_escaped(self):
        hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
        for name in ("search:results", "search:suggest"):
            html = self.web("am_a1").get(reverse(name), {"q": hostile}).content.decode()
            self.assertNotIn("<script>alert", html)
            self.assertNotIn("<img src=x", html)
            self.assertIn("&lt;script&gt;", html)

    def test_html_in_a_name_is_escaped_in_results(self):
        b.customer(self.p.am_a1, "<b>粗体字</b>公司")
        html = self.web("am_a1").get(reverse("search:suggest"), {"q": "粗体字"}).content.decode()
        self.assertIn("&lt;b&gt;<mark>粗体字</mark>&lt;/b&gt;公司", html)

    def test_very_long_query_is_truncated(self):
        response = self.web("am_a1").get(reverse("search:results"), {"q": "北" * 5000})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(parse_query("北" * 5000).raw), MAX_QUERY)
        api = self.api("am_a1").get(reverse("api:search"), {"q": "x" * 5000})
        self.assertEqual(len(api.json()["query"]), MAX_QUERY)

    def test_empty_query_shows_help(self):
        response = self.web("am_a1").get(reverse("search:results"))
        self.assertContains(response, "bjkj")
        self.assertEqual(self.web("am_a1").get(reverse("search:suggest")).content.strip(), b"")

    def test_header_box_is_on_every_page_for_signed_in_users(self):
        html = self.web("am_a1").get(reverse("search:results")).content.decode()
        self.assertIn('data-testid="search-box"', html)
        self.assertIn("js/search.js", html)

    def test_query_count_is_constant(self):
        client = self.web("admin")
        counter = iter(range(1000))

        def grow():
            for _ in range(5):
                n = next(counter)
                owner = self.p.am_a1
                c = b.customer(owner, f"北京测试{n}有限公司")
                b.contact(owner, c, f"北京联系人{n}", mobile=f"1380013{n:04d}")
                b.opportunity(owner, c, f"北京项目{n}")

        grow()  # something of every type matches from the start
        self.assertQueriesConstant(
            lambda: client.get(reverse("search:suggest"), {"q": "北京"}), grow, at_most=12
        )
        api = self.api("lead_a")
        self.assertQueriesConstant(
            lambda: api.get(reverse("api:search"), {"q": "bj"}), grow, at_most=12
        )


class SearchApiTests(SearchTestCase):
    def test_api_answers_grouped_results(self):
        response = self.api("am_a1").get(reverse("api:search"), {"q": "bjkj"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual([hit["id"] for hit in body["customers"]], [self.bjkj.pk])
        self.assertEqual(body["customers"][0]["kind"], "customer")
        self.assertEqual(body["customers"][0]["highlight"], [[0, 4]])
        self.assertEqual(body["customers"][0]["url"], self.bjkj.get_absolute_url())
        self.assertEqual(body["contacts"], [])

    def test_api_scope_and_auth(self):
        self.assertIn(self.api(None).get(reverse("api:search"), {"q": "x"}).status_code, {401, 403})
        body = self.api("outsider").get(reverse("api:search"), {"q": "北京"}).json()
        self.assertEqual(body["customers"] + body["contacts"] + body["opportunities"], [])

    def test_api_limit_is_validated(self):
        response = self.api("admin").get(reverse("api:search"), {"q": "北", "limit": 500})
        self.assertEqual(response.status_code, 400)
        self.assertIn("limit", response.json()["errors"])
        response = self.api("admin").get(reverse("api:search"), {"q": "有限公司", "limit": 1})
        self.assertEqual(len(response.json()["customers"]), 1)

    def test_api_is_in_the_schema(self):
        response = self.web("admin").get(reverse("api-schema"), {"format": "json"})
        schema = response.json()
        self.assertIn("/api/v1/search/", schema["paths"])
        operation = schema["paths"]["/api/v1/search/"]["get"]
        self.assertIn("200", operation["responses"])


class SearchIndexTests(SearchTestCase):
    def test_the_index_follows_updates(self):
        from rapport.customers.services.customers import customer_update

        customer_update(actor=self.p.am_a2, customer=self.acme, data={"name": "Zenith Ltd"})
        self.assertEqual(search(user=self.p.admin, q="acme trading").customers, [])
        self.assertEqual(len(search(user=self.p.admin, q="zenith").customers), 1)

    def test_the_database_uses_its_index(self):
        from rapport.customers.models import Customer
        from rapport.search.selectors import matching

        sql, params = matching(
            Customer.objects.all(), parse_query("beijing")
        ).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"EXPLAIN {'QUERY PLAN ' if connection.vendor == 'sqlite' else ''}{sql}", params
            )
            plan = " ".join(str(row) for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            self.assertIn("VIRTUAL TABLE INDEX", plan)
        else:
            # A tiny table may be scanned; the index must at least exist and be usable.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT indexname FROM pg_indexes WHERE indexname = 'search_customer_trgm'"
                )
                self.assertEqual(len(cursor.fetchall()), 1)
