"""Exports: a page export holds exactly the rows of its list as the page shows them (the
page's defaults included), only rows the user may see, formulas neutralised, audited; it
starts by POST with CSRF only. The API export keeps its own shape."""

from __future__ import annotations

import csv
import io
from unittest import mock

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from rapport.audit.models import Action, AuditEvent
from rapport.core.services import archive_object
from rapport.core.testing import PersonaTestCase
from rapport.customers.services.contacts import contact_create
from rapport.customers.services.customers import customer_create
from rapport.customers.services.followups import followup_create
from rapport.customers.services.merge import customer_merge
from rapport.imports.exports import safe_cell
from rapport.sales.services import opportunity_create

EVIL = '=HYPERLINK("http://evil")'


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


class ExportCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        am_a1, am_b1 = cls.p.am_a1, cls.p.am_b1
        cls.mine = customer_create(
            actor=am_a1, data={"name": EVIL, "city": "北京", "annual_value": 5}
        )
        cls.other = customer_create(actor=am_a1, data={"name": "上海客户", "city": "上海"})
        cls.theirs = customer_create(actor=am_b1, data={"name": "华北秘密客户"})
        cls.gone = archive_object(
            actor=am_a1, obj=customer_create(actor=am_a1, data={"name": "已归档客户"})
        )
        loser = customer_create(actor=am_a1, data={"name": "被合并客户"})
        customer_merge(actor=am_a1, winner=cls.other, loser=loser)
        for customer, actor, tag in ((cls.other, am_a1, "甲"), (cls.theirs, am_b1, "乙")):
            contact_create(actor=actor, data={"customer": customer, "name": f"联系人{tag}"})
            followup_create(
                actor=actor,
                data={
                    "customer": customer,
                    "kind": "call",
                    "occurred_at": timezone.now(),
                    "summary": f"跟进{tag}",
                },
            )
            opportunity_create(
                actor=actor, data={"customer": customer, "name": f"商机{tag}", "amount": 5}
            )
        old = contact_create(actor=am_a1, data={"customer": cls.other, "name": "离职联系人"})
        archive_object(actor=am_a1, obj=old)

    def export(self, persona, entity="customers", fmt="csv", **filters):
        data = {"entity": entity, "format": fmt, **filters}
        return self.web(persona).post(reverse("imports:export"), data)

    def first_column(self, response, entity="customers") -> set[str]:
        self.assertEqual(response.status_code, 200, response.content[:300])
        rows = csv_rows(response.content)
        column = 0 if entity == "customers" else 1
        return {row[column] for row in rows[1:]}


class PageExportTests(ExportCase):
    def test_page_export_has_the_lists_rows_without_archived_or_merged_away(self):
        """Regression: the export passed only the request's filters, so it held archived
        and merged-away customers the list (live rows by default) did not show."""
        page = self.web("am_a1").get(reverse("customers:customer-list"))
        listed = {safe_cell(customer.name) for customer in page.context["object_list"]}
        exported = self.first_column(self.export("am_a1"))
        self.assertEqual(exported, listed)
        self.assertEqual(exported, {safe_cell(EVIL), "上海客户"})

    def test_asking_for_archived_rows_exports_those_the_list_shows(self):
        page = self.web("am_a1").get(reverse("customers:customer-list") + "?archived=true")
        listed = {customer.name for customer in page.context["object_list"]}
        exported = self.first_column(self.export("am_a1", archived="true"))
        self.assertEqual(exported, listed)
        self.assertEqual(exported, {"已归档客户", "被合并客户"})

    def test_filtered_xlsx_is_neutralised_and_audited_with_the_filters_applied(self):
        response = self.export("am_a1", fmt="xlsx", city="北京", page="3", nonsense="x")
        self.assertEqual(response.status_code, 200)
        rows = xlsx_rows(response.content)
        self.assertEqual(rows[0][:3], ["Name", "Short name", "Unified social credit code"])
        self.assertEqual([row[0] for row in rows[1:]], ["'" + EVIL])
        event = AuditEvent.objects.get(action=Action.EXPORT, actor=self.p.am_a1)
        self.assertEqual(event.extra["filters"], {"city": "北京", "archived": "false"})
        self.assertEqual(event.extra["rows"], 1)

    def test_csv_has_a_bom_and_formulas_stay_text(self):
        response = self.export("am_a1", fmt="csv", city="北京")
        self.assertTrue(response.content.decode("utf-8").startswith("\ufeff"))
        self.assertIn("'" + EVIL, self.first_column(response))

    def test_contacts_follow_ups_and_opportunities_export_the_lists_rows(self):
        pages = {
            "contacts": ("customers:contact-list", "name"),
            "follow-ups": ("customers:followup-list", "summary"),
            "opportunities": ("sales:opportunity-list", "name"),
        }
        expected = {"contacts": "联系人甲", "follow-ups": "跟进甲", "opportunities": "商机甲"}
        for entity, (url_name, attribute) in pages.items():
            with self.subTest(entity):
                page = self.web("am_a1").get(reverse(url_name))
                listed = {getattr(row, attribute) for row in page.context["object_list"]}
                response = self.export("am_a1", entity=entity)
                rows = csv_rows(response.content)
                column = 3 if entity == "follow-ups" else 1
                exported = {row[column] for row in rows[1:]}
                self.assertEqual(exported, listed)
                self.assertEqual(exported, {expected[entity]})

    def test_an_outsider_or_another_team_gets_none_of_a_teams_rows(self):
        ours = {"上海客户", "联系人甲", "跟进甲", "商机甲", "已归档客户", "被合并客户"}
        for entity in ("customers", "contacts", "follow-ups", "opportunities"):
            for persona in ("outsider", "am_b1", "lead_b"):
                with self.subTest(entity=entity, persona=persona):
                    for archived in ("false", "true", ""):
                        text = self.export(persona, entity=entity, archived=archived)
                        body = text.content.decode("utf-8-sig")
                        self.assertFalse(any(name in body for name in ours), body)
                        if persona == "outsider":
                            self.assertEqual(len(csv_rows(text.content)), 1)
        self.assertIn("华北秘密客户", self.export("lead_b").content.decode("utf-8-sig"))

    def test_large_page_export_becomes_a_job_with_the_page_defaults(self):
        from rapport.core.models import Job

        with (
            mock.patch("rapport.imports.exports.INLINE_LIMIT", 1),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.export("am_a1", fmt="xlsx")
        job = Job.objects.get(kind="export")
        self.assertRedirects(response, job.get_absolute_url(), fetch_redirect_response=False)
        self.assertEqual(job.status, "succeeded", job.error)
        rows = xlsx_rows(job.result_file.open("rb").read())
        self.assertEqual(sorted(row[0] for row in rows[1:]), sorted(["'" + EVIL, "上海客户"]))


class ExportRequestTests(ExportCase):
    def test_get_does_not_export(self):
        url = reverse("imports:export") + "?entity=customers&format=csv"
        response = self.web("am_a1").get(url)
        self.assertEqual(response.status_code, 405)
        self.assertFalse(AuditEvent.objects.filter(action=Action.EXPORT).exists())

    def test_a_post_without_the_csrf_token_is_refused(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.p.am_a1)
        response = client.post(reverse("imports:export"), {"entity": "customers"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(action=Action.EXPORT).exists())

    def test_signed_out_is_sent_to_log_in(self):
        response = self.web(None).post(reverse("imports:export"), {"entity": "customers"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(AuditEvent.objects.filter(action=Action.EXPORT).exists())

    def test_bad_input_goes_back_to_the_list_with_the_reason(self):
        back = reverse("customers:customer-list") + "?city=x"
        response = self.web("am_a1").post(
            reverse("imports:export"),
            {"entity": "customers", "format": "pdf", "next": back},
            follow=True,
        )
        self.assertRedirects(response, back)
        self.assertContains(response, "Choose xlsx or csv.")
        unknown = self.export("am_a1", entity="nope", next="https://evil.example/")
        self.assertEqual(unknown.status_code, 400)
        self.assertIn("nope", unknown.content.decode())
        self.assertFalse(AuditEvent.objects.filter(action=Action.EXPORT).exists())


class ExportButtonTests(ExportCase):
    def test_each_list_page_offers_xlsx_and_csv_by_post_with_its_filters(self):
        from rapport.customers.tests.pool_helpers import make_pool

        pool = make_pool("A pool", self.p.team_a)
        pages = {
            "customers": reverse("customers:customer-list"),
            "contacts": reverse("customers:contact-list"),
            "follow-ups": reverse("customers:followup-list"),
            "opportunities": reverse("sales:opportunity-list"),
            "pool-customers": reverse("customers:pool-detail", args=[pool.pk]),
        }
        for entity, url in pages.items():
            with self.subTest(entity):
                page = self.web("lead_a").get(url + "?q=%3Cb%3E&page=1")
                self.assertContains(page, 'data-testid="export-form"')
                self.assertContains(page, f'action="{reverse("imports:export")}"')
                self.assertContains(page, f'<input type="hidden" name="entity" value="{entity}">')
                self.assertContains(page, 'name="csrfmiddlewaretoken"')
                self.assertContains(page, '<input type="hidden" name="q" value="&lt;b&gt;">')
                self.assertContains(page, 'name="format" value="xlsx"')
                self.assertContains(page, 'name="format" value="csv"')
                self.assertNotContains(page, reverse("imports:export") + "?")
        pool_page = self.web("lead_a").get(pages["pool-customers"])
        self.assertContains(pool_page, f'<input type="hidden" name="pool" value="{pool.pk}">')


class PoolExportTests(ExportCase):
    def test_a_pools_customers_only_and_only_a_pool_the_user_may_see(self):
        from rapport.customers.tests.pool_helpers import make_pool, pool_customer

        pool_a = make_pool("A pool", self.p.team_a)
        pool_b = make_pool("B pool", self.p.team_b)
        pool_customer("公海甲", pool_a)
        pool_customer("公海乙", pool_b)
        response = self.export("am_a1", entity="pool-customers", pool=pool_a.pk)
        self.assertEqual(self.first_column(response), {"公海甲"})
        self.assertEqual(csv_rows(response.content)[0][-1], "In the pool since")
        for persona in ("am_a1", "outsider"):
            refused = self.export(persona, entity="pool-customers", pool=pool_b.pk)
            self.assertEqual(refused.status_code, 400, persona)
        self.assertEqual(self.export("am_a1", entity="pool-customers").status_code, 400)


class ApiExportTests(ExportCase):
    def test_api_export_is_scoped_and_large_exports_become_jobs(self):
        response = self.api("lead_b").post(
            reverse("api:export-list"), {"entity": "customers", "format": "csv"}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("华北秘密客户", response.content.decode("utf-8-sig"))
        self.assertNotIn("上海客户", response.content.decode("utf-8-sig"))
        with (
            mock.patch("rapport.imports.exports.INLINE_LIMIT", 1),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.api("am_a1").post(
                reverse("api:export-list"),
                {"entity": "customers", "format": "xlsx", "filters": {"archived": "false"}},
                format="json",
            )
        self.assertEqual(response.status_code, 202, response.content)
        from rapport.core.models import Job

        job = Job.objects.get(pk=response.json()["id"])
        self.assertEqual(job.status, "succeeded", job.error)
        self.assertEqual(len(xlsx_rows(job.result_file.open("rb").read())), 3)
        bad = self.api("am_a1").post(reverse("api:export-list"), {"entity": "nope"}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(self.api(None).post(reverse("api:export-list"), {}).status_code, 401)
