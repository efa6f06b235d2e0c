"""The customer list: filters, sort, saved views, bulk actions; every page in both languages."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from rapport.core.models import SavedView
from rapport.core.saved_views import saved_view_create
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, OwnershipEvent, Pool
from rapport.customers.tests._book import add_contact, build_book, log, make_customer


class CustomerFilterTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)
        today = timezone.localdate()
        Customer.objects.filter(pk=cls.book["a1"].pk).update(
            contact_due_on=today - dt.timedelta(days=3), annual_value=500, status="active"
        )
        Customer.objects.filter(pk=cls.book["a2"].pk).update(contact_due_on=today, annual_value=900)

    def names(self, persona, **params):
        response = self.api(persona).get(reverse("api:customer-list"), params)
        self.assertEqual(response.status_code, 200, response.content)
        return [row["name"] for row in response.json()["results"]]

    def test_filters_shared_by_page_and_api(self):
        self.assertEqual(self.names("lead_a", due="overdue"), ["上海远景科技有限公司"])
        self.assertEqual(self.names("lead_a", due="today"), ["杭州云帆贸易有限公司"])
        self.assertEqual(self.names("lead_a", status="active"), ["上海远景科技有限公司"])
        self.assertEqual(self.names("lead_a", in_pool="true"), ["苏州公海客户"])
        self.assertEqual(self.names("lead_a", owner=self.p.am_a2.pk), ["杭州云帆贸易有限公司"])
        self.assertEqual(self.names("lead_a", city="杭"), ["杭州云帆贸易有限公司"])
        self.assertEqual(self.names("lead_b", q="bjkj"), ["北京科技有限公司"])  # pinyin
        page = self.web("lead_a").get(reverse("customers:customer-list"), {"due": "overdue"})
        self.assertEqual([c.name for c in page.context["object_list"]], ["上海远景科技有限公司"])

    def test_owner_filter_offers_only_people_in_scope(self):
        response = self.api("lead_a").get(reverse("api:customer-list"), {"owner": self.p.am_b1.pk})
        self.assertEqual(response.status_code, 400)
        self.assertIn("owner", response.json()["errors"])

    def test_sorts_follow_an_index_with_id_tiebreak(self):
        self.assertEqual(
            self.names("lead_a", sort="-annual_value")[:2],
            ["杭州云帆贸易有限公司", "上海远景科技有限公司"],
        )
        self.assertEqual(self.names("lead_a", sort="due")[0], "上海远景科技有限公司")
        bad = self.api("lead_a").get(reverse("api:customer-list"), {"sort": "password"})
        self.assertEqual(bad.status_code, 400)

    def test_archived_hidden_on_the_page_by_default(self):
        Customer.objects.filter(pk=self.book["a2"].pk).update(archived_at=timezone.now())
        page = self.web("lead_a").get(reverse("customers:customer-list"))
        self.assertNotIn(self.book["a2"], list(page.context["object_list"]))
        page = self.web("lead_a").get(reverse("customers:customer-list"), {"archived": "true"})
        self.assertEqual(
            list(page.context["object_list"]), [Customer.objects.get(pk=self.book["a2"].pk)]
        )


class BulkActionTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def bulk(self, persona, **data):
        return self.web(persona).post(reverse("customers:customer-bulk"), data, follow=True)

    def test_tag_only_editable_customers_and_report_skipped(self):
        ids = [self.book["a1"].pk, self.book["a2"].pk, self.book["b1"].pk]
        response = self.bulk("am_a1", verb="tag", ids=ids, tags="重点, 华东")
        texts = [str(m) for m in response.context["messages"]]
        self.assertTrue(any("2" in text for text in texts), texts)  # a2 and b1 skipped
        a1 = Customer.objects.get(pk=self.book["a1"].pk)
        self.assertEqual(sorted(t.name for t in a1.tags.all()), ["华东", "重点"])
        self.assertFalse(Customer.objects.get(pk=self.book["a2"].pk).tags.exists())
        self.assertFalse(Customer.objects.get(pk=self.book["b1"].pk).tags.exists())
        self.bulk("am_a1", verb="untag", ids=ids, tags="重点")
        self.assertEqual([t.name for t in a1.tags.all()], ["华东"])

    def test_viewer_changes_nothing(self):
        self.bulk("viewer", verb="tag", ids=[self.book["a1"].pk], tags="x")
        self.assertFalse(Customer.objects.get(pk=self.book["a1"].pk).tags.exists())

    def test_transfer_needs_a_reason_and_obeys_scope(self):
        a1, b1 = self.book["a1"], self.book["b1"]
        response = self.bulk("lead_a", verb="transfer", ids=[a1.pk], to_owner=self.p.am_a2.pk)
        self.assertIn("reason", " ".join(str(m) for m in response.context["messages"]).lower())
        self.assertEqual(Customer.objects.get(pk=a1.pk).owner, self.p.am_a1)
        self.bulk(
            "lead_a", verb="transfer", ids=[a1.pk, b1.pk], to_owner=self.p.am_a2.pk, reason="调整"
        )
        self.assertEqual(Customer.objects.get(pk=a1.pk).owner, self.p.am_a2)
        self.assertEqual(Customer.objects.get(pk=b1.pk).owner, self.p.am_b1)
        self.assertTrue(OwnershipEvent.objects.filter(customer=a1, move="transfer").exists())

    def test_release_to_the_pool(self):
        a2 = self.book["a2"]
        self.bulk("am_a2", verb="release", ids=[a2.pk], reason="无需求")
        a2 = Customer.objects.get(pk=a2.pk)
        self.assertIsNone(a2.owner)
        self.assertEqual(a2.pool, Pool.objects.get(name="华东公海"))

    def test_an_am_cannot_assign(self):
        a1 = self.book["a1"]
        response = self.bulk(
            "am_a1", verb="assign", ids=[a1.pk], to_owner=self.p.am_a1.pk, reason="x"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Customer.objects.get(pk=a1.pk).owner, self.p.am_a1)
        self.assertFalse(OwnershipEvent.objects.filter(customer=a1, move="assign").exists())


class SavedViewTests(PersonaTestCase):
    def test_saved_views_visible_only_to_owner_or_team(self):
        mine = saved_view_create(
            actor=self.p.am_a1, list_key="customers", name="逾期", query="due=overdue&page=3"
        )
        self.assertEqual(mine.query, "due=overdue")  # page is not part of a view
        team = saved_view_create(
            actor=self.p.lead_a,
            list_key="customers",
            name="华东重点",
            query="tier=A&evil=1",
            team=self.p.team_a,
        )
        self.assertEqual(team.query, "tier=A")

        def names(persona):
            user = getattr(self.p, persona)
            return set(SavedView.objects.visible_to(user).values_list("name", flat=True))

        self.assertEqual(names("am_a1"), {"逾期", "华东重点"})
        self.assertEqual(names("am_a2"), {"华东重点"})
        self.assertEqual(names("viewer"), {"华东重点"})
        self.assertEqual(names("am_b1"), set())
        self.assertEqual(names("outsider"), set())

    def test_share_only_with_own_team_and_delete_own(self):
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            saved_view_create(
                actor=self.p.am_a1, list_key="customers", name="x", query="", team=self.p.team_b
            )
        client = self.web("am_a1")
        response = client.post(
            reverse("core:savedview-save"),
            {"list_key": "customers", "name": "我的A类", "query": "tier=A", "share": ""},
        )
        self.assertEqual(response.status_code, 302)
        self.assertIn("tier=A", response["Location"])
        view = SavedView.objects.get(name="我的A类")
        page = client.get(reverse("customers:customer-list")).content.decode()
        self.assertIn("我的A类", page)
        other = self.web("am_a2").post(reverse("core:savedview-delete", args=[view.pk]))
        self.assertEqual(other.status_code, 404)
        self.assertEqual(
            client.post(reverse("core:savedview-delete", args=[view.pk])).status_code, 302
        )
        self.assertFalse(SavedView.objects.filter(pk=view.pk).exists())


@override_settings(MEDIA_ROOT="/tmp/h1-test-media")
class EveryPageRendersTests(PersonaTestCase):
    """Each page once per language, as an account manager and as a lead."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)
        cls.contact = add_contact(cls.book["a1"], cls.p.am_a1, "王经理", mobile="13800138000")
        cls.follow_up = log(cls.book["a1"], cls.p.am_a1)
        cls.follow_up.contacts.add(cls.contact)
        make_customer("<b>粗体</b>", cls.p.am_a1)

    def urls(self):
        a1 = self.book["a1"]
        return [
            reverse("customers:customer-list"),
            reverse("customers:customer-list") + "?due=overdue&sort=due&tier=A&archived=true",
            reverse("customers:customer-create"),
            a1.get_absolute_url(),
            reverse("customers:customer-update", args=[a1.pk]),
            reverse("customers:followup-create", args=[a1.pk]),
            reverse("customers:contact-list"),
            reverse("customers:contact-create") + f"?customer={a1.pk}",
            self.contact.get_absolute_url(),
            reverse("customers:contact-update", args=[self.contact.pk]),
            reverse("customers:followup-list"),
            self.follow_up.get_absolute_url(),
            reverse("customers:followup-update", args=[self.follow_up.pk]),
        ]

    def test_pages_render_in_both_languages(self):
        for language in ("en", "zh-hans"):
            for persona in ("am_a1", "lead_a"):
                client = self.web(persona)
                client.cookies["django_language"] = language
                for url in self.urls():
                    with (
                        self.subTest(language=language, persona=persona, url=url),
                        override(language),
                    ):
                        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
                        expected = (
                            403
                            if persona == "lead_a"
                            and "follow-ups/" in url
                            and url.endswith("/edit/")
                            else 200
                        )
                        self.assertEqual(response.status_code, expected, url)
