"""Reading uploaded files: encodings, delimiters, malformed CSV, size limits, XLSX bombs."""

from __future__ import annotations

import io
import zipfile

from django.test import SimpleTestCase, override_settings

from rapport.imports import reading
from rapport.imports.reading import FileProblem, open_table
from rapport.imports.tests.helpers import csv_bytes, xlsx_bytes

ROWS = [["客户名称", "城市"], ["北京锐拓科技有限公司", "北京"], ["上海示例贸易有限公司", "上海"]]


def table_of(content: bytes, name: str = "f.csv"):
    table = open_table(io.BytesIO(content), name)
    return table, list(table.rows)


class EncodingTests(SimpleTestCase):
    def test_utf8(self):
        table, rows = table_of(csv_bytes(ROWS))
        self.assertEqual(table.headers, ["客户名称", "城市"])
        self.assertEqual(rows[0], (2, ["北京锐拓科技有限公司", "北京"]))
        self.assertEqual(table.encoding, "utf-8")

    def test_utf8_with_bom(self):
        table, rows = table_of(b"\xef\xbb\xbf" + csv_bytes(ROWS))
        self.assertEqual(table.headers[0], "客户名称")  # no BOM glued to the first header
        self.assertEqual(table.encoding, "utf-8-sig")

    def test_gbk(self):
        table, rows = table_of(csv_bytes(ROWS, "gbk"))
        self.assertEqual(table.encoding, "gb18030")
        self.assertEqual(rows[1][1][0], "上海示例贸易有限公司")

    def test_gb18030_only_characters(self):
        rows = [["客户名称"], ["𠀀字号公司"]]  # outside GBK, inside GB18030
        table, read = table_of(csv_bytes(rows, "gb18030"))
        self.assertEqual(read[0][1], ["𠀀字号公司"])

    def test_utf16_from_excel_unicode_text(self):
        content = "客户名称\t城市\r\n北京锐拓\t北京\r\n".encode("utf-16")
        table, rows = table_of(content)
        self.assertEqual((table.delimiter, rows[0][1]), ("\t", ["北京锐拓", "北京"]))

    def test_mixed_encodings_are_refused_with_the_line(self):
        content = csv_bytes(ROWS[:2]) + "上海示例贸易有限公司,上海\n".encode("gbk")
        with self.assertRaises(FileProblem) as caught:
            table_of(content)
        self.assertEqual(caught.exception.code, "mixed_encoding")
        self.assertIn("3", caught.exception.message_text)

    def test_binary_garbage_is_refused(self):
        with self.assertRaises(FileProblem):
            table_of(bytes(range(256)) * 20)


class CsvShapeTests(SimpleTestCase):
    def test_semicolon_and_tab_are_sniffed(self):
        for delimiter in (";", "\t"):
            table, rows = table_of(csv_bytes(ROWS, delimiter=delimiter))
            self.assertEqual(table.delimiter, delimiter)
            self.assertEqual(rows[0][1], ["北京锐拓科技有限公司", "北京"])

    def test_unbalanced_quote_is_refused_with_the_line(self):
        content = '客户名称,城市\n北京锐拓,北京\n"上海示例,上海\n广州,广州\n'.encode()
        with self.assertRaises(FileProblem) as caught:
            table_of(content)
        self.assertEqual(caught.exception.code, "malformed")
        self.assertIn("3", caught.exception.message_text)

    def test_blank_lines_are_skipped_and_lines_counted(self):
        table, rows = table_of("名称\n\nA公司\n,\nB公司\n".encode())
        self.assertEqual([line for line, _cells in rows], [3, 5])

    def test_empty_file_and_header_only(self):
        with self.assertRaises(FileProblem):
            table_of(b"")
        table, rows = table_of("名称,城市\n".encode())
        self.assertEqual(rows, [])


class SizeTests(SimpleTestCase):
    def test_a_50_mb_file_is_refused(self):
        content = b"name\n" + b"x" * (50 * 1024 * 1024)
        with self.assertRaises(FileProblem) as caught:
            open_table(io.BytesIO(content), "big.csv")
        self.assertEqual(caught.exception.code, "too_large")
        self.assertIn("50", caught.exception.message_text)

    @override_settings(IMPORT_MAX_UPLOAD_BYTES=1000)
    def test_the_limit_is_a_setting(self):
        with self.assertRaises(FileProblem):
            open_table(io.BytesIO(b"n\n" + b"x" * 1000), "f.csv")


class XlsxTests(SimpleTestCase):
    def test_reads_values_dates_numbers_and_keeps_formulas_as_text(self):
        import datetime as dt

        content = xlsx_bytes(
            [["名称", "手机", "日期", "公式"], ["锐拓", 13800138000, dt.date(2024, 3, 15), "=1+1"]]
        )
        table, rows = table_of(content, "f.xlsx")
        self.assertEqual(table.kind, "xlsx")
        self.assertEqual(rows[0][1], ["锐拓", "13800138000", "2024-03-15", "=1+1"])

    def test_defusedxml_is_used(self):
        from openpyxl.xml import DEFUSEDXML

        self.assertTrue(DEFUSEDXML)

    def test_zip_bomb_is_refused_before_unpacking(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
        with self.assertRaises(FileProblem) as caught:
            table_of(buffer.getvalue(), "bomb.xlsx")
        self.assertEqual(caught.exception.code, "zip_bomb")

    def test_total_unpacked_size_is_limited(self):
        content = xlsx_bytes([["名称"], ["锐拓"]])
        original = reading.XLSX_MAX_UNCOMPRESSED
        reading.XLSX_MAX_UNCOMPRESSED = 100
        try:
            with self.assertRaises(FileProblem) as caught:
                table_of(content, "f.xlsx")
        finally:
            reading.XLSX_MAX_UNCOMPRESSED = original
        self.assertEqual(caught.exception.code, "zip_bomb")

    def test_damaged_workbook(self):
        with self.assertRaises(FileProblem):
            table_of(b"PK\x03\x04 not really a zip", "f.xlsx")
        with self.assertRaises(FileProblem):
            table_of(b"\xd0\xcf\x11\xe0 old xls", "f.xls")
