"""The shape every importable entity shares: its columns, the cell parsers, and the row
handler protocol the import engine drives. Each entity's handler lives next to its models
(`rapport/customers/io.py`, `rapport/sales/io.py`) and is looked up by name here."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import import_module
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core.bulk import BATCH as BULK_BATCH
from rapport.core.bulk import Inserter

HANDLERS = {
    "customers": "rapport.customers.io.CustomerRows",
    "contacts": "rapport.customers.io.ContactRows",
    "follow-ups": "rapport.customers.io.FollowUpRows",
    "opportunities": "rapport.sales.io.OpportunityRows",
}
ENTITY_CHOICES = [
    ("customers", gettext_lazy("Customers")),
    ("contacts", gettext_lazy("Contacts")),
    ("follow-ups", gettext_lazy("Follow-ups")),
    ("opportunities", gettext_lazy("Opportunities")),
]


def handler_for(entity: str) -> RowHandler:
    path = HANDLERS.get(entity)
    if path is None:
        raise ValidationError(
            {"entity": _("Unknown kind of record: %(entity)s.") % {"entity": entity}}
        )
    module, _sep, name = path.rpartition(".")
    return getattr(import_module(module), name)()


def header_key(text: Any) -> str:
    """Headers compare full-width/half-width, case, spaces and punctuation blind:
    `客户 名称`, `ＮＡＭＥ`, `Customer_Name` and `customer name:` all match their column."""
    folded = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s\W_]+", "", folded)


@dataclass(frozen=True)
class Column:
    """A target column: the model field (or lookup) it fills and the headers it answers to."""

    name: str
    label: str | Promise
    synonyms: tuple[str, ...] = ()
    required: bool = False

    @property
    def keys(self) -> set[str]:
        return {header_key(word) for word in (self.name, str(self.label), *self.synonyms)}


class RowError(Exception):
    """A row that cannot be imported: messages naming the column and the rule."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class Row:
    """One data row on its way through the engine."""

    line: int
    raw: list[str]
    values: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    action: str = ""  # create | update | skip | error
    note: str = ""  # why it was skipped
    existing_id: int | None = None
    keys: list[tuple] = field(default_factory=list)


@dataclass
class Context:
    """What one import run knows while it works: who, for whom, which rules."""

    actor: Any
    owner: Any
    duplicates: str = "skip"
    dry_run: bool = True
    run_id: int | None = None
    now: dt.datetime = field(default_factory=timezone.now)
    cache: dict[str, Any] = field(default_factory=dict)


class RowHandler:
    """One importable entity. The engine calls, per run: `prepare(ctx)`; per row:
    `clean(values, ctx)` (pure: no queries); per chunk: `resolve(rows, ctx)` (bulk
    lookups of foreign keys and of existing duplicates, a few queries per chunk), then
    `create(rows, ctx)` / `update(rows, ctx)` when writing."""

    entity = ""
    columns: tuple[Column, ...] = ()

    def prepare(self, ctx: Context) -> None:
        return None

    def clean(self, values: dict[str, str], ctx: Context) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def keys(self, data: dict[str, Any]) -> list[tuple]:
        """Duplicate keys of a cleaned row, strongest first (used within the file)."""
        return []

    def resolve(self, rows: list[Row], ctx: Context) -> None:  # pragma: no cover
        raise NotImplementedError

    def create(self, rows: list[Row], ctx: Context) -> None:  # pragma: no cover
        raise NotImplementedError

    def update(self, rows: list[Row], ctx: Context) -> None:
        for row in rows:
            row.action = "skip"
            row.note = _("Records of this kind are not updated by an import.")


# --- cell parsers: each returns a Python value or raises ValidationError ---------------------


def text(value: str, *, max_length: int | None = None, label: str = "") -> str:
    """Cell text as it is (HTML and formulas stay text), spaces squeezed at the ends."""
    value = (value or "").strip()
    if max_length and len(value) > max_length:
        raise ValidationError(
            _("%(label)s is longer than %(n)s characters.") % {"label": label, "n": max_length}
        )
    return value


_AMOUNT_NOISE = re.compile(r"[\s,，¥￥$€£元]|RMB|CNY", re.I)


def amount(value: str, *, label: str) -> Decimal | None:
    """Decimal from `¥1,234.50`, `1 234,00`? no: commas are thousands separators; `12万`."""
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw:
        return None
    factor = Decimal(1)
    if raw.endswith("万"):
        factor, raw = Decimal(10000), raw[:-1]
    cleaned = _AMOUNT_NOISE.sub("", raw)
    try:
        number = Decimal(cleaned) * factor
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or number >= Decimal(10) ** 14:
        raise ValidationError(
            _("%(label)s: “%(value)s” is not an amount.") % {"label": label, "value": value[:40]}
        )
    return number.quantize(Decimal("0.01"))


_DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%d/%m/%Y", "%Y-%m", "%Y年%m月",
)  # fmt: skip
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H时%M分", "%H点%M分", "%H点", "%H时")


def date(value: str, *, label: str) -> dt.date | None:
    raw = unicodedata.normalize("NFKC", value or "").strip().replace(" ", "")
    if not raw:
        return None
    raw = raw.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", raw) else raw
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    raise ValidationError(
        _("%(label)s: “%(value)s” is not a date (for example 2024-03-15 or 2024年3月15日).")
        % {"label": label, "value": value[:40]}
    )


def moment(value: str, *, label: str) -> dt.datetime | None:
    """An aware datetime from ISO (with or without offset) or a date and a time in the
    usual Chinese spellings; a bare date means midnight in the site's time zone."""
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        day_part, _sep, time_part = raw.partition(" ")
        if not _sep:
            match = re.match(r"^(.*日)(.+)$", raw)
            day_part, time_part = (match.group(1), match.group(2)) if match else (raw, "")
        day = date(day_part, label=label)
        clock = dt.time()
        if time_part.strip():
            clock = _clock(time_part.strip(), label=label, value=value)
        parsed = dt.datetime.combine(day, clock)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _clock(raw: str, *, label: str, value: str) -> dt.time:
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt).time()  # noqa: DTZ007 - a clock time only
        except ValueError:
            continue
    raise ValidationError(
        _("%(label)s: “%(value)s” is not a date and time.") % {"label": label, "value": value[:40]}
    )


_TRUE = {"1", "y", "yes", "true", "t", "是", "对", "√", "✓", "x"}
_FALSE = {"0", "n", "no", "false", "f", "否", "不", "不是", ""}


def boolean(value: str, *, label: str) -> bool:
    raw = unicodedata.normalize("NFKC", value or "").strip().casefold()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ValidationError(
        _("%(label)s: “%(value)s” is not yes or no.") % {"label": label, "value": value[:40]}
    )


_choice_words: dict[tuple, dict[str, str]] = {}


def _words_of(choices) -> dict[str, str]:
    """Every spelling of every choice (value, English and Chinese label) -> value; built
    once per set of choices."""
    from django.utils import translation

    key = tuple(code for code, _name in choices)
    words = _choice_words.get(key)
    if words is None:
        words = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for code, name in choices:
                    words[header_key(str(name))] = code
        for code, _name in choices:
            words[header_key(code)] = code
        _choice_words[key] = words
    return words


def choice(value: str, choices, *, label: str, default: str = "") -> str:
    """A choice by its value or its label in English or Chinese (`Active`, `active`, `活跃`)."""
    raw = header_key(value)
    if not raw:
        return default
    code = _words_of(choices).get(raw)
    if code is not None:
        return code
    allowed = ", ".join(str(name) for _code, name in choices)
    raise ValidationError(
        _("%(label)s: “%(value)s” is not one of: %(allowed)s.")
        % {"label": label, "value": value[:40], "allowed": allowed}
    )


def email(value: str, *, label: str) -> str:
    raw = unicodedata.normalize("NFKC", value or "").strip()
    if not raw:
        return ""
    try:
        validate_email(raw)
    except ValidationError:
        raise ValidationError(
            _("%(label)s: “%(value)s” is not an email address.")
            % {"label": label, "value": value[:60]}
        ) from None
    return raw.lower() if len(raw) <= 254 else raw


def messages_of(error: ValidationError, labels: dict[str, str] | None = None) -> list[str]:
    """Messages of a ValidationError, each naming its column."""
    labels = labels or {}
    if hasattr(error, "error_dict"):
        return [
            _("%(label)s: %(message)s") % {"label": labels.get(name, name), "message": message}
            for name, items in error.message_dict.items()
            for message in items
        ]
    return list(error.messages)


def bulk_audit(*, actor, objects: list, extra: dict[str, Any] | None = None) -> None:
    """One CREATE audit event per new row, written in bulk (what `audit.services.record`
    writes for one row, with the same fields)."""
    from django.contrib.contenttypes.models import ContentType

    from rapport.audit import context
    from rapport.audit.models import Action, AuditEvent
    from rapport.audit.services import _plain, snapshot

    if not objects:
        return
    request = context.current()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    content_type = ContentType.objects.get_for_model(type(objects[0]))
    now = timezone.now()
    common = {
        "occurred_at": now,
        "actor_id": actor.pk if is_user else None,
        "actor_label": (str(actor.username) if is_user else "")[:150],
        "action": Action.CREATE,
        "content_type_id": content_type.pk,
        "ip_address": request.ip_address,
        "request_id": request.request_id[:64],
    }
    rows = Inserter(AuditEvent, batch=min(len(objects), BULK_BATCH))
    for obj in objects:
        rows.add(
            {
                **common,
                "object_id": str(obj.pk),
                "object_label": str(obj)[:200],
                "changes": {
                    key: [None, value]
                    for key, value in snapshot(obj).items()
                    if value not in (None, "", False) and key != "search_text"
                },
                "extra": _plain({"version": getattr(obj, "version", 1), **(extra or {})}),
            }
        )
    rows.close()


def insert_all(model, objects: list) -> list:
    """Insert unsaved instances of `model` in bulk (`core.bulk`); each gets its id."""
    if objects:
        rows = Inserter(model, batch=min(len(objects), BULK_BATCH))
        for obj in objects:
            rows.add_instance(obj)
        rows.close()
    return objects
