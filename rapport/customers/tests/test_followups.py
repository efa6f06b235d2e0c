"""Follow-ups: scope contract, the 24-hour window, notes, attachments, quick log, counts."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PersonaTestCase, ScopeContract
from rapport.customers.models import Customer, FollowUp, FollowUpNote
from rapport.customers.tests._book import add_contact, build_book, log

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _age(follow_up: FollowUp, hours: int) -> None:
    FollowUp.objects.filter(pk=follow_up.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=hours)
    )


class FollowUpScopeTests(ScopeContract, PersonaTestCase):
    """Follow-ups follow their customer's visibility; only the author edits, for 24 hours."""

    model = FollowUp
    api_basename = "api:followup"
    page_detail = "customers:followup-detail"
    patch_body = {"summary": "修正摘要"}
    visible = {
        "admin": "*",
        "lead_a": {"a1", "pool_a"},
        "lead_b": {"b1", "shared"},
        "am_a1": {"a1", "pool_a", "shared"},
        "am_a2": {"pool_a"},
        "am_b1": {"b1", "shared"},
        "qm": set(),
        "viewer": {"a1", "pool_a"},
        "outsider": set(),
    }
    editable = {"admin": "*", "am_a1": {"a1"}, "am_b1": {"b1", "shared"}, "lead_a": {"pool_a"}}

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        book = build_book(cls.p)
        cls.follow_ups = {
            "a1": log(book["a1"], cls.p.am_a1),
            "b1": log(book["b1"], cls.p.am_b1),
            "shared": log(book["shared"], cls.p.am_b1),
            "pool_a": log(book["pool_a"], cls.p.lead_a),
        }

    def objects(self):
        return self.follow_ups


@override_settings(MEDIA_ROOT="/tmp/h1-test-media")
class FollowUpBehaviourTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.book = build_book(cls.p)

    def test_logging_moves_the_customer_dates(self):
        customer = self.book["a1"]
        next_date = timezone.localdate() + dt.timedelta(days=3)
        response = self.api("am_a1").post(
            reverse("api:followup-list"),
            {
                "customer": customer.pk,
                "kind": "visit",
                "summary": "上门拜访",
                "next_date": next_date.isoformat(),
                "checkin_lat": "31.230416",
                "checkin_lng": "121.473701",
                "checkin_address": "上海市黄浦区",
            },
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsNotNone(response.json()["checkin_at"])
        customer.refresh_from_db()
        self.assertEqual(customer.next_follow_up_due, next_date)
        self.assertIsNotNone(customer.last_follow_up_at)

    def test_bad_input_names_the_field_and_writes_nothing(self):
        url = reverse("api:followup-list")
        base = {"customer": self.book["a1"].pk, "summary": "沟通"}
        future = (timezone.now() + dt.timedelta(days=2)).isoformat()
        other_contact = add_contact(self.book["b1"], self.p.am_b1, "外人")
        cases = [
            ({"customer": self.book["a1"].pk}, "summary"),
            ({**base, "summary": "x" * 4001}, "summary"),
            ({**base, "kind": "telepathy"}, "kind"),
            ({**base, "occurred_at": future}, "occurred_at"),
            ({**base, "next_date": "2000-01-01"}, "next_date"),
            ({**base, "checkin_lat": "95"}, "checkin_lat"),
            ({**base, "checkin_lat": "31.2"}, "checkin_lng"),
            ({**base, "contacts": [other_contact.pk]}, "contacts"),
            ({**base, "customer": self.book["pool_a"].pk}, "customer"),  # read-only for an AM
            ({**base, "mood": "happy"}, "mood"),
        ]
        before = FollowUp.objects.count()
        for body, field in cases:
            with self.subTest(body=body):
                response = self.api("am_a1").post(url, body, format="json")
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json()["errors"])
        self.assertEqual(FollowUp.objects.count(), before)

    def test_after_24_hours_edit_is_refused_and_a_note_is_offered(self):
        follow_up = log(self.book["a1"], self.p.am_a1)
        _age(follow_up, 25)
        url = reverse("api:followup-detail", args=[follow_up.pk])
        self.assertEqual(
            self.api("am_a1").patch(url, {"summary": "改"}, format="json").status_code, 403
        )
        client = self.web("am_a1")
        self.assertEqual(
            client.get(reverse("customers:followup-update", args=[follow_up.pk])).status_code, 403
        )
        page = client.get(follow_up.get_absolute_url()).content.decode()
        self.assertIn('data-testid="note-form"', page)
        self.assertNotIn('data-testid="followup-edit"', page)
        response = client.post(
            reverse("customers:followup-note", args=[follow_up.pk]), {"text": "补充：客户改期"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(FollowUpNote.objects.filter(follow_up=follow_up).exists())

    def test_notes_api(self):
        follow_up = log(self.book["a1"], self.p.am_a1)
        url = reverse("api:followup-notes", args=[follow_up.pk])
        created = self.api("lead_a").post(url, {"text": "主管补充"}, format="json")
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual(
            self.api("viewer").post(url, {"text": "x"}, format="json").status_code, 403
        )
        self.assertEqual(self.api("am_b1").post(url, {"text": "x"}, format="json").status_code, 404)
        empty = self.api("am_a1").post(url, {"text": ""}, format="json")
        self.assertEqual(empty.status_code, 400)
        self.assertIn("text", empty.json()["errors"])
        listed = self.api("viewer").get(url)
        self.assertEqual([n["text"] for n in listed.json()], ["主管补充"])

    def test_attachments_are_checked(self):
        follow_up = log(self.book["a1"], self.p.am_a1)
        url = reverse("api:followup-attachments", args=[follow_up.pk])
        client = self.api("am_a1")
        ok = client.post(
            url, {"file": SimpleUploadedFile("photo.png", PNG, "image/png")}, format="multipart"
        )
        self.assertEqual(ok.status_code, 201, ok.content)
        download = self.web("am_a1").get(ok.json()["url"])
        self.assertEqual(download.status_code, 200)
        self.assertEqual(self.web("am_b1").get(ok.json()["url"]).status_code, 404)
        for name, body in (("run.exe", b"MZ" + b"\x00" * 20), ("fake.png", b"GIF89a" + PNG)):
            with self.subTest(name=name):
                bad = client.post(url, {"file": SimpleUploadedFile(name, body)}, format="multipart")
                self.assertEqual(bad.status_code, 400)
                self.assertIn("attachments", bad.json()["errors"])
        self.assertEqual(follow_up.attachments.count(), 1)

    def test_quick_log_from_the_page_with_contacts_and_file(self):
        customer = self.book["a1"]
        contact = add_contact(customer, self.p.am_a1, "王经理")
        client = self.web("am_a1")
        url = reverse("customers:followup-create", args=[customer.pk])
        fragment = client.get(url, HTTP_HX_REQUEST="true")
        self.assertEqual(fragment.status_code, 200)
        self.assertNotIn("<html", fragment.content.decode())
        response = client.post(
            url,
            {
                "kind": "call",
                "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                "contacts": [contact.pk],
                "summary": "电话确认需求",
                "attachments": [SimpleUploadedFile("memo.txt", b"hello")],
                "next": reverse("customers:customer-list"),
            },
        )
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        self.assertEqual(response["Location"], reverse("customers:customer-list"))
        follow_up = FollowUp.objects.get(summary="电话确认需求")
        self.assertEqual(list(follow_up.contacts.all()), [contact])
        self.assertEqual(follow_up.attachments.count(), 1)

    def test_quick_log_is_403_read_only_and_404_out_of_scope(self):
        url = reverse("customers:followup-create", args=[self.book["a1"].pk])
        self.assertEqual(self.web("viewer").get(url).status_code, 403)
        self.assertEqual(self.web("am_b1").get(url).status_code, 404)
        bad = self.web("am_a1").post(url, {"kind": "call", "summary": ""})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("summary", bad.context["form"].errors)

    def test_edit_within_24_hours_by_page(self):
        follow_up = log(self.book["a1"], self.p.am_a1)
        client = self.web("am_a1")
        url = reverse("customers:followup-update", args=[follow_up.pk])
        self.assertEqual(self.web("lead_a").get(url).status_code, 403)  # not the author
        response = client.post(
            url,
            {
                "kind": "email",
                "occurred_at": timezone.localtime(follow_up.occurred_at).strftime("%Y-%m-%dT%H:%M"),
                "summary": "已改为邮件",
                "version": follow_up.version,
            },
        )
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        follow_up.refresh_from_db()
        self.assertEqual(follow_up.kind, "email")

    def test_list_and_api_query_counts_are_constant(self):
        def grow():
            for i in range(5):
                contact = add_contact(self.book["a1"], self.p.am_a1, f"人{i}")
                follow_up = log(self.book["a1"], self.p.am_a1, summary=f"第{i}次")
                follow_up.contacts.add(contact)
                FollowUpNote.objects.create(follow_up=follow_up, author=self.p.am_a1, text="注")

        log(self.book["a1"], self.p.am_a1)  # a page with rows from the start
        page = self.web("lead_a")
        self.assertQueriesConstant(
            lambda: page.get(reverse("customers:followup-list")), grow, at_most=12
        )
        api = self.api("lead_a")
        self.assertQueriesConstant(lambda: api.get(reverse("api:followup-list")), grow, at_most=10)

    def test_filters(self):
        log(self.book["a1"], self.p.am_a1, summary="电话A", kind="call")
        log(self.book["a1"], self.p.am_a1, summary="拜访B", kind="visit")
        api = self.api("am_a1")
        rows = api.get(reverse("api:followup-list"), {"kind": "visit"}).json()["results"]
        self.assertEqual([r["summary"] for r in rows], ["拜访B"])
        today = timezone.localdate().isoformat()
        rows = api.get(reverse("api:followup-list"), {"since": today, "until": today}).json()
        self.assertEqual(rows["count"], 2)
        self.assertEqual(
            Customer.objects.get(pk=self.book["a1"].pk).last_follow_up_at is None, False
        )
