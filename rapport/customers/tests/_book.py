"""Shared setup of the customer book tests: a small book around the personas.

a1      owned by am_a1 (team_a)
a2      owned by am_a2 (team_a)
b1      owned by am_b1 (team_b)
pool_a  in team_a's public pool (nobody owns it)
shared  owned by am_b1 (team_b), shared with am_a1
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from rapport.customers.models import Pool
from rapport.customers.services.contacts import contact_create
from rapport.customers.services.customers import customer_create, customer_share
from rapport.customers.services.followups import followup_create

VISIBLE_CUSTOMERS = {
    "admin": "*",
    "lead_a": {"a1", "a2", "pool_a"},
    "lead_b": {"b1", "shared"},
    "am_a1": {"a1", "pool_a", "shared"},
    "am_a2": {"a2", "pool_a"},
    "am_b1": {"b1", "shared"},
    "qm": set(),
    "viewer": {"a1", "a2", "pool_a"},
    "outsider": set(),
}
EDITABLE_CUSTOMERS = {
    "admin": "*",
    "lead_a": {"a1", "a2", "pool_a"},
    "lead_b": {"b1", "shared"},
    "am_a1": {"a1"},
    "am_a2": {"a2"},
    "am_b1": {"b1", "shared"},
}


def make_customer(name: str, owner=None, **data):
    if owner is not None:
        data["owner"] = owner
    return customer_create(actor=owner, data={"name": name, **data})


def build_book(p) -> dict:
    pool = Pool.objects.create(name="华东公海", team=p.team_a)
    book = {
        "a1": make_customer("上海远景科技有限公司", p.am_a1, city="上海"),
        "a2": make_customer("杭州云帆贸易有限公司", p.am_a2, city="杭州"),
        "b1": make_customer("北京科技有限公司", p.am_b1, city="北京"),
        "pool_a": customer_create(
            actor=None, data={"name": "苏州公海客户", "team": p.team_a, "pool": pool}
        ),
        "shared": make_customer("天津共享客户", p.am_b1),
    }
    customer_share(actor=p.am_b1, customer=book["shared"], user=p.am_a1)
    return book


def log(customer, author, summary="电话沟通", **data):
    return followup_create(
        actor=author,
        data={"customer": customer, "summary": summary, "kind": "call", **data},
    )


def add_contact(customer, actor, name="张三", **data):
    return contact_create(actor=actor, data={"customer": customer, "name": name, **data})


def hours_ago(hours: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(hours=hours)
