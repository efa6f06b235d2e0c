"""Panel exports: XLSX keeps numbers and Chinese text, PDF renders Chinese and splits pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from decimal import Decimal
from io import BytesIO
from unittest import mock
from urllib.parse import unquote

from django.test import SimpleTestCase
from openpyxl import load_workbook

from rapport.goals import exports
from rapport.goals.dashboards.base import Cell, Panel, Table

HOSTILE = "<script>&\"'"


def team_panel(rows: int = 3) -> Panel:
    table = Table(["销售员 Person", "金额 Amount", "完成率 Attainment", "状态 Status", "备注 Note"])
    for i in range(rows):
        table.rows.append(
            [
                Cell(f"张伟 {i}", f"张伟 {i}", url=f"/sales/opportunities/?owner={i}"),
                Cell(1234.5 + i, f"{1234.5 + i:,.1f}"),
                Cell(None, "—") if i % 2 else Cell(Decimal("87.5"), "87.5 %"),
                Cell("behind", "落后"),
                Cell(HOSTILE, HOSTILE),
            ]
        )
    return Panel("team", "团队目标 Team targets", table=table, note="快照截至 2026-04-15")


def load(data: bytes):
    return load_workbook(BytesIO(data)).active


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def pdf_text(pdf: bytes) -> str | None:
    """The PDF's text via poppler's pdftotext, or None where it is not installed."""
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    return subprocess.run(
        [tool, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


class PanelXlsxTests(SimpleTestCase):
    def setUp(self):
        self.ws = load(exports.panel_xlsx(team_panel(), title="销售仪表盘 Q2"))

    def test_title_line_note_and_bold_frozen_header(self):
        self.assertEqual(self.ws["A1"].value, "销售仪表盘 Q2 · 团队目标 Team targets")
        self.assertEqual(self.ws["A2"].value, "快照截至 2026-04-15")
        self.assertEqual(self.ws["A4"].value, "销售员 Person")
        self.assertTrue(all(cell.font.b for cell in self.ws[4]))
        self.assertEqual(self.ws.freeze_panes, "A5")

    def test_numbers_stay_numbers_and_text_stays_intact(self):
        self.assertEqual((self.ws["B5"].value, self.ws["B5"].data_type), (1234.5, "n"))
        self.assertEqual((self.ws["C5"].value, self.ws["C5"].data_type), (87.5, "n"))
        self.assertEqual(self.ws["C5"].number_format, '0.0" %"')
        self.assertEqual(self.ws["C6"].value, "—")  # no figure: shown as in the page
        self.assertEqual(self.ws["A5"].value, "张伟 0")
        self.assertEqual(self.ws["D5"].value, "落后")  # the text shown, not the raw code
        self.assertEqual(self.ws["E5"].value, HOSTILE)

    def test_formula_looking_text_is_stored_as_text(self):
        panel = Panel("x", "x", Table(["a"], [[Cell("=1+2", "=1+2")], [Cell(True, "yes")]]))
        ws = load(exports.panel_xlsx(panel, title="t"))
        self.assertEqual((ws["A4"].value, ws["A4"].data_type), ("=1+2", "s"))
        self.assertEqual(ws["A5"].value, "yes")

    def test_links_need_a_base_url(self):
        self.assertIsNone(self.ws["A5"].hyperlink)
        panel = team_panel()
        panel.table.rows[1][0] = Cell("x", "x", url="javascript:alert(1)")
        ws = load(exports.panel_xlsx(panel, title="t", base_url="https://crm.example.com/"))
        self.assertEqual(
            ws["A5"].hyperlink.target, "https://crm.example.com/sales/opportunities/?owner=0"
        )
        self.assertIsNone(ws["A6"].hyperlink)

    def test_sheet_title_is_sanitized(self):
        panel = Panel("x", "目标/进度 [Q2]: *?\\ " + "长" * 40, Table(["a"], [[Cell(1, "1")]]))
        title = load(exports.panel_xlsx(panel, title="t")).title
        self.assertLessEqual(len(title), 31)
        self.assertFalse(set(title) & set("[]:*?/\\"))
        self.assertTrue(title.startswith("目标 进度"))

    def test_chinese_columns_are_wider(self):
        panel = Panel("x", "x", Table(["a", "b"], [[Cell("", "中" * 10), Cell("", "m" * 10)]]))
        ws = load(exports.panel_xlsx(panel, title="t"))
        self.assertGreater(ws.column_dimensions["A"].width, ws.column_dimensions["B"].width)

    def test_empty_panel_says_so_and_control_characters_are_dropped(self):
        panel = Panel("x", "空\x07", Table(["a"]), note="n\x00", empty="没有数据")
        ws = load(exports.panel_xlsx(panel, title="t"))
        self.assertEqual((ws["A2"].value, ws["A5"].value), ("n", "没有数据"))


class DashboardPdfTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        panels = [
            team_panel(300),
            Panel("chart", "只有图表", chart={"series": []}),  # no table: left out
            Panel("empty", "空面板", Table(["a"]), empty="暂无数据 Nothing yet"),
        ]
        cls.pdf = exports.dashboard_pdf(
            title="销售仪表盘 Q2", subtitle="2026年第二季度 · 快照截至 2026-04-15", panels=panels
        )

    def test_is_a_pdf_split_across_pages(self):
        self.assertTrue(self.pdf.startswith(b"%PDF"))
        self.assertGreater(page_count(self.pdf), 1)

    def test_uses_a_chinese_font(self):
        self.assertTrue(any(name in self.pdf for name in (b"STSong-Light", b"WenQuanYi")))

    def test_chinese_and_hostile_text_are_in_the_text(self):
        text = pdf_text(self.pdf)
        if text is None:
            self.skipTest("pdftotext is not installed")
        for phrase in ("销售仪表盘", "团队目标", "张伟 299", HOSTILE, "暂无数据"):
            self.assertIn(phrase, text)
        self.assertNotIn("只有图表", text)

    def test_wide_tables_shrink_to_the_page(self):
        table = Table([f"第{i}列 column {i}" for i in range(30)], [[Cell(1, "1,000,000")] * 30])
        avail = 770.0
        size, widths = exports._fit(table, exports.cjk_font(), 9, avail)
        self.assertGreaterEqual(size, exports.MIN_FONT_SIZE)
        self.assertLess(size, 9)
        self.assertLessEqual(sum(widths), avail + 0.01)

    def test_a_row_taller_than_a_page_still_builds(self):
        long = "很长的说明 long remark " * 1500
        panel = Panel("x", "x", Table(["a", "b"], [[Cell("x", "x"), Cell(long, long)]]))
        pdf = exports.dashboard_pdf(title="t", subtitle="", panels=[panel])
        self.assertGreater(page_count(pdf), 1)

    def test_a_font_that_cannot_be_embedded_falls_back_to_the_cid_font(self):
        self.addCleanup(exports.cjk_font.cache_clear)
        with tempfile.NamedTemporaryFile(suffix=".ttc") as bad:
            bad.write(b"OTTO not a TrueType font")
            bad.flush()
            with mock.patch.object(exports, "CJK_FONT_CANDIDATES", ("/nonexistent.ttc", bad.name)):
                exports.cjk_font.cache_clear()
                self.assertEqual(exports.cjk_font(), "STSong-Light")
        exports.cjk_font.cache_clear()


class FilenameTests(SimpleTestCase):
    def test_safe_filename_is_ascii(self):
        self.assertEqual(
            exports.safe_filename("销售仪表盘 Q2", ".pdf"), "xiao-shou-yi-biao-pan-q2.pdf"
        )
        self.assertEqual(exports.safe_filename("", "xlsx"), "export.xlsx")

    def test_content_disposition_keeps_the_chinese_name(self):
        header = exports.content_disposition('销售/仪表盘 "Q2"', "pdf")
        header.encode("latin-1")  # HTTP headers must be latin-1
        self.assertIn('filename="xiao-shou-yi-biao-pan-q2.pdf"', header)
        encoded = header.split("filename*=UTF-8''")[1]
        self.assertEqual(unquote(encoded), "销售 仪表盘 Q2.pdf")
