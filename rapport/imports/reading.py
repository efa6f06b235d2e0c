"""Reading an uploaded table: CSV in UTF-8 (with or without BOM), GBK/GB18030 or another
detected encoding, with its delimiter sniffed; XLSX through openpyxl after the zip has
been measured, so a zip bomb is refused before anything is unpacked (DESIGN §6).

Every problem is a `FileProblem` (a ValidationError) with a translated message; nothing
here writes anything.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 50 * MB))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 200_000))


# An XLSX is a zip of XML. Real workbooks compress their XML 5-50 times; a bomb compresses
# thousands of times. Both limits are checked on the zip's directory, before unpacking.
XLSX_MAX_UNCOMPRESSED = 400 * MB
XLSX_MAX_RATIO = 200
XLSX_MAX_ENTRIES = 5000
DELIMITERS = ",\t;"


class FileProblem(ValidationError):
    def __init__(self, message: str, code: str = "bad_file"):
        super().__init__({"file": [message]})
        self.code = code
        self.message_text = message


@dataclass
class Table:
    kind: str  # csv | xlsx
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number in the file, cells as text)
    estimated_rows: int
    encoding: str = ""
    delimiter: str = ""


def check_size(size: int) -> None:
    limit = max_upload_bytes()
    if size >= limit:
        raise FileProblem(
            _("The file is %(size)s MB; files must be smaller than %(limit)s MB.")
            % {"size": round(size / MB, 1), "limit": limit // MB},
            code="too_large",
        )


def open_table(handle, filename: str) -> Table:
    """The table in an uploaded file (a binary file object), by its content, not its name."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    check_size(size)
    if size == 0:
        raise FileProblem(_("The file is empty."), code="empty")
    head = handle.read(4)
    handle.seek(0)
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(handle)
    if filename.lower().endswith((".xls", ".xlsx", ".xlsm")) or head.startswith(
        b"\xd0\xcf\x11\xe0"
    ):
        raise FileProblem(
            _("This is not an XLSX workbook we can read; save it as .xlsx or .csv."),
            code="bad_format",
        )
    return read_csv(handle.read())


# --- CSV ---------------------------------------------------------------------------------------


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _has_cjk_utf8(line: bytes) -> bool:
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(1 for char in decoded if "\u4e00" <= char <= "\u9fff") >= 2


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-16 by its BOM, UTF-8 (BOM or not) strictly, then GB18030 (a
    superset of GBK), else charset-normalizer's best guess. A file whose lines are in
    different encodings is refused with the first line that differs."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(
            b"\xef\xbb\xbf"
        ) else "utf-8"
    except UnicodeDecodeError as error:
        failed_at = error.start
    # Not UTF-8 as a whole. If some lines are UTF-8 Chinese and others are not, the file
    # was glued together from two sources: refuse it rather than import mojibake.
    lines = data.split(b"\n")
    utf8_lines = [
        number
        for number, line in enumerate(lines, 1)
        if max(line, default=0) > 127 and _has_cjk_utf8(line)
    ]
    if utf8_lines:
        first_bad = _line_of(data, failed_at)
        raise FileProblem(
            _(
                "The file mixes text encodings: line %(utf8)s is UTF-8 but line %(other)s is "
                "not. Save the whole file in one encoding (UTF-8) and upload it again."
            )
            % {"utf8": utf8_lines[0], "other": first_bad},
            code="mixed_encoding",
        )
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * MB]).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    raise FileProblem(
        _("The file's text encoding could not be recognised; save it as UTF-8 CSV."),
        code="bad_encoding",
    )


def sniff_delimiter(sample: str) -> str:
    first = sample.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample[:20000], delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def read_csv(data: bytes) -> Table:
    text, encoding = decode(data)
    if "\x00" in text:
        raise FileProblem(_("This does not look like a text (CSV) file."), code="bad_format")
    text = text.lstrip("\ufeff")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = _csv_rows(reader)
    headers = _first_row(rows)
    return Table(
        kind="csv",
        headers=headers,
        rows=rows,
        estimated_rows=max(0, text.count("\n") - 1),
        encoding=encoding,
        delimiter=delimiter,
    )


def _csv_rows(reader) -> Iterator[tuple[int, list[str]]]:
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileProblem(
                _(
                    "The file is not valid CSV from line %(line)s: %(error)s (a quote that "
                    "is opened and never closed?)."
                )
                % {"line": start, "error": error},
                code="malformed",
            ) from None
        if any(cell.strip() for cell in cells):
            yield start, cells
        start = reader.line_num + 1


def _first_row(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    try:
        _line, headers = next(rows)
    except StopIteration:
        raise FileProblem(_("The file has no header row."), code="empty") from None
    headers = [str(cell).strip() for cell in headers]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise FileProblem(_("The file has no header row."), code="empty")
    return headers


# --- XLSX --------------------------------------------------------------------------------------


def check_zip(handle) -> None:
    """Refuse a workbook whose unpacked size or compression ratio is out of all proportion,
    reading only the zip's directory."""
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile:
        raise FileProblem(
            _("The workbook is damaged (not a valid XLSX file)."), "bad_format"
        ) from None
    entries = archive.infolist()
    total = sum(entry.file_size for entry in entries)
    too_dense = [
        entry
        for entry in entries
        if entry.file_size > MB and entry.file_size > XLSX_MAX_RATIO * max(entry.compress_size, 1)
    ]
    if len(entries) > XLSX_MAX_ENTRIES or total > XLSX_MAX_UNCOMPRESSED or too_dense:
        raise FileProblem(
            _(
                "The workbook would unpack to %(size)s MB (at most %(limit)s MB, compressed at "
                "most %(ratio)s times): it was refused as a possible zip bomb."
            )
            % {
                "size": round(total / MB),
                "limit": XLSX_MAX_UNCOMPRESSED // MB,
                "ratio": XLSX_MAX_RATIO,
            },
            code="zip_bomb",
        )
    handle.seek(0)


def cell_text(value) -> str:
    """A cell as text: whole numbers without `.0` (phones, codes), dates in ISO, formulas
    as the text of the formula (never evaluated)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e17 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx(handle) -> Table:
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    # openpyxl parses XML with defusedxml when it is installed (entity expansion attacks).
    assert DEFUSEDXML, "defusedxml must be installed for XLSX imports"
    check_zip(handle)
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise FileProblem(
            _("The workbook is damaged (not a valid XLSX file)."), "bad_format"
        ) from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise FileProblem(_("The workbook has no sheet."), code="empty")
    rows = _xlsx_rows(sheet)
    headers = _first_row(rows)
    estimated = max(0, (sheet.max_row or 1) - 1)
    return Table(kind="xlsx", headers=headers, rows=rows, estimated_rows=estimated)


def _xlsx_rows(sheet) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        cells = [cell_text(value) for value in values]
        if any(cell.strip() for cell in cells):
            yield number, cells
