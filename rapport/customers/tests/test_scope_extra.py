"""Scope of the customer-bound endpoints the scope contracts do not reach: attachment
downloads, the contact archive action, and the history of follow-ups and contacts.
Out of scope is 404, exactly like a missing record (DESIGN §5); read-only is 403 on a write."""

from __future__ import annotations

import shutil
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from rapport.core.testing import PERSONAS, PersonaTestCase
from rapport.customers.models import Contact
from rapport.customers.services.followups import attachment_add
from rapport.customers.tests._book import add_contact, build_book, log

MEDIA = tempfile.mkdtemp(prefix="rapport-scope-media-")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# Who sees the records of a1 (am_a1, team_a) and of b1 (am_b1, team_b).
SEES = {
    "a1": {"admin", "lead_a", "am_a1", "viewer"},
    "b1": {"admin", "lead_b", "am_b1"},
}
# Who may archive a contact of each (the viewer of team_a reads but does not write).
WRITES = {
    "a1": {"admin", "lead_a", "am_a1"},
    "b1": {"admin", "lead_b", "am_b1"},
}


@override_settings(MEDIA_ROOT=MEDIA)
class CustomerChildScopeTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.addClassCleanup(shutil.rmtree, MEDIA, ignore_errors=True)
        book = build_book(cls.p)
        owners = {"a1": cls.p.am_a1, "b1": cls.p.am_b1}
        cls.customers = {name: book[name] for name in owners}
        cls.follow_ups = {name: log(book[name], owner) for name, owner in owners.items()}
        cls.contacts = {
            name: add_contact(book[name], owner, f"联系人{name}") for name, owner in owners.items()
        }
        cls.attachments = {
            name: attachment_add(
                actor=owners[name],
                follow_up=follow_up,
                upload=SimpleUploadedFile(f"{name}.png", PNG, "image/png"),
            )
            for name, follow_up in cls.follow_ups.items()
        }

    def expect(self, name: str, persona: str) -> int:
        return 200 if persona in SEES[name] else 404

    def test_attachment_download(self):
        for name, attachment in self.attachments.items():
            url = reverse("customers:attachment-download", args=[attachment.pk])
            for persona in PERSONAS:
                with self.subTest(attachment=name, persona=persona):
                    response = self.web(persona).get(url)
                    self.assertEqual(response.status_code, self.expect(name, persona))
                    if response.status_code == 200:
                        self.assertEqual(b"".join(response.streaming_content), PNG)
                        self.assertEqual(response["Content-Type"], "image/png")

    def test_attachment_download_needs_sign_in(self):
        url = reverse("customers:attachment-download", args=[self.attachments["a1"].pk])
        self.assertEqual(self.web(None).get(url).status_code, 302)

    def test_follow_up_history(self):
        self._check_history("api:followup-history", self.follow_ups)

    def test_contact_history(self):
        self._check_history("api:contact-history", self.contacts)

    def _check_history(self, route: str, objects: dict):
        for name, obj in objects.items():
            url = reverse(route, args=[obj.pk])
            for persona in PERSONAS:
                with self.subTest(object=name, persona=persona):
                    response = self.api(persona).get(url)
                    self.assertEqual(response.status_code, self.expect(name, persona))
                    if response.status_code == 200:
                        events = response.json()["results"]
                        self.assertEqual([e["action"] for e in events], ["create"])
                        self.assertEqual(events[0]["object_id"], str(obj.pk))
        self.assertIn(self.api(None).get(url).status_code, (401, 403))

    def test_contact_archive(self):
        for name, customer in self.customers.items():
            for persona in PERSONAS:
                with self.subTest(customer=name, persona=persona):
                    contact = add_contact(customer, customer.owner, f"{persona}的联系人")
                    url = reverse("customers:contact-archive", args=[contact.pk])
                    response = self.web(persona).post(url)
                    contact.refresh_from_db()
                    if persona in WRITES[name]:
                        self.assertRedirects(
                            response, customer.get_absolute_url(), fetch_redirect_response=False
                        )
                        self.assertIsNotNone(contact.archived_at)
                    else:
                        expected = 403 if persona in SEES[name] else 404
                        self.assertEqual(response.status_code, expected)
                        self.assertIsNone(contact.archived_at)

    def test_contact_archive_is_post_only_and_needs_sign_in(self):
        contact = self.contacts["a1"]
        url = reverse("customers:contact-archive", args=[contact.pk])
        self.assertEqual(self.web("am_a1").get(url).status_code, 405)
        self.assertEqual(self.web(None).post(url).status_code, 302)
        self.assertFalse(Contact.objects.filter(pk=contact.pk, archived_at__isnull=False).exists())
