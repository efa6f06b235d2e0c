"""Importing customers: validation, duplicates, all-or-nothing, scope (DESIGN §5, §6, §8)."""

from __future__ import annotations

from unittest import mock

from django.core.exceptions import ValidationError

from rapport.audit.models import Action, AuditEvent
from rapport.core.testing import PersonaTestCase
from rapport.customers.models import Customer, OwnershipEvent, OwnershipMove
from rapport.customers.services.customers import customer_create
from rapport.imports import services
from rapport.imports.models import ImportMapping, ImportStatus
from rapport.imports.tests.helpers import USCC, csv_bytes, run_import, upload, xlsx_bytes

HEADER = ["客户名称", "统一社会信用代码", "城市", "年度价值", "状态"]


def book(*rows) -> bytes:
    return csv_bytes([HEADER, *rows])


class CustomerImportTests(PersonaTestCase):
    def test_imports_rows_with_audit_and_ownership_events(self):
        content = book(
            ["北京锐拓科技有限公司", USCC[0], "北京", "¥1,200,000.50", "Active"],
            ["上海示例贸易有限公司", "", "上海", "12万", "lead"],
        )
        run = run_import(self.p.am_a1, "customers", content)
        self.assertEqual(run.status, ImportStatus.DONE, run.error)
        self.assertEqual(run.counts["create"], 2)
        first = Customer.objects.get(uscc=USCC[0])
        self.assertEqual((first.owner, first.team), (self.p.am_a1, self.p.team_a))
        self.assertEqual(str(first.annual_value), "1200000.50")
        self.assertEqual(first.status, "active")
        self.assertIn("beijing", first.search_text)
        self.assertIsNotNone(first.contact_due_on)
        second = Customer.objects.get(name="上海示例贸易有限公司")
        self.assertEqual(str(second.annual_value), "120000.00")
        events = AuditEvent.objects.for_object(first).filter(action=Action.CREATE)
        self.assertEqual(events.get().actor, self.p.am_a1)
        self.assertEqual(OwnershipEvent.objects.get(customer=first).move, OwnershipMove.IMPORT)

    def test_english_headers_and_an_xlsx_file(self):
        content = xlsx_bytes([["Customer Name", "USCC", "Owner"], ["锐拓", USCC[1], "am_a2"]])
        run = run_import(self.p.lead_a, "customers", content, name="book.xlsx")
        self.assertEqual(run.counts["create"], 1, run.problems)
        self.assertEqual(Customer.objects.get(uscc=USCC[1]).owner, self.p.am_a2)

    def test_owner_outside_the_importers_reach_is_a_bad_row(self):
        content = csv_bytes([["名称", "负责人"], ["锐拓", "am_b1"]])
        run = run_import(self.p.lead_a, "customers", content)
        self.assertEqual(run.status, ImportStatus.FAILED)
        self.assertIn("am_b1", run.problems[0]["message"])
        self.assertFalse(Customer.objects.exists())

    def test_bad_rows_fail_the_whole_file_and_are_all_reported(self):
        content = book(
            ["好公司", "", "", "", ""],
            ["", "", "北京", "", ""],  # empty required name
            ["坏代码公司", "91350100M000100Y44", "", "", ""],  # wrong check character
            ["坏金额公司", "", "", "很多", ""],
            ["坏状态公司", "", "", "", "倒闭"],
        )
        run = run_import(self.p.am_a1, "customers", content)
        self.assertEqual(run.status, ImportStatus.FAILED)
        self.assertEqual(run.counts["errors"], 4)
        self.assertEqual(run.counts["create"], 0)
        self.assertEqual([p["line"] for p in run.problems], [3, 4, 5, 6])
        self.assertIn("required", run.problems[0]["message"])
        self.assertIn("91350100M000100Y44", run.problems[1]["message"])
        self.assertFalse(Customer.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action=Action.CREATE, object_label="好公司"))

    def test_skip_bad_rows_writes_the_good_ones_and_the_error_file_says_why(self):
        content = book(["好公司", "", "", "", ""], ["坏公司", "123", "", "", ""])
        run = run_import(self.p.am_a1, "customers", content, skip_bad_rows=True)
        self.assertEqual(run.status, ImportStatus.DONE)
        self.assertEqual((run.counts["create"], run.counts["errors"]), (1, 1))
        self.assertTrue(Customer.objects.filter(name="好公司").exists())
        text = run.error_file.open("rb").read().decode("utf-8-sig")
        self.assertIn("坏公司", text)
        self.assertIn("18", text)  # the USCC must have 18 characters

    def test_missing_required_column_is_refused_before_the_run(self):
        content = csv_bytes([["城市"], ["北京"]])
        run = services.import_create(actor=self.p.am_a1, entity="customers", upload=upload(content))
        with self.assertRaises(ValidationError) as caught:
            services.import_configure(actor=self.p.am_a1, run=run)
        self.assertIn("Name", str(caught.exception))
        with self.assertRaises(ValidationError):
            services.import_configure(actor=self.p.am_a1, run=run, mapping=["nonsense"])

    def test_extra_cells_beyond_the_header_are_a_bad_row(self):
        content = "名称\n锐拓,多余\n".encode()
        run = run_import(self.p.am_a1, "customers", content)
        self.assertEqual(run.counts["errors"], 1)

    def test_html_script_and_formulas_stay_text(self):
        hostile = '<script>alert("x")</script>公司'
        content = book([hostile, "", "", "", ""], ['=HYPERLINK("http://x")', "", "", "", ""])
        run = run_import(self.p.am_a1, "customers", content)
        self.assertEqual(run.counts["create"], 2, run.problems)
        self.assertTrue(Customer.objects.filter(name=hostile).exists())
        self.assertTrue(Customer.objects.filter(name__startswith="=HYPERLINK").exists())
        page = self.web("am_a1").get(run.get_absolute_url())
        self.assertNotContains(page, "<script>alert")

    def test_sql_like_text_is_just_text(self):
        name = "x'); DROP TABLE customers_customer; --"
        run = run_import(self.p.am_a1, "customers", book([name, "", "", "", ""]))
        self.assertEqual(Customer.objects.get().name, name)
        self.assertEqual(run.status, ImportStatus.DONE)


class DuplicateTests(PersonaTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.mine = customer_create(
            actor=cls.p.am_a1, data={"name": "北京锐拓科技有限公司", "uscc": USCC[0]}
        )
        cls.theirs = customer_create(
            actor=cls.p.am_b1, data={"name": "华北秘密客户有限公司", "uscc": USCC[1]}
        )

    def test_duplicates_within_the_file_are_skipped(self):
        content = book(["新公司", "", "", "", ""], ["新公司有限公司", "", "", "", ""])
        run = run_import(self.p.am_a1, "customers", content)
        self.assertEqual((run.counts["create"], run.counts["skip"]), (1, 1))
        self.assertIn("2", run.problems[0]["message"])

    def test_duplicate_in_the_book_by_uscc_and_by_name(self):
        content = book(
            ["别的名字", USCC[0], "", "", ""], ["北京锐拓科技（中国）有限公司", "", "", "", ""]
        )
        run = run_import(self.p.am_a1, "customers", content)
        self.assertEqual((run.counts["create"], run.counts["skip"]), (0, 2))
        self.assertIn("北京锐拓科技有限公司", run.problems[0]["message"])

    def test_a_duplicate_outside_scope_is_reported_without_details(self):
        content = book(["华北秘密客户", "", "", "", ""], ["x", USCC[1], "", "", ""])
        run = run_import(self.p.am_a1, "customers", content)
        self.assertEqual(run.counts["skip"], 2)
        for problem in run.problems:
            self.assertNotIn("华北秘密", problem["message"])
            self.assertNotIn(str(self.theirs.pk), problem["message"])
            self.assertIn("someone else", problem["message"])

    def test_update_changes_the_existing_record_through_the_service(self):
        content = book(["北京锐拓科技有限公司", USCC[0], "天津", "", ""])
        run = run_import(self.p.am_a1, "customers", content, duplicates="update")
        self.assertEqual(run.counts["update"], 1, run.problems)
        self.mine.refresh_from_db()
        self.assertEqual((self.mine.city, self.mine.version), ("天津", 2))

    def test_update_of_someone_elses_record_is_refused(self):
        content = book(["华北秘密客户", USCC[1], "天津", "", ""])
        run = run_import(self.p.am_a1, "customers", content, duplicates="update")
        self.assertEqual(run.counts["errors"], 1)
        self.theirs.refresh_from_db()
        self.assertEqual(self.theirs.city, "")

    def test_create_anyway_by_name_but_never_a_second_uscc(self):
        content = book(["北京锐拓科技有限公司", "", "", "", ""])
        run = run_import(self.p.am_a1, "customers", content, duplicates="create")
        self.assertEqual(run.counts["create"], 1)
        content = book(["另一个", USCC[0], "", "", ""])
        run = run_import(self.p.am_a1, "customers", content, duplicates="create")
        self.assertEqual(run.counts["errors"], 1)

    def test_the_same_file_twice_creates_nothing_new_and_warns(self):
        content = book(["第一公司", "", "", "", ""], ["第二公司", USCC[2], "", "", ""])
        first = run_import(self.p.am_a1, "customers", content)
        self.assertEqual(first.counts["create"], 2)
        before = Customer.objects.count()
        second = run_import(self.p.am_a1, "customers", content)
        self.assertEqual((second.counts["create"], second.counts["skip"]), (0, 2))
        self.assertEqual(Customer.objects.count(), before)
        self.assertEqual(services.same_file_before(second), first)


class AllOrNothingTests(PersonaTestCase):
    def test_a_failure_half_way_leaves_no_rows(self):
        rows = [[f"公司{i}", "", "", "", ""] for i in range(2500)]  # two chunks
        content = book(*rows)
        run = services.import_create(actor=self.p.am_a1, entity="customers", upload=upload(content))
        from rapport.customers import io

        real = io.CustomerRows.create
        calls = []

        def crash_on_second_chunk(handler, rows, ctx):
            calls.append(len(rows))
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return real(handler, rows, ctx)

        with (
            mock.patch.object(io.CustomerRows, "create", crash_on_second_chunk),
            self.assertRaises(RuntimeError),
        ):
            services.import_execute(run=run, dry_run=False)
        self.assertEqual(calls, [2000, 500])
        self.assertFalse(Customer.objects.exists())
        self.assertFalse(OwnershipEvent.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action=Action.CREATE, object_label="公司1"))

    def test_dry_run_writes_nothing(self):
        run = run_import(self.p.am_a1, "customers", book(["公司", "", "", "", ""]), dry_run=True)
        self.assertEqual((run.status, run.counts["create"]), (ImportStatus.CHECKED, 1))
        self.assertFalse(Customer.objects.exists())

    @mock.patch("rapport.imports.engine.max_rows", return_value=3)
    def test_too_many_rows(self, _limit):
        run = run_import(
            self.p.am_a1, "customers", book(*[[f"c{i}", "", "", "", ""] for i in range(5)])
        )
        self.assertEqual(run.status, ImportStatus.FAILED)
        self.assertIn("3", run.error)
        self.assertFalse(Customer.objects.exists())


class MappingMemoryTests(PersonaTestCase):
    def test_the_chosen_mapping_is_remembered_for_the_same_headers(self):
        content = csv_bytes([["公司", "奇怪的列"], ["锐拓", "北京"]])
        run = services.import_create(actor=self.p.am_a1, entity="customers", upload=upload(content))
        self.assertEqual(run.mapping, ["name", ""])
        services.import_configure(actor=self.p.am_a1, run=run, mapping=["name", "city"])
        self.assertEqual(ImportMapping.objects.get(owner=self.p.am_a1).mapping, ["name", "city"])
        again = services.import_create(
            actor=self.p.am_a1, entity="customers", upload=upload(csv_bytes([["公司", "奇怪的列"]]))
        )
        self.assertEqual(again.mapping, ["name", "city"])
        other = services.import_create(
            actor=self.p.am_a2, entity="customers", upload=upload(content)
        )
        self.assertEqual(other.mapping, ["name", ""])

    def test_headers_match_full_width_case_and_spaces(self):
        content = csv_bytes(
            [["ＣＵＳＴＯＭＥＲ  name", " 统一社会 信用代码 ", "手机"], ["x", "", ""]]
        )
        run = services.import_create(actor=self.p.am_a1, entity="customers", upload=upload(content))
        self.assertEqual(run.mapping, ["name", "uscc", ""])

    def test_viewers_and_outsiders_cannot_import(self):
        from django.core.exceptions import PermissionDenied

        for persona in ("viewer", "outsider"):
            with self.subTest(persona=persona), self.assertRaises(PermissionDenied):
                services.import_create(
                    actor=getattr(self.p, persona), entity="customers", upload=upload(book())
                )

    def test_an_am_imports_only_for_themselves(self):
        run = services.import_create(actor=self.p.am_a1, entity="customers", upload=upload(book()))
        with self.assertRaises(ValidationError):
            services.import_configure(actor=self.p.am_a1, run=run, import_for=self.p.am_a2)

    def test_a_lead_imports_for_an_am_of_their_team_only(self):
        run = services.import_create(actor=self.p.lead_a, entity="customers", upload=upload(book()))
        services.import_configure(actor=self.p.lead_a, run=run, import_for=self.p.am_a2)
        with self.assertRaises(ValidationError):
            services.import_configure(actor=self.p.lead_a, run=run, import_for=self.p.am_b1)
