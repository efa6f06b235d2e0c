"""Which file column fills which field: a guess from the headers (Chinese and English,
full-width/half-width, case and space blind), or the mapping the user chose last time for
the same headers (remembered per user, entity and header signature)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.imports.base import RowHandler, header_key


def signature(headers: list[str]) -> str:
    """The same headers in the same order give the same signature, however spelled."""
    joined = "\x1f".join(header_key(header) for header in headers)
    return hashlib.sha256(joined.encode()).hexdigest()


def guess(handler: RowHandler, headers: list[str]) -> list[str]:
    """For each header, the column it most likely fills ('' = ignore). Each column is used
    once: the first header that names it wins."""
    by_key: dict[str, str] = {}
    for column in handler.columns:
        for key in column.keys:
            by_key.setdefault(key, column.name)
    used: set[str] = set()
    result = []
    for header in headers:
        name = by_key.get(header_key(header), "")
        if name in used:
            name = ""
        used.add(name)
        result.append(name)
    return result


def check(handler: RowHandler, headers: list[str], mapping: list[str]) -> list[str]:
    """A mapping the user chose, checked: one entry per header, known columns, each used
    once, and every required column present. Raises ValidationError naming the problem."""
    names = {column.name for column in handler.columns}
    mapping = [(name or "").strip() for name in mapping][: len(headers)]
    mapping += [""] * (len(headers) - len(mapping))
    unknown = sorted({name for name in mapping if name and name not in names})
    if unknown:
        raise ValidationError(
            {"mapping": _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)}}
        )
    chosen = [name for name in mapping if name]
    twice = sorted({name for name in chosen if chosen.count(name) > 1})
    if twice:
        labels = ", ".join(str(label_of(handler, name)) for name in twice)
        raise ValidationError(
            {
                "mapping": _("Each field can come from one column only: %(names)s.")
                % {"names": labels}
            }
        )
    missing = [
        column for column in handler.columns if column.required and column.name not in chosen
    ]
    if missing:
        labels = ", ".join(str(column.label) for column in missing)
        raise ValidationError(
            {
                "mapping": _("The file has no column for the required field(s): %(names)s.")
                % {"names": labels}
            }
        )
    return mapping


def label_of(handler: RowHandler, name: str) -> str:
    for column in handler.columns:
        if column.name == name:
            return str(column.label)
    return name
