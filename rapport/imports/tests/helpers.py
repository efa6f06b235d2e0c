"""Building files and running imports in tests."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.imports import services

# Valid unified social credit codes (checksums right).
USCC = ["91350100M000100Y43", "91110000600037341L", "91310115MA1K3YJ51H", "91440300MA5F0W0D6H"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(content: bytes, name: str = "book.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(actor, entity, content, *, name="book.csv", dry_run=False, **options):
    """Upload, configure and run (in this process) one import; returns the fresh run."""
    run = services.import_create(actor=actor, entity=entity, upload=upload(content, name))
    run = services.import_configure(actor=actor, run=run, **options)
    services.import_execute(run=run, dry_run=dry_run)
    run.refresh_from_db()
    return run
