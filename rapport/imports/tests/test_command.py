"""`rapport import contacts|follow-ups|opportunities FILE`, `--skip-bad-rows` and
`--dry-run` (the customers command is in test_other_entities.py)."""

from __future__ import annotations

import io
import os
import tempfile

from django.core.management import call_command
from django.core.management.base import CommandError

from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Contact, Customer, FollowUp
from rapport.customers.services.customers import customer_create
from rapport.imports.models import ImportRun, ImportStatus
from rapport.imports.tests.helpers import csv_bytes
from rapport.sales.models import Opportunity

COMPANY = "北京锐拓科技有限公司"
FILES = {
    "contacts": [["客户名称", "姓名", "手机"], [COMPANY, "王经理", "138-0013-8000"]],
    "follow-ups": [
        ["客户", "跟进时间", "内容", "方式"],
        [COMPANY, "2024-03-15 14:30", "电话沟通", "call"],
    ],
    "opportunities": [
        ["客户名称", "商机名称", "金额", "阶段"],
        [COMPANY, "ERP 项目", "¥50,000", "方案报价"],
    ],
}
MODELS = {"contacts": Contact, "follow-ups": FollowUp, "opportunities": Opportunity}


class CommandEntityTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.company = customer_create(actor=cls.p.am_a1, data={"name": COMPANY})

    def _file(self, rows) -> str:
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
            handle.write(csv_bytes(rows))
        self.addCleanup(os.unlink, handle.name)
        return handle.name

    def _import(self, entity: str, rows, *options: str) -> str:
        out = io.StringIO()
        call_command(
            "import",
            entity,
            self._file(rows),
            "--owner",
            "am_a1",
            *options,
            stdout=out,
            stderr=io.StringIO(),
        )
        return out.getvalue()

    def test_contacts(self):
        out = self._import("contacts", FILES["contacts"])
        self.assertIn("created 1", out)
        contact = Contact.objects.get()
        self.assertEqual(
            (contact.customer, contact.name, contact.mobile),
            (self.company, "王经理", "+8613800138000"),
        )

    def test_follow_ups(self):
        out = self._import("follow-ups", FILES["follow-ups"])
        self.assertIn("created 1", out)
        follow_up = FollowUp.objects.get()
        self.assertEqual((follow_up.customer, follow_up.summary), (self.company, "电话沟通"))
        self.assertEqual(follow_up.author, self.p.am_a1)
        self.company.refresh_from_db()
        self.assertIsNotNone(self.company.last_follow_up_at)

    def test_opportunities(self):
        out = self._import("opportunities", FILES["opportunities"])
        self.assertIn("created 1", out)
        opportunity = Opportunity.objects.select_related("stage").get()
        self.assertEqual(
            (opportunity.customer, opportunity.name, str(opportunity.amount)),
            (self.company, "ERP 项目", "50000.00"),
        )
        self.assertEqual((opportunity.stage.name, opportunity.owner), ("方案报价", self.p.am_a1))

    def test_dry_run_writes_nothing_for_any_entity(self):
        for entity, rows in FILES.items():
            with self.subTest(entity):
                out = self._import(entity, rows, "--dry-run")
                self.assertIn("would create 1", out)
                self.assertFalse(MODELS[entity].objects.exists())
        self.company.refresh_from_db()
        self.assertIsNone(self.company.last_follow_up_at)
        self.assertFalse(ImportRun.objects.filter(dry_run=False, status=ImportStatus.DONE).exists())

    def test_skip_bad_rows_reports_each_with_line_and_reason_and_writes_the_good(self):
        rows = [
            *FILES["contacts"],
            [COMPANY, "坏号码", "12345"],  # line 3
            ["没有这家公司", "李工", "13900139000"],  # line 4
            [COMPANY, "赵总", "+86 137 0013 7000"],
        ]
        out = self._import("contacts", rows, "--skip-bad-rows")
        self.assertIn("created 2", out)
        self.assertIn("bad 2", out)
        lines = {line.strip().split(":", 1)[0]: line for line in out.splitlines()}
        self.assertIn("12345", lines["line 3"])
        self.assertIn("没有这家公司", lines["line 4"])
        self.assertEqual(set(Contact.objects.values_list("name", flat=True)), {"王经理", "赵总"})
        self.assertIn("Bad rows with reasons:", out)

    def test_skip_bad_rows_for_customers_follow_ups_and_opportunities(self):
        bad = {
            "customers": [["客户名称", "统一社会信用代码"], ["好公司", ""], ["坏公司", "bad"]],
            "follow-ups": [*FILES["follow-ups"], [COMPANY, "不是日期", "x", "call"]],
            "opportunities": [*FILES["opportunities"], [COMPANY, "怪单", "", "不存在的阶段"]],
        }
        for entity, rows in bad.items():
            with self.subTest(entity):
                out = self._import(entity, rows, "--skip-bad-rows")
                self.assertIn("created 1", out)
                self.assertIn("line 3:", out)
        self.assertTrue(Customer.objects.filter(name="好公司").exists())
        self.assertFalse(Customer.objects.filter(name="坏公司").exists())
        self.assertEqual(FollowUp.objects.count(), 1)
        self.assertEqual(Opportunity.objects.get().name, "ERP 项目")

    def test_without_skip_bad_rows_one_bad_row_writes_nothing(self):
        rows = [*FILES["contacts"], [COMPANY, "坏号码", "12345"]]
        with self.assertRaises(CommandError):
            self._import("contacts", rows)
        self.assertFalse(Contact.objects.exists())

    def test_an_unknown_user_or_a_missing_file_is_refused(self):
        with self.assertRaises(CommandError):
            self._import(
                "contacts", [["客户名称", "姓名"], ["华北客户", "外人"]], "--user", "nobody"
            )
        with self.assertRaises(CommandError):
            call_command("import", "contacts", "/nonexistent/file.csv", stdout=io.StringIO())
