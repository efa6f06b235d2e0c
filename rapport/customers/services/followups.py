"""Follow-ups: logging one moves the customer's dates; after 24 hours a follow-up is a
logbook entry and corrections are added as notes; attachments are size- and type-checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core import services as core
from rapport.customers.models import Attachment, Customer, FollowUp, FollowUpNote
from rapport.customers.services import schedule

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
# Extension → the leading bytes its content must start with (None: plain text).
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    "txt": ("text/plain", None),
}


def _check_follow_up(follow_up: FollowUp, contacts) -> None:
    errors: dict[str, list[str]] = {}
    for contact in contacts:
        if contact.customer_id != follow_up.customer_id:
            errors.setdefault("contacts", []).append(
                _("%(name)s is not a contact of this customer.") % {"name": contact.name}
            )
    if follow_up.occurred_at and follow_up.occurred_at > timezone.now() + dt.timedelta(hours=1):
        errors["occurred_at"] = [_("A follow-up cannot be logged for a time in the future.")]
    occurred = timezone.localtime(follow_up.occurred_at or timezone.now()).date()
    if follow_up.next_date and follow_up.next_date < occurred:
        errors["next_date"] = [_("The next follow-up date cannot be before this follow-up.")]
    if follow_up.checkin_lat is not None and follow_up.checkin_lng is None:
        errors["checkin_lng"] = [_("A check-in needs both latitude and longitude.")]
    if errors:
        raise ValidationError(errors)


def _move_customer_dates(customer: Customer) -> None:
    """The latest follow-up sets the customer's last and next follow-up; no version bump
    (these are derived values, not an edit somebody could be overwriting)."""
    latest = (
        FollowUp.objects.filter(customer=customer, archived_at__isnull=True)
        .order_by("-occurred_at", "-id")
        .values("occurred_at", "next_date")
        .first()
    )
    customer.last_follow_up_at = latest["occurred_at"] if latest else None
    customer.next_follow_up_due = latest["next_date"] if latest else None
    changed = ["last_follow_up_at", "next_follow_up_due"]
    changed += schedule.refresh_schedule(customer)
    customer.save(update_fields=changed)


@transaction.atomic
def followup_create(*, actor, data: dict[str, Any], contacts=(), files=()) -> FollowUp:
    """Log a follow-up on a customer the actor may edit (its owner, or a lead above it)."""
    data = dict(data)
    data.setdefault("author", actor)
    customer = data["customer"]
    follow_up = FollowUp(**data)
    follow_up.full_clean()
    _check_follow_up(follow_up, contacts)
    if follow_up.checkin_lat is not None and not follow_up.checkin_at:
        follow_up.checkin_at = timezone.now()
        data["checkin_at"] = follow_up.checkin_at
    follow_up = core.create_object(actor=actor, model=FollowUp, data=data)
    if contacts:
        follow_up.contacts.set(contacts)
    for upload in files:
        attachment_add(actor=actor, follow_up=follow_up, upload=upload)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    _move_customer_dates(locked)
    return follow_up


def check_editable(follow_up: FollowUp) -> None:
    if timezone.now() > follow_up.editable_until:
        raise ValidationError(
            _(
                "A follow-up can be changed for 24 hours after it is logged; "
                "add a note to correct it."
            ),
            code="logbook_closed",
        )


@transaction.atomic
def followup_update(
    *, actor, follow_up: FollowUp, data: dict[str, Any], contacts=None, expected_version=None
) -> FollowUp:
    check_editable(follow_up)
    if "customer" in data and getattr(data["customer"], "pk", data["customer"]) != (
        follow_up.customer_id
    ):
        raise ValidationError({"customer": _("A follow-up stays with its customer.")})
    follow_up = core.update_object(
        actor=actor,
        obj=follow_up,
        data=data,
        expected_version=expected_version,
        prepare=lambda obj: _check_follow_up(
            obj, contacts if contacts is not None else obj.contacts.all()
        ),
    )
    if contacts is not None:
        follow_up.contacts.set(contacts)
    _move_customer_dates(Customer.objects.select_for_update().get(pk=follow_up.customer_id))
    return follow_up


@transaction.atomic
def followup_add_note(*, actor, follow_up: FollowUp, text: str) -> FollowUpNote:
    """A correction or addition to a follow-up, by anyone who may log on its customer."""
    return core.create_object(
        actor=actor,
        model=FollowUpNote,
        data={"follow_up": follow_up, "author": actor, "text": text},
    )


def _check_upload(upload) -> tuple[str, str]:
    name = (getattr(upload, "name", "") or "").rsplit("/", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            {
                "attachments": _(
                    "“%(name)s”: this type of file is not accepted (allowed: %(allowed)s)."
                )
                % {"name": name, "allowed": ", ".join(sorted(ALLOWED_TYPES))}
            }
        )
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {
                "attachments": _("“%(name)s” is larger than %(limit)s MB.")
                % {"name": name, "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
            }
        )
    content_type, magic = ALLOWED_TYPES[extension]
    head = upload.read(16)
    upload.seek(0)
    if magic is not None and not head.startswith(magic):
        raise ValidationError(
            {"attachments": _("“%(name)s” is not the kind of file its name says.") % {"name": name}}
        )
    return name, content_type


@transaction.atomic
def attachment_add(*, actor, follow_up: FollowUp, upload) -> Attachment:
    if follow_up.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": _("A follow-up holds at most %(n)s files.") % {"n": MAX_ATTACHMENTS}}
        )
    name, content_type = _check_upload(upload)
    attachment = Attachment(
        follow_up=follow_up,
        original_name=name,
        size=upload.size,
        content_type=content_type,
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=attachment,
        changes={"original_name": [None, name], "size": [None, upload.size]},
    )
    return attachment
