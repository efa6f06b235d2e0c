"""Query counts of the import runs list, page and API (DESIGN §7): the runs of several
people, some with a job, cost the same queries as one."""

from __future__ import annotations

import shutil
import tempfile

from django.test import override_settings
from django.urls import reverse

from rapport.core.testing import PersonaTestCase
from rapport.imports import services
from rapport.imports.models import ImportRun
from rapport.imports.tests.helpers import csv_bytes, upload

MEDIA = tempfile.mkdtemp(prefix="rapport-import-counts-")
MAPPING = ["name", "city"]


@override_settings(MEDIA_ROOT=MEDIA)
class ImportListQueryCountTests(PersonaTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(shutil.rmtree, MEDIA, ignore_errors=True)

    def grow(self):
        """Three runs each for an AM of either team, one of each started as a job."""
        for owner in (self.p.am_a1, self.p.am_b1):
            for n in range(3):
                count = ImportRun.objects.count()
                content = csv_bytes([["客户名称", "城市"], [f"导入客户{count}", "上海"]])
                run = services.import_create(
                    actor=owner, entity="customers", upload=upload(content, f"book{count}.csv")
                )
                run = services.import_configure(
                    actor=owner, run=run, mapping=MAPPING, import_for=owner if n else None
                )
                if n == 0:
                    services.import_start(actor=owner, run=run, dry_run=True)

    def check(self, persona, url, at_most, api=False):
        client = self.api(persona) if api else self.web(persona)
        count = self.assertQueriesConstant(lambda: client.get(url), self.grow, at_most=at_most)
        self.assertGreater(count, 0)
        return client.get(url)

    def test_import_page(self):
        self.grow()
        page = self.check("admin", reverse("imports:list"), 6)
        self.assertEqual(len(page.context["runs"]), 12)  # admins see everyone's
        page = self.check("am_a1", reverse("imports:list"), 6)
        self.assertEqual({run.owner_id for run in page.context["runs"]}, {self.p.am_a1.pk})

    def test_import_api(self):
        self.grow()
        body = self.check("admin", reverse("api:import-list"), 4, api=True).json()
        self.assertEqual(body["count"], 12)
        self.assertEqual(sum(1 for row in body["results"] if row["job"]), 4)
        body = self.check("am_b1", reverse("api:import-list"), 4, api=True).json()
        self.assertEqual({row["owner"] for row in body["results"]}, {"am_b1"})
        self.assertEqual(body["count"], 9)
