"""Contacts: scope contract, phones in any spelling, do-not-contact, bad input, counts."""

from __future__ import annotations

from django.urls import reverse

from rapport.core.testing import PersonaTestCase, ScopeContract
from rapport.customers.models import Contact
from rapport.customers.tests._book import add_contact, build_book


class ContactScopeTests(ScopeContract, PersonaTestCase):
    """A contact is named after its customer: it follows that customer's scope."""

    model = Contact
    api_basename = "api:contact"
    page_detail = "customers:contact-detail"
    patch_body = {"title": "采购经理"}
    visible = {
        "admin": "*",
        "lead_a": {"a1", "pool_a"},
        "lead_b": {"b1"},
        "am_a1": {"a1", "pool_a"},
        "am_a2": {"pool_a"},
        "am_b1": {"b1"},
        "qm": set(),
        "viewer": {"a1", "pool_a"},
        "outsider": set(),
    }
    editable = {
        "admin": "*",
        "lead_a": {"a1", "pool_a"},
        "lead_b": {"b1"},
        "am_a1": {"a1"},
        "am_b1": {"b1"},
    }

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        book = build_book(cls.p)
        cls.contacts = {
            "a1": add_contact(book["a1"], cls.p.am_a1, "王经理", mobile="13800138000"),
            "b1": add_contact(book["b1"], cls.p.am_b1, "李总", mobile="13900139000"),
            "pool_a": add_contact(book["pool_a"], cls.p.lead_a, "赵工"),
        }

    def objects(self):
        return self.contacts


class ContactBehaviourTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def test_phones_in_any_spelling_are_stored_as_e164(self):
        url = reverse("api:contact-list")
        spellings = [
            ("13800138000", "+8613800138000", ""),
            ("138-0013-8000", "+8613800138000", ""),
            ("+86 138 0013 8000", "+8613800138000", ""),
            ("0086 13800138000", "+8613800138000", ""),
        ]
        for raw, e164, _ext in spellings:
            with self.subTest(raw=raw):
                # The same number four times on purpose: past the duplicate check.
                body = {"customer": self.book["a1"].pk, "name": "测试", "mobile": raw}
                response = self.api("am_a1").post(
                    url, {**body, "allow_duplicate": True}, format="json"
                )
                self.assertEqual(response.status_code, 201, response.content)
                self.assertEqual(response.json()["mobile"], e164)
                self.assertEqual(response.json()["mobile_display"], "138 0013 8000")
        landline = self.api("am_a1").post(
            url,
            {"customer": self.book["a1"].pk, "name": "座机", "phone": "(010) 6552-9988 转 123"},
            format="json",
        )
        self.assertEqual(landline.status_code, 201, landline.content)
        self.assertEqual(landline.json()["phone"], "+861065529988")
        self.assertEqual(landline.json()["phone_ext"], "123")

    def test_bad_input_names_the_field_and_writes_nothing(self):
        url = reverse("api:contact-list")
        before = Contact.objects.count()
        base = {"customer": self.book["a1"].pk, "name": "测试"}
        cases = [
            ({**base, "mobile": "12345"}, "mobile"),
            ({**base, "phone": "not a phone"}, "phone"),
            ({**base, "email": "not-an-email"}, "email"),
            ({**base, "name": ""}, "name"),
            ({**base, "name": "x" * 101}, "name"),
            ({**base, "buying_role": "boss"}, "buying_role"),
            ({**base, "birthday": "yesterday"}, "birthday"),
            ({**base, "hobby": "golf"}, "hobby"),
            ({**base, "customer": self.book["b1"].pk}, "customer"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                response = self.api("am_a1").post(url, body, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json()["errors"])
        self.assertEqual(Contact.objects.count(), before)

    def test_page_form_parses_phone_and_names_bad_phone(self):
        client = self.web("am_a1")
        url = reverse("customers:contact-create")
        bad = client.post(
            url,
            {"customer": self.book["a1"].pk, "name": "甲", "mobile": "99", "buying_role": "user"},
        )
        self.assertEqual(bad.status_code, 200)
        self.assertIn("mobile", bad.context["form"].errors)
        ok = client.post(
            url,
            {
                "customer": self.book["a1"].pk,
                "name": "甲",
                "mobile": "138 0013 8000",
                "buying_role": "user",
            },
        )
        self.assertEqual(ok.status_code, 302)
        self.assertEqual(Contact.objects.get(name="甲").mobile, "+8613800138000")

    def test_first_contact_is_primary_and_only_one_primary(self):
        first = add_contact(self.book["a2"], self.p.am_a2, "一号")
        self.assertTrue(first.is_primary)
        second = add_contact(self.book["a2"], self.p.am_a2, "二号", is_primary=True)
        first.refresh_from_db()
        self.assertTrue(second.is_primary)
        self.assertFalse(first.is_primary)

    def test_do_not_contact_hides_the_tel_link(self):
        contact = add_contact(
            self.book["a1"], self.p.am_a1, "勿扰", mobile="13700137000", do_not_contact=True
        )
        calm = add_contact(self.book["a1"], self.p.am_a1, "可联系", mobile="13600136000")
        client = self.web("am_a1")
        page = client.get(contact.get_absolute_url()).content.decode()
        self.assertIn('data-testid="do-not-contact"', page)
        self.assertNotIn('href="tel:+8613700137000"', page)
        self.assertIn(
            'href="tel:+8613600136000"', client.get(calm.get_absolute_url()).content.decode()
        )
        customer_page = client.get(self.book["a1"].get_absolute_url()).content.decode()
        self.assertNotIn('href="tel:+8613700137000"', customer_page)
        self.assertIn('href="tel:+8613600136000"', customer_page)
        self.assertIn("136 0013 6000", customer_page)

    def test_a_contact_stays_with_its_customer(self):
        contact = add_contact(self.book["a1"], self.p.am_a1, "固定")
        response = self.api("lead_a").patch(
            reverse("api:contact-detail", args=[contact.pk]),
            {"customer": self.book["a2"].pk},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("customer", response.json()["errors"])

    def test_list_query_counts_are_constant(self):
        def grow():
            for i in range(5):
                add_contact(self.book["a1"], self.p.am_a1, f"人{i}", mobile="13500135000")

        add_contact(self.book["a1"], self.p.am_a1, "首位")  # a page with rows from the start
        page = self.web("lead_a")
        self.assertQueriesConstant(
            lambda: page.get(reverse("customers:contact-list")), grow, at_most=12
        )
        api = self.api("lead_a")
        self.assertQueriesConstant(lambda: api.get(reverse("api:contact-list")), grow, at_most=8)
