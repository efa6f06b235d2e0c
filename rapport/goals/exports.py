"""Dashboard panels as files: one panel as an XLSX sheet, a whole dashboard as a PDF.

Both read the same `Panel`/`Table`/`Cell` shapes the pages render (charts are left out).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote, urljoin, urlsplit
from xml.sax.saxutils import escape

from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pypinyin import lazy_pinyin

from rapport.goals.dashboards.base import Cell, Panel

# Checked in order. Only TrueType-outline fonts can be embedded by reportlab; a CFF .ttc
# (e.g. Debian's Noto CJK) fails to register and is skipped.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
FALLBACK_CID_FONT = "STSong-Light"  # Adobe's standard CJK font: needs no file, is not embedded
MIN_FONT_SIZE = 6
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def _is_number(value) -> bool:
    # bool is an int subclass but means yes/no; NaN and infinity have no spreadsheet form.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(value) if isinstance(value, float) else Decimal(value).is_finite()


def _clean(text) -> str:
    """Text without the control characters XLSX (and PDF markup) cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(text))


def _display_width(text: str) -> int:
    """Width in monospace columns: CJK (wide and fullwidth) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _absolute_url(url: str, base_url: str | None) -> str:
    """An http(s) link to put on a cell, or "" (a relative link means nothing in a file)."""
    if not url:
        return ""
    absolute = urljoin(base_url, url) if base_url else url
    return absolute if urlsplit(absolute).scheme in ("http", "https") else ""


# ---- XLSX -----------------------------------------------------------------------------------


def sheet_title(text: str) -> str:
    """Excel refuses sheet names over 31 characters, with []:*?/\\ or edged with apostrophes."""
    cleaned = _SHEET_TITLE_BAD.sub(" ", _clean(text)).strip().strip("'")
    return cleaned[:31].strip() or "Sheet"


def _xlsx_cell(ws, row: int, column: int, cell: Cell, base_url: str | None):
    target = ws.cell(row=row, column=column)
    if _is_number(cell.value):
        target.value = cell.value
        if cell.text.rstrip().endswith("%"):  # figures hold 12.5 for "12.5 %", not 0.125
            target.number_format = '0.0" %"'
    else:
        target = _text_cell(ws, row, column, cell.text)
    link = _absolute_url(cell.url, base_url)
    if link:
        target.hyperlink = link
        target.font = Font(color="0563C1", underline="single")
    return target


def panel_xlsx(panel: Panel, *, title: str, base_url: str | None = None) -> bytes:
    """One sheet: a title line, the note, a bold frozen header row and the rows."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(panel.title or title)
    wb.properties.title = title
    heading = " · ".join(dict.fromkeys(t for t in (title, panel.title) if t))
    _text_cell(ws, 1, 1, heading, Font(bold=True, size=13))
    row = 2
    if panel.note:
        _text_cell(ws, row, 1, panel.note, Font(italic=True, color="666666"))
        row += 1
    row += 1  # a blank line between the titles and the table
    table = panel.table
    if table is not None:
        for column, header in enumerate(table.headers, start=1):
            _text_cell(ws, row, column, header, Font(bold=True))
        row += 1
    if table is None or not table.rows:
        _text_cell(ws, row, 1, panel.empty or "—")
        return _save(wb)
    ws.freeze_panes = ws.cell(row=row, column=1)  # rows above stay put while scrolling
    for offset, cells in enumerate(table.rows):
        for column, cell in enumerate(cells, start=1):
            _xlsx_cell(ws, row + offset, column, cell, base_url)
    _fit_columns(ws, table.headers, table.rows)
    return _save(wb)


def _text_cell(ws, row: int, column: int, text, font: Font | None = None):
    target = ws.cell(row=row, column=column, value=_clean(text))
    # A text starting with "=" would otherwise be stored as a formula (spreadsheet injection).
    target.data_type = "s"
    if font is not None:
        target.font = font
    return target


def _fit_columns(ws, headers: list[str], rows: list[list[Cell]]) -> None:
    widths: dict[int, int] = {}
    for cells in [[Cell(h, str(h)) for h in headers], *rows]:
        for column, cell in enumerate(cells, start=1):
            widths[column] = max(widths.get(column, 0), _display_width(str(cell.text)))
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 8), 60)


def _save(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- PDF ------------------------------------------------------------------------------------


@functools.cache
def cjk_font() -> str:
    """The registered name of a font with Chinese glyphs; registered once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for path in CJK_FONT_CANDIDATES:
        name = "RapportCJK-" + path.rsplit("/", 1)[-1].split(".")[0]
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        except (OSError, TTFError):  # missing, or PostScript (CFF) outlines
            continue
        return name
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID_FONT))
    return FALLBACK_CID_FONT


# STSong-Light's CMap (UniGB-UCS2-H) has no U+00B7, which our notes use as a separator; the
# katakana middle dot is GB2312's own "·" and looks the same.
_CID_SUBSTITUTES = str.maketrans({"\u00b7": "\u30fb"})


def _pdf_text(text) -> str:
    text = _clean(text)
    return text.translate(_CID_SUBSTITUTES) if cjk_font() == FALLBACK_CID_FONT else text


def _markup(text) -> str:
    """Plain text made safe for reportlab's Paragraph mini-markup."""
    return escape(_pdf_text(text)).replace("\n", "<br/>")


def _styles(font: str, size: float) -> dict:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    def style(name, size_, **kw):
        return ParagraphStyle(name, fontName=font, fontSize=size_, leading=size_ * 1.3, **kw)

    return {
        "title": style("title", size + 7, spaceAfter=4),
        "subtitle": style("subtitle", size + 1, textColor=colors.grey, spaceAfter=10),
        "panel": style("panel", size + 3, spaceBefore=10, spaceAfter=3, keepWithNext=True),
        "note": style("note", max(size - 1, MIN_FONT_SIZE), textColor=colors.grey, spaceAfter=4),
        "empty": style("empty", size, textColor=colors.grey),
        "cell": style("cell", size, wordWrap="CJK"),
        "number": style("number", size, wordWrap="CJK", alignment=TA_RIGHT),
    }


def _fit(table, font: str, base: float, avail: float) -> tuple[float, list[float]]:
    """A font size and column widths so the table fits `avail` points across.

    Widths follow the longest text in each column (a column is capped so one long remark wraps
    instead of squeezing the rest); the font shrinks to MIN_FONT_SIZE, then columns wrap.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad = 6  # left + right cell padding
    texts = [list(map(str, table.headers)), *[[str(c.text) for c in r] for r in table.rows]]
    columns = max(len(r) for r in texts)
    natural = [0.0] * columns
    for cells in texts:
        for i, text in enumerate(cells):
            natural[i] = max(natural[i], stringWidth(text, font, base))
    capped = [min(w, avail * 0.35) for w in natural]
    size = base
    if sum(capped) + pad * columns > avail:
        size = max(MIN_FONT_SIZE, base * (avail - pad * columns) / max(sum(capped), 1))
    scale = size / base
    widths = [w * scale + pad for w in capped]
    if sum(widths) > avail:  # still too wide at the smallest size: wrap every column a little
        return size, [w * avail / sum(widths) for w in widths]
    # Room to spare: give it back to the capped columns so they wrap less.
    short = [(n - c) * scale for n, c in zip(natural, capped, strict=True)]
    share = min(1.0, (avail - sum(widths)) / sum(short)) if sum(short) else 0
    return size, [w + d * share for w, d in zip(widths, short, strict=True)]


def _pdf_table(table, font: str, base: float, avail: float):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph
    from reportlab.platypus import Table as PdfTable

    size, widths = _fit(table, font, base, avail)
    styles = _styles(font, size)
    header = [Paragraph(_markup(h), styles["cell"]) for h in table.headers]
    body = [
        [Paragraph(_markup(c.text), styles["number" if _is_number(c.value) else "cell"]) for c in r]
        for r in table.rows
    ]
    columns = len(widths)
    data = [row + [""] * (columns - len(row)) for row in [header, *body]]  # ragged rows
    # repeatRows: a table split across pages shows its header again on each page.
    # splitInRow: a row taller than a page (a very long remark) breaks instead of failing.
    out = PdfTable(data, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    out.setStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde3ea")),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f7f9")]),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0b7c0")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
    )
    return out


def dashboard_pdf(*, title: str, subtitle: str, panels: list, base_font_size=9) -> bytes:
    """An A4 landscape report: title, subtitle, then each panel that has a table."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    font = cjk_font()
    styles = _styles(font, base_font_size)
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=title,
        subject=subtitle,
    )
    story = [Paragraph(_markup(title), styles["title"])]
    if subtitle:
        story.append(Paragraph(_markup(subtitle), styles["subtitle"]))
    for panel in panels:
        if panel.table is None:  # chart-only panels have nothing to print
            continue
        story.append(Paragraph(_markup(panel.title), styles["panel"]))
        if panel.note:
            story.append(Paragraph(_markup(panel.note), styles["note"]))
        if any(panel.table.rows):
            story.append(_pdf_table(panel.table, font, base_font_size, doc.width))
        else:
            story.append(Paragraph(_markup(panel.empty or "—"), styles["empty"]))

    def footer(canvas, doc_):
        canvas.saveState()
        canvas.setFont(font, 7)
        page = _pdf_text(f"{title} · {doc_.page}")
        canvas.drawRightString(doc_.pagesize[0] - 12 * mm, 7 * mm, page)
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


# ---- Download names -------------------------------------------------------------------------


def _clean_ext(ext: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", ext).lower()


def safe_filename(text: str, ext: str) -> str:
    """An ASCII file name for old clients: Chinese spelled in pinyin, e.g. "xiao-shou-q3.pdf"."""
    stem = slugify(" ".join(lazy_pinyin(text or "")))[:80].strip("-") or "export"
    return f"{stem}.{_clean_ext(ext)}"


def content_disposition(filename_utf8: str, ext: str) -> str:
    """An attachment header that keeps a Chinese name (RFC 6266/5987) with an ASCII fallback."""
    ext = _clean_ext(ext)
    stem = _FILENAME_BAD.sub(" ", filename_utf8 or "").strip()
    if stem.lower().endswith("." + ext):
        stem = stem[: -len(ext) - 1].rstrip()
    stem = " ".join(stem.split())[:120].strip(" .") or "export"
    fallback = safe_filename(stem, ext)
    encoded = quote(f"{stem}.{ext}", safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
