"""Builders for the search, duplicate and merge tests: every row through its service, so
`search_text` and `name_key` are filled the way the app fills them."""

from __future__ import annotations

from django.utils import timezone

from rapport.customers.models import Customer
from rapport.customers.services.contacts import contact_create
from rapport.customers.services.customers import customer_create
from rapport.customers.services.followups import followup_create

# Valid unified social credit codes (check character computed by python-stdnum).
USCC_1 = "91110000600037341L"
USCC_2 = "91310000MA1FL1234Q"
USCC_3 = "91440300MA5ABCDE1H"


def customer(owner, name: str, **data) -> Customer:
    return customer_create(actor=owner, data={"name": name, **data})


def contact(actor, customer_obj, name: str, **data):
    return contact_create(actor=actor, data={"customer": customer_obj, "name": name, **data})


def follow_up(actor, customer_obj, summary: str = "电话沟通"):
    return followup_create(
        actor=actor,
        data={
            "customer": customer_obj,
            "kind": "call",
            "occurred_at": timezone.now(),
            "summary": summary,
        },
    )


def opportunity(actor, customer_obj, name: str, **data):
    from rapport.sales.services import opportunity_create

    return opportunity_create(actor=actor, data={"customer": customer_obj, "name": name, **data})
