"""Merging two customers that are one company (issue #3 §6).

The winner stays and takes, field by field, the value the user chose; every record that
points at the loser (contacts, follow-ups, opportunities, and whatever later apps hang on
a customer) is re-pointed to the winner; the loser is archived, never deleted, with a
note saying where it went. Ownership moves stay with their customer and both get a
"merged" move, so both histories tell the story. One audit row per customer.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.audit.models import Action
from rapport.audit.services import diff, record, snapshot
from rapport.core.errors import StaleObjectError
from rapport.core.services import bump_version, stale_changes
from rapport.customers.models import (
    Contact,
    Customer,
    CustomerShare,
    OwnershipEvent,
    OwnershipMove,
)

# The facts a user picks between; ownership (owner, team, pool) stays with the winner
# and moves only through the pool services; dates are combined, not picked.
MERGE_FIELDS = (
    "name",
    "short_name",
    "uscc",
    "industry",
    "region",
    "city",
    "address",
    "source",
    "status",
    "tier",
    "tier_locked",
    "tier_reason",
    "strategic",
    "annual_value",
    "currency",
    "notes",
)
WINNER, LOSER = "winner", "loser"
# Rows that stay with their customer: the ownership log is history; shares are copied.
_STAYS = (OwnershipEvent, CustomerShare)


def merge_differences(winner: Customer, loser: Customer) -> list[dict[str, Any]]:
    """The fields where the two customers differ, for the side-by-side choice."""
    rows = []
    for name in MERGE_FIELDS:
        mine, theirs = getattr(winner, name), getattr(loser, name)
        if mine != theirs:
            field = Customer._meta.get_field(name)
            rows.append(
                {
                    "name": name,
                    "label": field.verbose_name,
                    "winner": _display(winner, name),
                    "loser": _display(loser, name),
                    # An empty value never wins by default against a filled one.
                    "default": LOSER if mine in ("", None) and theirs not in ("", None) else WINNER,
                }
            )
    return rows


def _display(customer: Customer, name: str) -> str:
    display = getattr(customer, f"get_{name}_display", None)
    value = display() if display else getattr(customer, name)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value) if value not in (None, "") else "—"


def _check_fields(fields: dict[str, str]) -> dict[str, str]:
    errors = [
        gettext("“%(field)s”: choose “winner” or “loser”.") % {"field": str(name)[:40]}
        for name, side in fields.items()
        if name not in MERGE_FIELDS or side not in (WINNER, LOSER)
    ]
    if errors:
        raise ValidationError({"fields": errors})
    return fields


def _check_pair(actor, winner: Customer, loser: Customer) -> None:
    if winner.pk == loser.pk:
        raise ValidationError({"other": gettext("A customer cannot be merged with itself.")})
    if winner.archived_at or loser.archived_at:
        raise ValidationError({"other": gettext("An archived customer cannot be merged.")})
    editable = Customer.objects.editable_by(actor).filter(pk__in=[winner.pk, loser.pk])
    if editable.count() != 2:
        raise PermissionDenied


def _check_version(obj: Customer, expected: int | None) -> None:
    if expected is not None and int(expected) != obj.version:
        raise StaleObjectError(obj, stale_changes(obj, int(expected)))


def _later(a, b):
    return max(value for value in (a, b) if value is not None) if (a or b) else None


def _sooner(a, b):
    return min(value for value in (a, b) if value is not None) if (a or b) else None


def _repoint(winner: Customer, loser: Customer) -> dict[str, int]:
    """Move every row that points at the loser to the winner, counted per relation.
    Found from the model's relations, so records added by later apps move too."""
    if Contact.objects.filter(customer=winner, is_primary=True, archived_at__isnull=True).exists():
        # One primary contact per customer: the winner's stays primary.
        Contact._base_manager.filter(customer=loser, is_primary=True).update(is_primary=False)
    moved = {}
    now = timezone.now()
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if not relation.one_to_many or model in _STAYS:
            continue
        changes: dict[str, Any] = {relation.field.name: winner}
        names = {field.name for field in model._meta.concrete_fields}
        if "version" in names:  # an open edit form of a moved row must not save blindly
            changes["version"] = F("version") + 1
        if "updated_at" in names:
            changes["updated_at"] = now
        count = model._base_manager.filter(**{relation.field.name: loser}).update(**changes)
        moved[relation.get_accessor_name() or model._meta.model_name] = count
    for user_id in CustomerShare.objects.filter(customer=loser).values_list("user_id", flat=True):
        CustomerShare.objects.get_or_create(customer=winner, user_id=user_id)
    winner.tags.add(*loser.tags.all())
    return moved


def _ownership_event(customer: Customer, actor, reason: str, to: Customer) -> None:
    OwnershipEvent.objects.create(
        customer=customer,
        move=OwnershipMove.MERGE,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_owner_id=customer.owner_id,
        to_owner_id=to.owner_id,
        from_team_id=customer.team_id,
        to_team_id=to.team_id,
        pool_id=customer.pool_id,
        reason=reason[:500],
    )


@transaction.atomic
def customer_merge(
    *,
    actor,
    winner: Customer,
    loser: Customer,
    fields: dict[str, str] | None = None,
    winner_version: int | None = None,
    loser_version: int | None = None,
) -> Customer:
    """Merge `loser` into `winner`. `fields` maps a field of MERGE_FIELDS to "winner" or
    "loser" (unnamed fields keep the winner's value). Both must be editable by `actor`
    (PermissionDenied otherwise); a version that moved on raises StaleObjectError."""
    from rapport.customers.services.customers import _derive

    fields = _check_fields(dict(fields or {}))
    locked = Customer.objects.select_for_update().filter(pk__in=[winner.pk, loser.pk])
    fresh = {customer.pk: customer for customer in locked.order_by("pk")}
    winner, loser = fresh.get(winner.pk, winner), fresh.get(loser.pk, loser)
    _check_pair(actor, winner, loser)
    _check_version(winner, winner_version)
    _check_version(loser, loser_version)

    taken = {name: getattr(loser, name) for name, side in fields.items() if side == LOSER}
    loser_before = snapshot(loser)
    if taken.get("uscc") and taken["uscc"] == loser.uscc:
        # The code is unique: the loser gives it up before the winner takes it.
        Customer._base_manager.filter(pk=loser.pk).update(uscc="")
        loser.uscc = ""
    moved = _repoint(winner, loser)

    before = snapshot(winner)
    for name, value in taken.items():
        setattr(winner, name, value)
    winner.last_follow_up_at = _later(winner.last_follow_up_at, loser.last_follow_up_at)
    winner.last_progress_at = _later(winner.last_progress_at, loser.last_progress_at)
    winner.next_follow_up_due = _sooner(winner.next_follow_up_due, loser.next_follow_up_due)
    winner.full_clean()
    _derive(winner)
    changes = diff(before, snapshot(winner))
    bump_version(winner, winner.version)
    winner.save()  # the row is locked; derived columns (search text, dates) change too
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=winner,
        changes={**changes, "merged_from": [None, loser.pk]},
        extra={"version": winner.version, "merged_from": loser.pk, "moved": moved},
    )

    note = gettext("Merged into #%(id)s %(name)s.") % {"id": winner.pk, "name": winner.name}
    bump_version(loser, loser.version)
    loser.archived_at = timezone.now()
    loser.notes = f"{note}\n\n{loser.notes}".strip()[:5000]
    loser.save(update_fields=["archived_at", "notes", "uscc", "updated_at", "version"])
    record(
        actor=actor,
        action=Action.ARCHIVE,
        obj=loser,
        changes=diff(loser_before, snapshot(loser)),
        extra={"version": loser.version, "merged_into": winner.pk, "moved": moved},
    )
    _ownership_event(loser, actor, note, to=winner)
    _ownership_event(
        winner,
        actor,
        gettext("#%(id)s %(name)s merged into this customer.") % {"id": loser.pk, "name": loser},
        to=winner,
    )
    return winner


def merged_into(customer: Customer) -> int | None:
    """The id of the customer an archived customer was merged into, from its audit log."""
    from rapport.audit.models import AuditEvent

    if customer.archived_at is None:
        return None
    events = AuditEvent.objects.for_object(customer).filter(action=Action.ARCHIVE)
    for extra in events.order_by("-occurred_at").values_list("extra", flat=True)[:5]:
        if isinstance(extra, dict) and extra.get("merged_into"):
            return int(extra["merged_into"])
    return None
