"""The upload size limit at the doors: the API upload and the wizard's upload page refuse
an over-limit file with a translated error naming the field, and keep nothing (no run,
no stored file). The limit is the IMPORT_MAX_UPLOAD_BYTES setting, so the tests lower it
instead of building 50 MB; test_reading.py checks the real 50 MB default."""

from __future__ import annotations

import os
import shutil
import tempfile

from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from rapport.core.testing import PersonaTestCase
from rapport.imports.models import ImportRun
from rapport.imports.reading import MB
from rapport.imports.tests.helpers import csv_bytes, upload

LIMIT = 2 * MB


def over_limit() -> bytes:
    """A valid CSV just past the limit (so only its size is wrong)."""
    head = csv_bytes([["客户名称", "备注"]])
    row = "大号公司,".encode() + b"x" * 1000 + b"\n"
    return head + row * (LIMIT // len(row) + 1)


class UploadLimitTests(PersonaTestCase):
    def setUp(self):
        media = tempfile.mkdtemp(prefix="rapport-upload-limit-")
        self.addCleanup(shutil.rmtree, media, ignore_errors=True)
        self.media = media
        settings = override_settings(IMPORT_MAX_UPLOAD_BYTES=LIMIT, MEDIA_ROOT=media)
        settings.enable()
        self.addCleanup(settings.disable)

    def assertNothingKept(self):
        self.assertFalse(ImportRun.objects.exists())
        stored = [name for _root, _dirs, files in os.walk(self.media) for name in files]
        self.assertEqual(stored, [])

    def test_the_file_is_past_the_limit_and_otherwise_fine(self):
        content = over_limit()
        self.assertGreater(len(content), LIMIT)
        response = self.web("am_a1").post(
            reverse("imports:list"),
            {"entity": "customers", "file": upload(content[: LIMIT // 2].rsplit(b"\n", 1)[0])},
        )
        self.assertEqual(response.status_code, 302)  # the same rows under the limit go in

    def test_api_upload_is_refused_naming_the_field(self):
        response = self.api("am_a1").post(
            reverse("api:import-list"),
            {"file": upload(over_limit()), "entity": "customers"},
            format="multipart",
        )
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        self.assertEqual(list(errors), ["file"])
        self.assertIn("smaller than 2 MB", errors["file"][0])
        self.assertNothingKept()

    def test_api_error_is_translated(self):
        response = self.api("am_a1").post(
            reverse("api:import-list"),
            {"file": upload(over_limit()), "entity": "customers"},
            format="multipart",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertEqual(response.status_code, 400)
        with translation.override("zh-hans"):
            expected = translation.gettext(
                "The file is %(size)s MB; files must be smaller than %(limit)s MB."
            )
        self.assertNotIn("must be smaller", expected, "the catalogue lacks this message")
        self.assertIn(expected.split("%")[0], response.json()["errors"]["file"][0])
        self.assertNothingKept()

    def test_wizard_upload_is_refused_on_the_file_field(self):
        response = self.web("am_a1").post(
            reverse("imports:list"), {"entity": "customers", "file": upload(over_limit())}
        )
        self.assertEqual(response.status_code, 400)
        form = response.context["form"]
        self.assertEqual(list(form.errors), ["file"])
        self.assertIn("smaller than 2 MB", form.errors["file"][0])
        self.assertContains(response, "smaller than 2 MB", status_code=400)
        self.assertNothingKept()

    def test_wizard_error_is_translated(self):
        client = self.web("am_a1")
        response = client.post(
            reverse("imports:list"),
            {"entity": "customers", "file": upload(over_limit())},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        self.assertEqual(response.status_code, 400)
        with translation.override("zh-hans"):
            expected = translation.gettext(
                "The file is %(size)s MB; files must be smaller than %(limit)s MB."
            )
        self.assertIn(expected.split("%")[0], response.context["form"].errors["file"][0])
        self.assertNothingKept()
