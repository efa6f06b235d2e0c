"""Generic audited writes that routine create/update/archive declarations share.

Domain services call these for the plain part of a write and add their own rules
around them; views and API viewsets call domain services, never these directly,
unless the entity has no rule beyond field validation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from rapport.audit.models import Action
from rapport.audit.services import diff, record, snapshot
from rapport.core.errors import OutOfReachError, StaleObjectError

M = TypeVar("M", bound=models.Model)


def stale_changes(obj: models.Model, since_version: int) -> list[dict[str, Any]]:
    """What changed in `obj` after `since_version`, from the audit log, newest first."""
    from rapport.audit.models import AuditEvent

    result = []
    for event in AuditEvent.objects.for_object(obj).select_related("actor")[:50]:
        if int(event.extra.get("version", 0)) <= since_version:
            continue
        for name, (before, after) in event.changes.items():
            try:
                label = str(obj._meta.get_field(name).verbose_name)
            except Exception:  # noqa: BLE001 - a field removed since
                label = name
            result.append(
                {
                    "field": name,
                    "label": label,
                    "before": before,
                    "after": after,
                    "by": event.actor_label,
                    "at": event.occurred_at.isoformat(),
                }
            )
    return result


def bump_version(obj: models.Model, expected_version: int | None) -> None:
    """Atomically move obj.version on by one, or raise StaleObjectError."""
    expected = obj.version if expected_version is None else expected_version
    updated = (
        type(obj)._base_manager.filter(pk=obj.pk, version=expected).update(version=F("version") + 1)
    )
    if not updated:
        current = type(obj)._base_manager.get(pk=obj.pk)
        raise StaleObjectError(current, stale_changes(current, expected))
    obj.version = expected + 1


@transaction.atomic
def create_object(*, actor, model: type[M], data: dict[str, Any], extra=None) -> M:
    obj = model(**data)
    obj.full_clean()
    obj.save()
    after = snapshot(obj)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=obj,
        changes={key: [None, value] for key, value in after.items() if value not in (None, "")},
        extra={"version": getattr(obj, "version", 1), **(extra or {})},
    )
    return obj


@transaction.atomic
def update_object(
    *,
    actor,
    obj: M,
    data: dict[str, Any],
    expected_version: int | None = None,
    action: str = Action.UPDATE,
    extra=None,
    prepare: Callable[[M], None] | None = None,
) -> M:
    """Apply `data`, let `prepare(obj)` derive dependent fields, validate, save the changed
    fields with a version bump and one audit row (or raise StaleObjectError)."""
    before = snapshot(obj)
    for name, value in data.items():
        setattr(obj, name, value)
    obj.full_clean()
    if prepare is not None:
        prepare(obj)
    after = snapshot(obj)
    changes = diff(before, after)
    if not changes:
        if expected_version is not None and expected_version != obj.version:
            raise StaleObjectError(obj, stale_changes(obj, expected_version))
        return obj
    bump_version(obj, expected_version)
    # Save derived columns too (search_text, name_key): the audit diff leaves them out.
    changed = [
        obj._meta.get_field(name).attname
        for name, value in after.items()
        if before.get(name) != value and name not in {"updated_at", "version"}
    ]
    obj.save(update_fields=[*changed, "updated_at", "version"])
    record(
        actor=actor,
        action=action,
        obj=obj,
        changes=changes,
        extra={"version": obj.version, **(extra or {})},
    )
    return obj


@transaction.atomic
def archive_object(*, actor, obj: M, expected_version: int | None = None) -> M:
    if obj.archived_at is not None:
        return obj
    bump_version(obj, expected_version)
    obj.archived_at = timezone.now()
    obj.save(update_fields=["archived_at", "updated_at", "version"])
    record(
        actor=actor,
        action=Action.ARCHIVE,
        obj=obj,
        changes={"archived_at": [None, obj.archived_at]},
        extra={"version": obj.version},
    )
    return obj


def write_in_scope(user, write: Callable[[], M]) -> M:
    """Run a write and re-check the result against the user's scope in one transaction,
    so nobody moves a record out of their own reach (DESIGN §5)."""
    with transaction.atomic():
        obj = write()
        if obj is not None and not type(obj).objects.visible_to(user).filter(pk=obj.pk).exists():
            raise OutOfReachError()
        return obj
