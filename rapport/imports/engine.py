"""The import loop: read rows in chunks, clean each row (no queries), look up foreign keys
and existing duplicates for the whole chunk (a few queries), find repeats within the file,
and write the chunk in bulk. The caller holds ONE transaction around a real run, so a
failure or a killed worker leaves nothing behind; all-or-nothing runs stop writing at the
first bad row but keep checking, so the report lists every problem."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.utils.translation import gettext as _

from rapport.imports.base import Context, Row, RowError, RowHandler
from rapport.imports.reading import FileProblem, Table, max_rows

CHUNK = 2000
PROBLEM_LIMIT = 200


@dataclass
class Outcome:
    counts: dict[str, int] = field(
        default_factory=lambda: {"rows": 0, "create": 0, "update": 0, "skip": 0, "errors": 0}
    )
    problems: list[dict] = field(default_factory=list)
    bad_rows: list[tuple[int, list[str], str]] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.counts["errors"])

    def note(self, row: Row, kind: str, message: str) -> None:
        if len(self.problems) < PROBLEM_LIMIT:
            self.problems.append({"line": row.line, "kind": kind, "message": message})


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def run(
    *,
    table: Table,
    handler: RowHandler,
    mapping: list[str],
    ctx: Context,
    skip_bad_rows: bool,
    progress: Callable[[int, dict], None] | None = None,
) -> Outcome:
    """Import (or, with ctx.dry_run, only check) the table's rows. The caller rolls the
    transaction back when the outcome failed and bad rows were not to be skipped."""
    columns = [(index, name) for index, name in enumerate(mapping) if name]
    width = len(table.headers)
    handler.prepare(ctx)
    seen: dict[tuple, int] = {}
    outcome = Outcome()
    limit = max_rows()
    for chunk in _chunks(table.rows, CHUNK):
        if outcome.counts["rows"] + len(chunk) > limit:
            raise FileProblem(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": limit},
                code="too_many_rows",
            )
        rows = [_clean(line, cells, columns, width, handler, ctx) for line, cells in chunk]
        good = [row for row in rows if not row.errors]
        if good:
            handler.resolve(good, ctx)
        for row in good:
            if not row.errors:
                _repeats(row, handler, seen, ctx)
        _tally(rows, outcome)
        if not ctx.dry_run and (skip_bad_rows or not outcome.failed):
            creating = [row for row in rows if row.action == "create"]
            updating = [row for row in rows if row.action == "update"]
            if creating:
                handler.create(creating, ctx)
            if updating:
                handler.update(updating, ctx)
        if progress is not None:
            progress(outcome.counts["rows"], dict(outcome.counts))
    return outcome


def _clean(line, cells, columns, width, handler, ctx) -> Row:
    values = {name: (cells[index] if index < len(cells) else "") for index, name in columns}
    row = Row(line=line, raw=cells, values=values)
    if any(cell.strip() for cell in cells[width:]):
        row.errors.append(
            _("The row has %(cells)s cells but the header has %(columns)s columns.")
            % {"cells": len(cells), "columns": width}
        )
        return row
    try:
        row.data = handler.clean(values, ctx)
    except RowError as error:
        row.errors.extend(error.messages)
    return row


def _repeats(row: Row, handler: RowHandler, seen: dict[tuple, int], ctx: Context) -> None:
    """A row whose key appeared earlier in the file is skipped (or, for a key that must be
    unique, refused when duplicates are created anyway)."""
    keys = handler.keys(row.data)
    earlier = next((seen[key] for key in keys if key in seen), None)
    if earlier is None:
        for key in keys:
            seen[key] = row.line
        return
    strict = any(key in seen and key[0] in getattr(handler, "unique_keys", ()) for key in keys)
    if ctx.duplicates == "create" and not strict:
        return
    if ctx.duplicates == "create":
        row.errors.append(
            _("Repeats line %(line)s, and this value must be unique.") % {"line": earlier}
        )
        row.action = "error"
        return
    row.action = "skip"
    row.note = _("Repeats line %(line)s of this file.") % {"line": earlier}


def _tally(rows: list[Row], outcome: Outcome) -> None:
    for row in rows:
        outcome.counts["rows"] += 1
        if row.errors:
            row.action = "error"
            message = "; ".join(row.errors)
            outcome.counts["errors"] += 1
            outcome.note(row, "error", message)
            outcome.bad_rows.append((row.line, row.raw, message))
        elif row.action == "skip":
            outcome.counts["skip"] += 1
            outcome.note(row, "skip", row.note)
        elif row.action == "update":
            outcome.counts["update"] += 1
        else:
            row.action = "create"
            outcome.counts["create"] += 1
