"""Contacts: phones parsed to E.164 from any spelling, one primary contact per customer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core import services as core
from rapport.customers.models import Contact
from rapport.customers.normalize import parse_phone, search_text

PHONE_FIELDS = ("mobile", "phone")


def clean_phones(data: dict[str, Any]) -> dict[str, Any]:
    """Parse `mobile` and `phone` to E.164; a landline's extension goes to `phone_ext`."""
    data = dict(data)
    errors = {}
    for name in PHONE_FIELDS:
        if name in data and data[name]:
            try:
                number, extension = parse_phone(str(data[name]))
            except ValidationError as error:
                errors[name] = error.messages
                continue
            data[name] = number
            if extension and name == "phone" and not data.get("phone_ext"):
                data["phone_ext"] = extension
    if errors:
        raise ValidationError(errors)
    return data


def _derive(contact: Contact) -> None:
    contact.search_text = search_text(contact.name, contact.email, contact.mobile, contact.phone)


def _demote_primary(contact: Contact, actor) -> None:
    """Only one primary contact per customer: making one primary demotes the other."""
    others = Contact.objects.filter(
        customer_id=contact.customer_id, is_primary=True, archived_at__isnull=True
    ).exclude(pk=contact.pk)
    for other in others:
        core.update_object(actor=actor, obj=other, data={"is_primary": False})


@transaction.atomic
def contact_create(*, actor, data: dict[str, Any]) -> Contact:
    data = clean_phones(data)
    contact = Contact(**data)
    _derive(contact)
    if contact.is_primary:
        _demote_primary(contact, actor)
    elif not Contact.objects.filter(
        customer_id=contact.customer_id, archived_at__isnull=True
    ).exists():
        contact.is_primary = True  # the first contact of a customer is its primary one
    return core.create_object(actor=actor, model=Contact, data=_fields(contact, data))


def _fields(contact: Contact, data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "is_primary": contact.is_primary, "search_text": contact.search_text}


@transaction.atomic
def contact_update(
    *, actor, contact: Contact, data: dict[str, Any], expected_version=None
) -> Contact:
    data = clean_phones(data)
    if "customer" in data and getattr(data["customer"], "pk", data["customer"]) != (
        contact.customer_id
    ):
        raise ValidationError({"customer": _("A contact stays with its customer.")})
    if data.get("is_primary"):
        _demote_primary(contact, actor)
    return core.update_object(
        actor=actor, obj=contact, data=data, expected_version=expected_version, prepare=_derive
    )
