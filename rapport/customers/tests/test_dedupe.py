"""Duplicate checks: what matches (USCC, normalised name, phone, email), what each persona
is shown of a match, the form's live warning, the lookup page, and the bulk check used by
import (issue #3 §6)."""

from __future__ import annotations

from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.customers.dedupe import find_duplicates, find_duplicates_bulk
from rapport.customers.normalize import company_key
from rapport.search.tests import builders as b


class DedupeTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.bjkj = b.customer(p.am_a1, "北京科技有限公司", uscc=b.USCC_1)
        cls.acme = b.customer(p.am_a1, "Acme Trading Co., Ltd.")
        cls.north = b.customer(p.am_b1, "北方重工股份有限公司", uscc=b.USCC_2)
        cls.zhang = b.contact(p.am_a1, cls.bjkj, "张伟", mobile="13800138000", email="zw@bjkj.cn")
        cls.li = b.contact(
            p.am_b1, cls.north, "李娜", mobile="13912345678", email="Li.Na@North.com"
        )


class MatchingTests(DedupeTestCase):
    def ids(self, **kwargs) -> list[int | None]:
        return [m.customer_id for m in find_duplicates(user=self.p.admin, **kwargs)]

    def test_name_suffix_bracket_width_and_case_variants(self):
        for name in [
            "北京科技有限公司",
            "北京科技股份有限公司",
            "北京科技有限责任公司",
            "北京科技（中国）有限公司",
            "北京科技(中国)有限公司",
            "北京科技",
            " 北京 科技 有限公司 ",
        ]:
            with self.subTest(name=name):
                self.assertEqual(self.ids(name=name), [self.bjkj.pk])
        for name in [
            "ACME TRADING CO LTD",
            "Acme Trading Co., Ltd",
            "Ａｃｍｅ　Ｔｒａｄｉｎｇ Ｃｏ．，Ｌｔｄ．",
            "acme trading inc.",
            "Acme-Trading Company Limited",
        ]:
            with self.subTest(name=name):
                self.assertEqual(self.ids(name=name), [self.acme.pk])
        self.assertEqual(self.ids(name="北京科创有限公司"), [])

    def test_uscc_any_case_and_spacing(self):
        self.assertEqual(self.ids(uscc=b.USCC_1.lower()), [self.bjkj.pk])
        self.assertEqual(self.ids(uscc=" " + b.USCC_1[:9] + " " + b.USCC_1[9:]), [self.bjkj.pk])
        self.assertEqual(self.ids(uscc="123"), [])

    def test_phone_in_any_spelling(self):
        for phone in ["13800138000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000"]:
            with self.subTest(phone=phone):
                self.assertEqual(self.ids(phones=[phone]), [self.bjkj.pk])
        self.assertEqual(self.ids(phones=["not a phone"]), [])

    def test_email_case_insensitive(self):
        self.assertEqual(self.ids(emails=["li.na@north.COM"]), [self.north.pk])

    def test_reasons_are_combined_and_ranked(self):
        b.customer(self.p.am_b1, "北京科技发展有限公司")
        matches = find_duplicates(
            user=self.p.admin, name="北京科技", uscc=b.USCC_1, phones=["13800138000"]
        )
        self.assertEqual(matches[0].customer_id, self.bjkj.pk)
        self.assertEqual(matches[0].reasons, ["uscc", "name", "phone"])

    def test_exclude_self_and_archived(self):
        from rapport.core.services import archive_object

        self.assertEqual(self.ids(name="Acme Trading", exclude_id=self.acme.pk), [])
        archive_object(actor=self.p.admin, obj=self.bjkj)
        self.assertEqual(self.ids(name="北京科技"), [])

    def test_nothing_typed_matches_nothing(self):
        self.assertEqual(find_duplicates(user=self.p.admin), [])
        self.assertEqual(find_duplicates(user=self.p.admin, name="有限公司"), [])


class ScopeOfMatchesTests(DedupeTestCase):
    def test_a_match_out_of_scope_names_only_its_owner_and_team(self):
        [match] = find_duplicates(user=self.p.am_a1, uscc=b.USCC_2)
        self.assertFalse(match.visible)
        self.assertIsNone(match.customer)
        self.assertIsNone(match.customer_id)
        self.assertEqual(match.owner_label, "徐浩")
        self.assertEqual(match.team_label, "华北组")
        self.assertEqual(match.reasons, ["uscc"])

    def test_a_match_in_scope_is_shown_in_full(self):
        [match] = find_duplicates(user=self.p.lead_a, name="北京科技")
        self.assertTrue(match.visible)
        self.assertEqual(match.customer, self.bjkj)

    def test_check_fragment_hides_out_of_scope_details(self):
        response = self.web("am_a1").get(
            reverse("customers:duplicate-check"), {"name": "北方重工有限公司", "uscc": ""}
        )
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("徐浩", html)
        self.assertIn("华北组", html)
        self.assertNotIn("北方重工股份有限公司", html)
        self.assertNotIn(self.north.get_absolute_url(), html)

    def test_check_fragment_links_visible_matches(self):
        response = self.web("am_a1").get(
            reverse("customers:duplicate-check"), {"name": "北京科技", "exclude": ""}
        )
        self.assertContains(response, self.bjkj.get_absolute_url())
        empty = self.web("am_a1").get(
            reverse("customers:duplicate-check"), {"name": "北京科技", "exclude": self.bjkj.pk}
        )
        self.assertNotContains(empty, "duplicate-match")

    def test_outsider_and_viewer_may_not_probe(self):
        for persona in ("outsider", "viewer"):
            with self.subTest(persona=persona):
                url = reverse("customers:duplicate-check")
                self.assertEqual(self.web(persona).get(url, {"name": "x"}).status_code, 403)
                url = reverse("customers:duplicate-lookup")
                self.assertEqual(self.web(persona).get(url, {"name": "x"}).status_code, 403)
        anonymous = self.web(None).get(reverse("customers:duplicate-lookup"))
        self.assertEqual(anonymous.status_code, 302)

    def test_lookup_page(self):
        client = self.web("am_b1")
        self.assertEqual(client.get(reverse("customers:duplicate-lookup")).status_code, 200)
        response = client.get(reverse("customers:duplicate-lookup"), {"phone": "138 0013 8000"})
        html = response.content.decode()
        self.assertIn("刘洋", html)  # the owner, am_a1
        self.assertNotIn("北京科技", html)
        response = client.get(reverse("customers:duplicate-lookup"), {"email": "LI.NA@north.com"})
        self.assertContains(response, self.north.get_absolute_url())
        nothing = client.get(reverse("customers:duplicate-lookup"), {"name": "不存在的公司"})
        self.assertContains(nothing, "duplicate-none")

    def test_hostile_input_is_escaped(self):
        b.customer(self.p.am_a1, "<script>alert(1)</script>有限公司")
        response = self.web("am_a1").get(
            reverse("customers:duplicate-check"), {"name": "<script>alert(1)</script>"}
        )
        self.assertNotIn("<script>alert", response.content.decode())
        self.assertContains(response, "&lt;script&gt;")

    def test_form_fragment_renders_with_the_form_fields(self):
        from django import forms
        from django.template.loader import render_to_string

        class Form(forms.Form):
            name = forms.CharField()
            uscc = forms.CharField()

        html = render_to_string("customers/_duplicate_check.html", {"form": Form()})
        self.assertIn(reverse("customers:duplicate-check"), html)
        self.assertIn("from:#id_name", html)
        self.assertIn("#id_name,#id_uscc", html)


class BulkTests(DedupeTestCase):
    def test_thousands_of_keys_in_a_few_queries(self):
        names = [company_key(f"公司{n}") for n in range(3000)] + [company_key("北京科技")]
        phones = [f"+86139{n:08d}" for n in range(3000)] + ["13800138000"]
        emails = [f"user{n}@x.cn" for n in range(3000)] + ["ZW@bjkj.cn"]
        usccs = [b.USCC_2, b.USCC_3]
        with self.assertNumQueries(13):  # chunks of 900 keys: 4 names, 1 USCC, 4 phones, 4 emails
            found = find_duplicates_bulk(
                names_keys=names, usccs=usccs, phones=phones, emails=emails
            )
        self.assertEqual(found["name"], {"北京科技": [self.bjkj.pk]})
        self.assertEqual(found["uscc"], {b.USCC_2: [self.north.pk]})
        self.assertEqual(found["phone"], {"+8613800138000": [self.bjkj.pk]})
        self.assertEqual(found["email"], {"zw@bjkj.cn": [self.bjkj.pk]})

    def test_check_query_count_does_not_grow_with_matches(self):
        client = self.web("am_a1")
        counter = iter(range(100))

        def grow():
            for _ in range(5):
                b.customer(self.p.am_b1, f"北京科技{next(counter)}有限公司", short_name="北科")
            # the same company, spelt another way, in another team
            b.customer(self.p.lead_b, "北京科技（中国）股份有限公司")

        self.assertQueriesConstant(
            lambda: client.get(reverse("customers:duplicate-check"), {"name": "北京科技"}),
            grow,
            at_most=12,
        )
