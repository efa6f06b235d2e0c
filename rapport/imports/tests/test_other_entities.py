"""Contacts, follow-ups and opportunities imports, the API, the command, pages (exports:
test_exports.py)."""

from __future__ import annotations

import io
import tempfile

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from rapport.core.testing import PERSONAS, PersonaTestCase, ScopeContract
from rapport.customers.models import Contact, Customer, FollowUp
from rapport.customers.services.customers import customer_create
from rapport.imports.models import ImportRun, ImportStatus
from rapport.imports.tests.helpers import USCC, csv_bytes, run_import, upload


class ChildRowsTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mine = customer_create(
            actor=cls.p.am_a1, data={"name": "北京锐拓科技有限公司", "uscc": USCC[0]}
        )
        cls.theirs = customer_create(actor=cls.p.am_b1, data={"name": "华北客户有限公司"})

    def test_contacts_phones_emails_and_primary(self):
        content = csv_bytes(
            [
                ["客户名称", "姓名", "手机", "电话", "邮箱"],
                ["北京锐拓科技", "王经理", "138-0013-8000", "(010) 6552-9988 转 123", "w@x.cn"],
                ["北京锐拓科技", "李工", "+86 139 0013 9000", "", ""],
                ["北京锐拓科技", "重复", "13800138000", "", ""],  # same mobile as line 2
                ["北京锐拓科技", "坏号码", "12345", "", "not-mail"],
                ["华北客户", "外人", "13700137000", "", ""],  # not my customer
            ]
        )
        run = run_import(self.p.am_a1, "contacts", content, skip_bad_rows=True)
        self.assertEqual(run.status, ImportStatus.DONE)
        self.assertEqual(
            (run.counts["create"], run.counts["skip"], run.counts["errors"]), (2, 1, 2)
        )
        wang = Contact.objects.get(name="王经理")
        self.assertEqual(
            (wang.mobile, wang.phone, wang.phone_ext), ("+8613800138000", "+861065529988", "123")
        )
        self.assertTrue(wang.is_primary)
        self.assertFalse(Contact.objects.get(name="李工").is_primary)
        messages = " ".join(p["message"] for p in run.problems)
        self.assertIn("12345", messages)
        self.assertIn("not-mail", messages)
        self.assertNotIn("华北客户有限公司", messages)
        self.assertFalse(Contact.objects.filter(customer=self.theirs).exists())

    def test_follow_ups_move_the_customer_dates_and_are_not_doubled(self):
        content = csv_bytes(
            [
                ["客户", "跟进时间", "内容", "下次跟进日期", "方式"],
                ["北京锐拓科技有限公司", "2024年3月15日 14:30", "电话沟通", "2099-01-01", "call"],
                ["北京锐拓科技有限公司", "2024/03/16", "上门拜访", "", "visit"],
                ["北京锐拓科技有限公司", "2099-01-01", "未来", "", ""],  # in the future
            ]
        )
        run = run_import(self.p.am_a1, "follow-ups", content, skip_bad_rows=True)
        self.assertEqual((run.counts["create"], run.counts["errors"]), (2, 1), run.problems)
        self.mine.refresh_from_db()
        last = timezone.localtime(self.mine.last_follow_up_at)
        self.assertEqual(last.date().isoformat(), "2024-03-16")
        again = run_import(self.p.am_a1, "follow-ups", content, skip_bad_rows=True)
        self.assertEqual((again.counts["create"], again.counts["skip"]), (0, 2))
        self.assertEqual(FollowUp.objects.count(), 2)

    def test_opportunities_with_stage_by_name(self):
        from rapport.sales.models import Opportunity  # the default pipeline comes with a migration

        content = csv_bytes(
            [
                ["客户名称", "商机名称", "金额", "阶段", "预计成交日期"],
                ["北京锐拓科技有限公司", "ERP 项目", "¥50,000", "", "2025-06-30"],
                ["北京锐拓科技有限公司", "大单", "1,000,000", "赢单", ""],
                ["北京锐拓科技有限公司", "怪单", "", "不存在的阶段", ""],
            ]
        )
        run = run_import(self.p.am_a1, "opportunities", content, skip_bad_rows=True)
        self.assertEqual((run.counts["create"], run.counts["errors"]), (2, 1), run.problems)
        erp = Opportunity.objects.get(name="ERP 项目")
        self.assertEqual(
            (erp.stage.name, str(erp.amount), erp.team), ("初步接洽", "50000.00", self.p.team_a)
        )
        self.assertIsNotNone(Opportunity.objects.get(name="大单").closed_at)
        self.assertEqual(erp.stage_changes.count(), 1)


class ImportRunScopeTests(ScopeContract, PersonaTestCase):
    model = ImportRun
    api_basename = "api:import"
    page_detail = "imports:detail"
    visible = {p: set() for p in PERSONAS} | {
        "admin": "*",
        "am_a1": {"am_a1"},
        "lead_a": {"lead_a"},
    }

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        content = csv_bytes([["名称"], ["锐拓"]])
        from rapport.imports.services import import_create

        cls.runs = {
            name: import_create(
                actor=getattr(cls.p, name), entity="customers", upload=upload(content)
            )
            for name in ("am_a1", "lead_a")
        }

    def objects(self):
        return self.runs


class ApiTests(PersonaTestCase):
    def test_upload_dry_run_then_status_run_and_error_file(self):
        client = self.api("am_a1")
        content = csv_bytes([["名称", "统一社会信用代码"], ["好公司", ""], ["坏公司", "bad"]])
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(
                reverse("api:import-list"),
                {"file": upload(content), "entity": "customers", "skip_bad_rows": "true"},
                format="multipart",
            )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["job"]["kind"], "import")
        detail = client.get(reverse("api:import-detail", args=[body["id"]])).json()
        self.assertEqual(detail["status"], "checked")
        self.assertEqual(detail["counts"]["errors"], 1)
        self.assertFalse(Customer.objects.exists())
        errors = client.get(reverse("api:import-errors", args=[body["id"]]))
        self.assertEqual(errors.status_code, 200)
        self.assertIn("坏公司", b"".join(errors.streaming_content).decode("utf-8-sig"))
        with self.captureOnCommitCallbacks(execute=True):
            started = client.post(
                reverse("api:import-start", args=[body["id"]]), {"dry_run": False}, format="json"
            )
        self.assertEqual(started.status_code, 200, started.content)
        self.assertEqual(started.json()["status"], "running")
        detail = client.get(reverse("api:import-detail", args=[body["id"]])).json()
        self.assertEqual((detail["status"], detail["counts"]["create"]), ("done", 1))
        self.assertEqual(
            self.api("am_a2").get(reverse("api:import-errors", args=[body["id"]])).status_code, 404
        )

    def test_bad_uploads_answer_400_naming_the_field(self):
        client = self.api("am_a1")
        response = client.post(
            reverse("api:import-list"), {"entity": "customers"}, format="multipart"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("file", response.json()["errors"])
        mixed = csv_bytes([["名称"], ["锐拓科技公司"]]) + "北京科技公司\n".encode("gbk")
        response = client.post(
            reverse("api:import-list"),
            {"file": upload(mixed), "entity": "customers"},
            format="multipart",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("encoding", response.json()["errors"]["file"][0])
        response = client.post(
            reverse("api:import-list"),
            {"file": upload(csv_bytes([["名称"], ["x"]])), "entity": "customers", "owner": "am_b1"},
            format="multipart",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("owner", response.json()["errors"])
        self.assertEqual(
            self.api("viewer")
            .post(
                reverse("api:import-list"),
                {"file": upload(csv_bytes([["名称"], ["x"]])), "entity": "customers"},
                format="multipart",
            )
            .status_code,
            403,
        )


class CommandTests(PersonaTestCase):
    def _file(self, rows) -> str:
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
            handle.write(csv_bytes(rows))
        self.addCleanup(lambda: __import__("os").unlink(handle.name))
        return handle.name

    def test_dry_run_then_import(self):
        path = self._file([["客户名称"], ["命令行公司"]])
        out, err = io.StringIO(), io.StringIO()
        call_command(
            "import", "customers", path, "--dry-run", "--owner", "am_a1", stdout=out, stderr=err
        )
        self.assertIn("would create 1", out.getvalue())
        self.assertFalse(Customer.objects.exists())
        call_command("import", "customers", path, "--owner", "am_a1", stdout=out, stderr=err)
        self.assertEqual(Customer.objects.get().owner, self.p.am_a1)

    def test_bad_rows_fail_the_command(self):
        path = self._file([["客户名称", "统一社会信用代码"], ["x", "bad"]])
        with self.assertRaises(CommandError):
            call_command(
                "import",
                "customers",
                path,
                "--owner",
                "am_a1",
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        self.assertFalse(Customer.objects.exists())


class WizardPageTests(PersonaTestCase):
    def test_upload_map_dry_run_and_import_through_the_pages(self):
        client = self.web("lead_a")
        content = csv_bytes([["客户名称", "负责人", "备注"], ["页面公司", "am_a2", "<b>粗</b>"]])
        response = client.post(
            reverse("imports:list"), {"entity": "customers", "file": upload(content)}
        )
        run = ImportRun.objects.get()
        self.assertRedirects(response, reverse("imports:map", args=[run.pk]))
        page = client.get(reverse("imports:map", args=[run.pk]))
        self.assertContains(page, "页面公司")
        self.assertContains(page, 'value="name" selected')
        form = {
            "col_0": "name",
            "col_1": "owner",
            "col_2": "notes",
            "duplicates": "skip",
            "import_for": self.p.lead_a.pk,
        }
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("imports:map", args=[run.pk]), form)
        self.assertRedirects(response, reverse("imports:detail", args=[run.pk]))
        page = client.get(reverse("imports:detail", args=[run.pk]))
        self.assertContains(page, 'data-testid="run-import"')
        with self.captureOnCommitCallbacks(execute=True):
            client.post(reverse("imports:run", args=[run.pk]), {"dry_run": "0"})
        self.assertEqual(Customer.objects.get().owner, self.p.am_a2)
        self.assertEqual(Customer.objects.get().notes, "<b>粗</b>")

    def test_upload_errors_are_shown_and_others_get_404(self):
        client = self.web("am_a1")
        response = client.post(
            reverse("imports:list"),
            {"entity": "customers", "file": upload(b"\xd0\xcf\x11\xe0xx", "a.xls")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "xlsx", status_code=400)
        run = run_import(self.p.am_a1, "customers", csv_bytes([["名称"], ["x"]]), dry_run=True)
        for persona in ("am_a2", "lead_b", "outsider"):
            self.assertEqual(
                self.web(persona).get(reverse("imports:map", args=[run.pk])).status_code, 404
            )
            self.assertEqual(
                self.web(persona).get(reverse("imports:errors", args=[run.pk])).status_code, 404
            )
