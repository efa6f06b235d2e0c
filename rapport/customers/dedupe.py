"""Duplicate customers (客户查重): same USCC, same normalised company name, same contact
phone or email (issue #3 §6).

Matching runs over every live customer, because a duplicate in another team matters; what
is shown obeys scope: a match the user may not see is reported only as "a customer with
this USCC/name/phone/email exists, owned by <owner> in <team>" — no name, no link.
Used by the customer form (live warning), the customer and contact pages and API (a
likely duplicate needs an explicit "create anyway"), the lookup page and API, merge and
import.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.customers.models import Contact, Customer
from rapport.customers.normalize import company_key, fold, phone_key

# Why two customers look like one; the order is the order of strength.
REASONS = {
    "uscc": _("same unified social credit code"),
    "name": _("same company name"),
    "phone": _("same contact phone"),
    "email": _("same contact email"),
}
# SQLite allows 32,766 parameters per statement; stay far below for any database.
CHUNK = 900


@dataclass
class DuplicateMatch:
    """One existing customer that looks like the one being entered.

    `customer` and `customer_id` are set only when the user may see it; otherwise only
    the reasons and the owner and team labels are, so a template cannot leak the record."""

    customer_id: int | None
    reasons: list[str] = field(default_factory=list)
    customer: Customer | None = None
    owner_label: str = ""
    team_label: str = ""
    in_pool: bool = False

    @property
    def visible(self) -> bool:
        return self.customer is not None

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[reason]) for reason in self.reasons]

    @property
    def notice(self) -> str:
        """What a user who may not see the match is told: why it matched and who owns it."""
        params = {
            "reasons": ", ".join(self.reason_labels),
            "owner": self.owner_label,
            "team": self.team_label,
        }
        if self.owner_label:
            text = gettext(
                "A customer you cannot see has the %(reasons)s; it is owned by %(owner)s "
                "(%(team)s)."
            )
        else:
            text = gettext(
                "A customer you cannot see has the %(reasons)s; it is in the public pool of "
                "%(team)s."
            )
        return text % params


class DuplicateFound(Exception):
    """A write looks like an existing record and was not confirmed ("create anyway")."""

    def __init__(self, matches: list[DuplicateMatch]):
        super().__init__("likely duplicate")
        self.matches = matches


def may_check(user) -> bool:
    """Who may ask about duplicates: those who may add customers (the answer names owners
    and teams of records they cannot see)."""
    return Customer.objects.all().creatable_by(user)


def clean_inputs(
    *, name: str = "", uscc: str = "", phones: Iterable[str] = (), emails: Iterable[str] = ()
) -> dict[str, set[str]]:
    """The normalised keys of what the user typed; unparseable values are ignored."""
    uscc_key = fold(uscc).upper().replace(" ", "").replace("-", "")
    return {
        "uscc": {uscc_key} if len(uscc_key) == 18 else set(),
        "name": {key} if (key := company_key(name)) else set(),
        "phone": {key for raw in phones if raw and (key := phone_key(str(raw)))},
        "email": {fold(str(raw)) for raw in emails if raw and "@" in str(raw)},
    }


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    values = sorted(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _live_customers():
    return Customer.objects.filter(archived_at__isnull=True)


def _live_contacts(exclude_contact_id: int | None = None):
    contacts = Contact.objects.filter(archived_at__isnull=True, customer__archived_at__isnull=True)
    return contacts.exclude(pk=exclude_contact_id) if exclude_contact_id else contacts


def find_duplicates_bulk(
    *,
    names_keys: Iterable[str] = (),
    usccs: Iterable[str] = (),
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_contact_id: int | None = None,
) -> dict[str, dict[str, list[int]]]:
    """Existing live customers for thousands of keys in a few indexed queries (import).

    `names_keys` are `company_key()` values, `usccs` cleaned codes, `phones` E.164 (other
    spellings are parsed), `emails` any case; the phones and email of contact
    `exclude_contact_id` (the one being edited) are not counted. Returns
    {"name": {key: [customer ids]}, "uscc": {...}, "phone": {...}, "email": {...}}."""
    result: dict[str, dict[str, list[int]]] = {
        "name": defaultdict(list),
        "uscc": defaultdict(list),
        "phone": defaultdict(list),
        "email": defaultdict(list),
    }
    for chunk in _chunks({key for key in names_keys if key}):
        rows = _live_customers().filter(name_key__in=chunk).values_list("name_key", "pk")
        for key, pk in rows:
            result["name"][key].append(pk)
    for chunk in _chunks({key for key in usccs if key}):
        for key, pk in _live_customers().filter(uscc__in=chunk).values_list("uscc", "pk"):
            result["uscc"][key].append(pk)
    phone_keys = {raw if str(raw).startswith("+") else phone_key(str(raw)) for raw in phones}
    for chunk in _chunks({key for key in phone_keys if key}):
        contacts = _live_contacts(exclude_contact_id)
        rows = contacts.filter(Q(mobile__in=chunk) | Q(phone__in=chunk))
        for mobile, phone, pk in rows.values_list("mobile", "phone", "customer_id"):
            for key in {mobile, phone} & set(chunk):
                _add_once(result["phone"][key], pk)
    # Lower(email) is backed by an expression index (search app's migration).
    for chunk in _chunks({fold(str(raw)) for raw in emails if raw}):
        rows = (
            _live_contacts(exclude_contact_id)
            .annotate(email_key=Lower("email"))
            .filter(email_key__in=chunk)
            .values_list("email_key", "customer_id")
        )
        for key, pk in rows:
            _add_once(result["email"][key], pk)
    return {kind: dict(found) for kind, found in result.items()}


def _add_once(ids: list[int], pk: int) -> None:
    if pk not in ids:
        ids.append(pk)


def find_duplicates(
    *,
    user,
    name: str = "",
    uscc: str = "",
    phones: Iterable[str] = (),
    emails: Iterable[str] = (),
    exclude_id: int | None = None,
    exclude_contact_id: int | None = None,
    limit: int = 10,
) -> list[DuplicateMatch]:
    """Customers that look like the one described, strongest reason first, as `user` may
    see them (a constant handful of queries). `exclude_id` leaves out a customer being
    edited, `exclude_contact_id` the phones and email of a contact being edited."""
    keys = clean_inputs(name=name, uscc=uscc, phones=phones, emails=emails)
    if not any(keys.values()):
        return []
    found = find_duplicates_bulk(
        names_keys=keys["name"],
        usccs=keys["uscc"],
        phones=keys["phone"],
        emails=keys["email"],
        exclude_contact_id=exclude_contact_id,
    )
    reasons: dict[int, list[str]] = {}
    for kind in REASONS:
        for ids in found[kind].values():
            for pk in ids:
                if pk != exclude_id and kind not in reasons.setdefault(pk, []):
                    reasons[pk].append(kind)
    ranked = sorted(reasons, key=lambda pk: (list(REASONS).index(reasons[pk][0]), pk))[:limit]
    return _describe(user, ranked, reasons)


def _describe(user, ids: list[int], reasons: dict[int, list[str]]) -> list[DuplicateMatch]:
    if not ids:
        return []
    visible = set(Customer.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    customers = Customer.objects.filter(pk__in=ids).select_related("owner", "team", "pool")
    by_id = {customer.pk: customer for customer in customers}
    matches = []
    for pk in ids:
        customer = by_id[pk]
        matches.append(
            DuplicateMatch(
                customer_id=pk if pk in visible else None,
                reasons=reasons[pk],
                customer=customer if pk in visible else None,
                owner_label=customer.owner.display_name if customer.owner_id else "",
                team_label=customer.team.name,
                in_pool=customer.pool_id is not None,
            )
        )
    return matches


# --- the check before a write (pages and API) ---------------------------------------------
CUSTOMER_FIELDS = ("name", "uscc")
CONTACT_FIELDS = ("mobile", "phone", "email")


def customer_duplicates(
    *, user, data: Mapping[str, Any], instance: Customer | None = None
) -> list[DuplicateMatch]:
    """Likely duplicates of the customer about to be saved from `data` (other than
    `instance` itself). A USCC another customer already holds is not a warning: the
    model refuses it with a field error, whatever the user confirms."""
    matches = find_duplicates(
        user=user,
        name=str(data.get("name") or ""),
        uscc=str(data.get("uscc") or ""),
        exclude_id=instance.pk if instance is not None else None,
    )
    if any("uscc" in match.reasons for match in matches):
        return []
    return matches


def contact_duplicates(
    *, user, data: Mapping[str, Any], instance: Contact | None = None
) -> list[DuplicateMatch]:
    """Customers that already have a contact with one of the phones (any spelling) or the
    email (any case) in `data`, other than the contact `instance` itself."""
    phones = [str(data[name]) for name in ("mobile", "phone") if data.get(name)]
    emails = [str(data["email"])] if data.get("email") else []
    return find_duplicates(
        user=user,
        phones=phones,
        emails=emails,
        exclude_contact_id=instance.pk if instance is not None else None,
    )
