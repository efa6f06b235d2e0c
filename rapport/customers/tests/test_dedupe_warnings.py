"""A likely duplicate is never created silently (issue #3 §6): the customer and contact
pages hold the save back with the matches and a "create anyway" box (no JavaScript
needed), the API answers 409 unless `allow_duplicate`, and the lookup endpoint answers the
same matches, each only as far as the caller may see it."""

from __future__ import annotations

from django.urls import reverse

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Contact, Customer
from rapport.search.tests import builders as b

CUSTOMER_FORM = {"status": "lead", "tier": "C", "annual_value": "0", "currency": "CNY"}


class DuplicateWarningTestCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        p = cls.p
        cls.bjkj = b.customer(p.am_a1, "北京科技有限公司", uscc=b.USCC_1)
        cls.acme = b.customer(p.am_a1, "Acme Trading Co., Ltd.")
        cls.north = b.customer(p.am_b1, "北方重工股份有限公司", uscc=b.USCC_2)
        cls.zhang = b.contact(
            p.am_a1, cls.bjkj, "张伟", mobile="+86 13800138000", email="zw@bjkj.cn"
        )
        cls.li = b.contact(
            p.am_b1, cls.north, "李娜", mobile="13912345678", email="Li.Na@North.com"
        )

    def counts(self) -> tuple[int, int, int]:
        """Rows that a refused write must leave alone (sign-ins of test clients aside)."""
        events = AuditEvent.objects.exclude(action=Action.LOGIN)
        return Customer.objects.count(), Contact.objects.count(), events.count()

    def edit_customer(self, persona: str, customer: Customer, **changes):
        customer.refresh_from_db()
        data = {
            "name": customer.name,
            "uscc": customer.uscc,
            "status": customer.status,
            "tier": customer.tier,
            "annual_value": str(customer.annual_value),
            "currency": customer.currency,
            "notes": customer.notes,
            "version": customer.version,
            **changes,
        }
        url = reverse("customers:customer-update", args=[customer.pk])
        return self.web(persona).post(url, data)

    def edit_contact(self, persona: str, contact: Contact, **changes):
        contact.refresh_from_db()
        data = {
            "name": contact.name,
            "buying_role": contact.buying_role,
            "mobile": contact.mobile,
            "phone": contact.phone,
            "email": contact.email,
            "version": contact.version,
            **changes,
        }
        url = reverse("customers:contact-update", args=[contact.pk])
        return self.web(persona).post(url, data)


class CustomerPageTests(DuplicateWarningTestCase):
    url = reverse("customers:customer-create")

    def test_a_likely_duplicate_is_held_back_with_the_matches_and_a_confirmation(self):
        before = self.counts()
        response = self.web("am_a1").post(
            self.url, {"name": "北京科技股份有限公司", **CUSTOMER_FORM}
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.counts(), before)
        html = response.content.decode()
        # Rendered in the page itself, not only by the htmx check: works without JS.
        self.assertIn('data-testid="duplicate-matches"', html)
        self.assertIn(self.bjkj.get_absolute_url(), html)
        self.assertIn('type="checkbox" name="allow_duplicate"', html)
        self.assertEqual([m.customer for m in response.context["duplicate_matches"]], [self.bjkj])
        self.assertTrue(response.context["form"].non_field_errors())

    def test_create_anyway_creates_it(self):
        data = {"name": "北京科技股份有限公司", **CUSTOMER_FORM, "allow_duplicate": "on"}
        response = self.web("am_a1").post(self.url, data)
        self.assertEqual(response.status_code, 302)
        created = Customer.objects.get(name="北京科技股份有限公司")
        self.assertEqual(created.owner, self.p.am_a1)
        self.assertTrue(AuditEvent.objects.for_object(created).exists())

    def test_a_new_name_is_created_without_a_question(self):
        response = self.web("am_a1").post(self.url, {"name": "广州全新客户", **CUSTOMER_FORM})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Customer.objects.filter(name="广州全新客户").exists())

    def test_a_match_out_of_scope_shows_only_its_owner(self):
        before = self.counts()
        response = self.web("am_a1").post(self.url, {"name": "北方重工有限公司", **CUSTOMER_FORM})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.counts(), before)
        html = response.content.decode()
        self.assertIn("徐浩", html)
        self.assertIn("华北组", html)
        self.assertNotIn("北方重工股份有限公司", html)
        self.assertNotIn(self.north.get_absolute_url(), html)

    def test_a_uscc_already_held_is_a_field_error_not_a_warning(self):
        response = self.web("am_a1").post(
            self.url,
            {"name": "另一家公司", "uscc": b.USCC_1, "allow_duplicate": "on", **CUSTOMER_FORM},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("uscc", response.context["form"].errors)
        self.assertFalse(Customer.objects.filter(name="另一家公司").exists())

    def test_an_edit_that_matches_only_itself_does_not_warn(self):
        # Same company key as itself ("股份有限公司" is a suffix): no other record matches.
        response = self.edit_customer("am_a1", self.bjkj, name="北京科技股份有限公司")
        self.assertEqual(response.status_code, 302)
        self.bjkj.refresh_from_db()
        self.assertEqual(self.bjkj.name, "北京科技股份有限公司")

    def test_an_edit_of_other_fields_does_not_ask_again(self):
        twin = b.customer(self.p.am_a1, "Acme Trading Inc.")  # a known duplicate, kept
        response = self.edit_customer("am_a1", twin, notes="只改备注")
        self.assertEqual(response.status_code, 302)

    def test_an_edit_towards_another_record_warns_then_saves_when_confirmed(self):
        held = self.edit_customer("am_a1", self.acme, name="北京科技")
        self.assertEqual(held.status_code, 409)
        self.assertIn(self.bjkj.get_absolute_url(), held.content.decode())
        self.acme.refresh_from_db()
        self.assertEqual(self.acme.name, "Acme Trading Co., Ltd.")
        saved = self.edit_customer("am_a1", self.acme, name="北京科技", allow_duplicate="on")
        self.assertEqual(saved.status_code, 302)
        self.acme.refresh_from_db()
        self.assertEqual(self.acme.name, "北京科技")

    def test_a_ticked_box_stays_in_sight_when_another_field_is_wrong(self):
        data = {"name": "北京科技", **CUSTOMER_FORM, "annual_value": "-1", "allow_duplicate": "on"}
        response = self.web("am_a1").post(self.url, data)
        self.assertEqual(response.status_code, 200)
        self.assertIn("annual_value", response.context["form"].errors)
        self.assertIn('type="checkbox" name="allow_duplicate"', response.content.decode())

    def test_hostile_names_are_escaped_in_the_warning(self):
        b.customer(self.p.am_a1, "<script>alert(1)</script>有限公司")
        response = self.web("am_a1").post(
            self.url, {"name": "<script>alert(1)</script>", **CUSTOMER_FORM}
        )
        self.assertEqual(response.status_code, 409)
        html = response.content.decode()
        self.assertNotIn("<script>alert", html)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;有限公司", html)


class ContactPageTests(DuplicateWarningTestCase):
    url = reverse("customers:contact-create")

    def post(self, persona: str, **data):
        body = {"customer": self.acme.pk, "name": "新联系人", "buying_role": "user", **data}
        return self.web(persona).post(self.url, body)

    def test_a_phone_in_another_spelling_is_held_back(self):
        before = self.counts()
        response = self.post("am_a1", mobile="138-0013-8000")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.counts(), before)
        [match] = response.context["duplicate_matches"]
        self.assertEqual((match.customer, match.reasons), (self.bjkj, ["phone"]))
        html = response.content.decode()
        self.assertIn("A contact with this phone or email may already exist", html)
        self.assertIn(self.bjkj.get_absolute_url(), html)
        self.assertIn('type="checkbox" name="allow_duplicate"', html)

    def test_an_email_in_another_case_is_held_back(self):
        response = self.post("am_a1", email="ZW@BJKJ.CN")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.context["duplicate_matches"][0].reasons, ["email"])

    def test_a_landline_field_is_checked_too(self):
        response = self.post("am_a1", phone="+86 139 1234 5678")
        self.assertEqual(response.status_code, 409)

    def test_a_match_out_of_scope_names_only_its_owner_then_confirm_creates(self):
        before = self.counts()
        response = self.post("am_a1", mobile="139 1234 5678")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.counts(), before)
        html = response.content.decode()
        self.assertIn("徐浩", html)
        self.assertNotIn("北方重工", html)
        self.assertNotIn("李娜", html)
        self.assertNotIn(self.north.get_absolute_url(), html)
        confirmed = self.post("am_a1", mobile="139 1234 5678", allow_duplicate="on")
        self.assertEqual(confirmed.status_code, 302)
        self.assertEqual(Contact.objects.get(name="新联系人").mobile, "+8613912345678")

    def test_an_edit_that_matches_only_itself_does_not_warn(self):
        response = self.edit_contact(
            "am_a1", self.zhang, mobile="138-0013-8000", email="ZW@bjkj.cn"
        )
        self.assertEqual(response.status_code, 302)
        response = self.edit_contact("am_a1", self.zhang, title="总经理")
        self.assertEqual(response.status_code, 302)

    def test_an_edit_to_another_contacts_email_warns(self):
        other = b.contact(self.p.am_a1, self.acme, "王五")
        response = self.edit_contact("am_a1", other, email="zw@BJKJ.cn")
        self.assertEqual(response.status_code, 409)
        other.refresh_from_db()
        self.assertEqual(other.email, "")

    def test_hostile_owner_names_are_escaped_in_the_notice(self):
        type(self.p.am_b1).objects.filter(pk=self.p.am_b1.pk).update(
            full_name="<img src=x onerror=alert(1)>"
        )
        response = self.post("am_a1", mobile="13912345678")
        self.assertEqual(response.status_code, 409)
        html = response.content.decode()
        self.assertNotIn("<img src=x", html)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", html)


class ApiCreateTests(DuplicateWarningTestCase):
    customers = reverse("api:customer-list")
    contacts = reverse("api:contact-list")

    def test_a_likely_duplicate_customer_is_409_in_the_error_shape(self):
        before = self.counts()
        response = self.api("am_a1").post(
            self.customers, {"name": "北京科技（中国）有限公司"}, format="json"
        )
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(self.counts(), before)
        body = response.json()
        self.assertEqual(body["code"], "duplicate")
        self.assertIn("allow_duplicate", body["message"])
        self.assertEqual(body["errors"], {})
        self.assertEqual(
            body["matches"],
            [
                {
                    "id": self.bjkj.pk,
                    "name": "北京科技有限公司",
                    "owner_name": "刘洋",
                    "team_name": "华东组",
                    "in_pool": False,
                    "fields": ["name"],
                }
            ],
        )
        self.assertEqual(body["hidden_count"], 0)

    def test_allow_duplicate_creates_it(self):
        body = {"name": "北京科技（中国）有限公司", "allow_duplicate": True}
        response = self.api("am_a1").post(self.customers, body, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertNotIn("allow_duplicate", response.json())
        self.assertTrue(Customer.objects.filter(pk=response.json()["id"]).exists())

    def test_allow_duplicate_must_be_a_boolean(self):
        body = {"name": "北京科技", "allow_duplicate": "perhaps"}
        response = self.api("am_a1").post(self.customers, body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("allow_duplicate", response.json()["errors"])

    def test_a_match_out_of_scope_is_counted_with_its_owner_not_named(self):
        before = self.counts()
        response = self.api("am_a1").post(self.customers, {"name": "北方重工"}, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.counts(), before)
        body = response.json()
        self.assertEqual(body["matches"], [])
        self.assertEqual(body["hidden_count"], 1)
        [hidden] = body["hidden_matches"]
        self.assertEqual(hidden["owner_name"], "徐浩")
        self.assertEqual(hidden["fields"], ["name"])
        self.assertIn("徐浩", hidden["message"])
        self.assertNotIn("北方重工股份", response.content.decode())
        self.assertNotIn(str(self.north.pk), [str(v) for v in hidden.values()])

    def test_a_uscc_already_held_stays_a_400_on_the_field(self):
        body = {"name": "另一家公司", "uscc": b.USCC_1}
        response = self.api("am_a1").post(self.customers, body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("uscc", response.json()["errors"])

    def test_a_contact_phone_in_another_spelling_or_email_case_is_409(self):
        before = self.counts()
        api = self.api("am_a1")
        base = {"customer": self.acme.pk, "name": "新联系人"}
        for extra, field in (
            ({"mobile": "+86 138 0013 8000"}, "phone"),
            ({"mobile": "138-0013-8000"}, "phone"),
            ({"email": "ZW@bjkj.CN"}, "email"),
        ):
            with self.subTest(extra=extra):
                response = api.post(self.contacts, {**base, **extra}, format="json")
                self.assertEqual(response.status_code, 409, response.content)
                [match] = response.json()["matches"]
                self.assertEqual((match["id"], match["fields"]), (self.bjkj.pk, [field]))
        self.assertEqual(self.counts(), before)
        body = {**base, "mobile": "138-0013-8000", "allow_duplicate": True}
        created = api.post(self.contacts, body, format="json")
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual(created.json()["mobile"], "+8613800138000")

    def test_a_contact_matching_out_of_scope_shows_no_name(self):
        body = {"customer": self.acme.pk, "name": "新联系人", "email": "li.na@north.com"}
        response = self.api("am_a1").post(self.contacts, body, format="json")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["hidden_count"], 1)
        self.assertNotIn("北方重工", response.content.decode())

    def test_updates_are_not_asked_for_allow_duplicate(self):
        url = reverse("api:contact-detail", args=[self.zhang.pk])
        response = self.api("am_a1").patch(url, {"title": "经理"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        refused = self.api("am_a1").patch(url, {"allow_duplicate": True}, format="json")
        self.assertEqual(refused.status_code, 400)


class ApiLookupTests(DuplicateWarningTestCase):
    url = reverse("api:customer-duplicates")

    def test_matches_in_scope_in_full(self):
        response = self.api("lead_a").get(self.url, {"name": "北京科技", "phone": "13800138000"})
        self.assertEqual(response.status_code, 200, response.content)
        [match] = response.json()["matches"]
        self.assertEqual(match["id"], self.bjkj.pk)
        self.assertEqual(match["fields"], ["name", "phone"])
        self.assertEqual(response.json()["hidden_count"], 0)

    def test_out_of_scope_only_the_count_and_the_owner(self):
        response = self.api("am_b1").get(self.url, {"phone": "138-0013-8000"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["matches"], [])
        self.assertEqual(body["hidden_count"], 1)
        self.assertEqual(body["hidden_matches"][0]["owner_name"], "刘洋")
        self.assertNotIn("北京科技", response.content.decode())
        self.assertNotIn("张伟", response.content.decode())

    def test_same_answer_as_the_page(self):
        page = self.web("am_b1").get(reverse("customers:duplicate-lookup"), {"email": "ZW@BJKJ.cn"})
        api = self.api("am_b1").get(self.url, {"email": "ZW@BJKJ.cn"})
        [hidden] = api.json()["hidden_matches"]
        self.assertIn(hidden["message"], page.content.decode())

    def test_who_may_not_probe(self):
        for persona in ("outsider", "viewer"):
            with self.subTest(persona=persona):
                self.assertEqual(self.api(persona).get(self.url, {"name": "x"}).status_code, 403)
        self.assertIn(self.api(None).get(self.url, {"name": "x"}).status_code, {401, 403})

    def test_bad_queries_are_400_in_the_error_shape(self):
        for params in ({}, {"name": ""}, {"name": "x" * 201}, {"email": "@" * 255}):
            with self.subTest(params=params):
                response = self.api("am_a1").get(self.url, params)
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.json()["code"], "validation_error")

    def test_query_count_does_not_grow_with_matches(self):
        api = self.api("am_b1")
        counter = iter(range(100))

        def grow():
            for _ in range(4):
                b.customer(self.p.am_a1, f"北京科技{next(counter)}有限公司")
                b.customer(self.p.am_a2, "北京科技（中国）股份有限公司")

        self.assertQueriesConstant(
            lambda: api.get(self.url, {"name": "北京科技"}), grow, at_most=10
        )


class SchemaTests(PersonaTestCase):
    def test_allow_duplicate_409_and_the_lookup_are_in_the_schema(self):
        response = self.api("admin").get(reverse("api-schema"), {"format": "json"})
        schema = response.json()
        components = schema["components"]["schemas"]
        for request in ("CustomerCreateRequest", "ContactCreateRequest"):
            with self.subTest(request=request):
                field = components[request]["properties"]["allow_duplicate"]
                self.assertEqual(field["type"], "boolean")
                self.assertIn("409", field["description"])
        for path in ("/api/v1/customers/", "/api/v1/contacts/"):
            with self.subTest(path=path):
                self.assertIn("409", schema["paths"][path]["post"]["responses"])
        lookup = schema["paths"]["/api/v1/customers/duplicates/"]["get"]
        self.assertEqual(
            {p["name"] for p in lookup["parameters"]}, {"name", "uscc", "phone", "email"}
        )
        self.assertNotIn("allow_duplicate", components["PatchedCustomerRequest"]["properties"])
