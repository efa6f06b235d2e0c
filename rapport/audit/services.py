"""Writing the audit log. Services call `record()` inside their own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from functools import lru_cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from rapport.audit import context
from rapport.audit.models import MIN_RETENTION_DAYS, Action, AuditEvent

_AS_IS = frozenset({str, int, float, bool})


def _plain(value: Any) -> Any:
    """A JSON-safe copy of a field value for before/after columns."""
    if value is None or type(value) in _AS_IS:  # most values: one test, not seven
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or ""
    return value


@lru_cache(maxsize=256)
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (field.name, field.attname)
        for field in model._meta.concrete_fields
        if field.name not in {"password"}
    )


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Field values of `obj` by attribute name (foreign keys as their ids)."""
    if fields:
        pairs = [(name, obj._meta.get_field(name).attname) for name in fields]
    else:
        pairs = _snapshot_fields(type(obj))
    return {name: _plain(getattr(obj, attname)) for name, attname in pairs}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    # Derived search columns change with the fields they come from; no need to show them.
    ignored = {"updated_at", "version", "last_login", "search_text", "name_key"}
    return {
        key: [before.get(key), value]
        for key, value in after.items()
        if key not in ignored and before.get(key) != value
    }


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, list[Any]] | None = None,
    extra: dict[str, Any] | None = None,
    object_label: str = "",
) -> AuditEvent:
    """Write one audit event, inside the caller's transaction."""
    ctx = context.current()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor if is_user else None,
        actor_label=(str(actor.username) if is_user else "")[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_label=(object_label or (str(obj) if obj is not None else ""))[:200],
        changes=_plain(changes or {}),
        extra=_plain(extra or {}),
        ip_address=ctx.ip_address,
        request_id=ctx.request_id[:64],
    )


@transaction.atomic
def audit_purge(*, actor=None, older_than_days: int) -> int:
    """Remove events older than `older_than_days`; never anything younger than 180 days."""
    days = max(older_than_days, MIN_RETENTION_DAYS)
    cutoff = timezone.now() - dt.timedelta(days=days)
    removed = AuditEvent.objects.filter(occurred_at__lt=cutoff)._purge()
    record(actor=actor, action=Action.PURGE, extra={"older_than_days": days, "removed": removed})
    return removed
