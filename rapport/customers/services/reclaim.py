"""The nightly reclaim (回收): owned customers whose reclaim date has come go back to their
team's pool, with the rule that fired.

Set-based so that a book of 100,000 customers takes seconds: the candidates come from the
`reclaim_on` index, each chunk is re-read under a row lock (a follow-up logged meanwhile
moves `reclaim_on` and takes the customer out of the chunk), moved with one UPDATE per
pool, and its ownership and audit events are written with `bulk_create` — the same rows
`services.pool` writes for one customer, without a query per customer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from rapport.audit import context
from rapport.audit.models import Action, AuditEvent
from rapport.customers.models import Customer, OwnershipEvent, OwnershipMove, Pool
from rapport.customers.services.pool import pool_map

CHUNK = 2000
ROW_FIELDS = ("id", "name", "owner_id", "team_id", "reclaim_rule", "reclaim_on")


def _due(today: dt.date):
    return Customer.objects.filter(
        reclaim_on__lte=today, owner__isnull=False, archived_at__isnull=True
    )


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def pool_reclaim(
    *, today: dt.date | None = None, dry_run: bool = False, chunk: int = CHUNK
) -> list[tuple[Customer, str]]:
    """Move every owned customer whose reclaim date is today or earlier into its team's
    pool; returns (customer, rule code) for each one moved — or, with `dry_run`, each
    one that would move, without writing anything."""
    today = today or timezone.localdate()
    pools = pool_map()
    if dry_run:
        rows = _due(today).only(*ROW_FIELDS).order_by("reclaim_on", "pk")
        return [(row, row.reclaim_rule) for row in rows if row.team_id in pools]
    ids = list(_due(today).order_by("pk").values_list("pk", flat=True))
    moved: list[tuple[Customer, str]] = []
    for part in _chunks(ids, chunk):
        moved += _reclaim_chunk(part, today, pools)
    return moved


class Reclaimed(NamedTuple):
    """A customer the reclaim moved, as it was just before (a light stand-in for the
    model instance: 100,000 of these cost far less than 100,000 model objects)."""

    pk: int
    name: str
    owner_id: int
    team_id: int
    reclaim_on: dt.date
    reclaim_rule: str

    @property
    def id(self) -> int:
        return self.pk


@transaction.atomic
def _reclaim_chunk(ids: list[int], today: dt.date, pools: dict[int, Pool]):
    rows = [
        Reclaimed(*values)
        for values in _due(today)
        .filter(pk__in=ids)
        .select_for_update()
        .values_list("id", "name", "owner_id", "team_id", "reclaim_on", "reclaim_rule")
    ]
    by_pool: dict[int, list[Reclaimed]] = defaultdict(list)
    for row in rows:
        if row.team_id in pools:
            by_pool[pools[row.team_id].pk].append(row)
    now = timezone.now()
    for pool_id, members in by_pool.items():
        # SQL evaluates every SET against the old row: pool_reason takes the rule that
        # fired before reclaim_rule is cleared.
        Customer.objects.filter(pk__in=[row.pk for row in members]).update(
            owner_id=None,
            pool_id=pool_id,
            pool_entered_at=now,
            pool_reason=F("reclaim_rule"),
            owned_since=None,
            contact_due_on=None,
            reclaim_on=None,
            reclaim_rule="",
            version=F("version") + 1,
            updated_at=now,
        )
    chosen = [(row, pool_id) for pool_id, members in by_pool.items() for row in members]
    _insert_events(chosen, now)
    _insert_audit(chosen, now)
    return [(row, row.reclaim_rule) for row, _pool in chosen]


# The two inserts below are the rows `OwnershipEvent.objects.create` and
# `audit.services.record` would write, sent as multi-row INSERTs: at 100,000 rows the
# ORM's per-object preparation alone, or one statement per row, takes longer than the
# whole run may. 500 rows × 11 columns stays far under SQLite's parameter limit.
INSERT_BATCH = 500


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            batch = rows[start : start + INSERT_BATCH]
            values = ", ".join([one] * len(batch))
            params = [value for row in batch for value in row]
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES {values}", params)


def _insert_events(chosen: list[tuple[Reclaimed, int]], now: dt.datetime) -> None:
    when = connection.ops.adapt_datetimefield_value(now)
    columns = [
        "customer", "move", "occurred_at", "from_owner", "from_team", "to_team", "pool",
        "reason", "rule",
    ]  # fmt: skip
    move = OwnershipMove.RECLAIM.value
    rows = [
        (row.pk, move, when, row.owner_id, row.team_id, row.team_id, pool_id, "", row.reclaim_rule)
        for row, pool_id in chosen
    ]
    _insert(OwnershipEvent, columns, rows)


def _insert_audit(chosen: list[tuple[Reclaimed, int]], now: dt.datetime) -> None:
    ctx = context.current()
    when = connection.ops.adapt_datetimefield_value(now)
    content_type = ContentType.objects.get_for_model(Customer).pk
    columns = [
        "occurred_at", "actor_label", "action", "content_type", "object_id", "object_label",
        "changes", "extra", "ip_address", "request_id",
    ]  # fmt: skip
    move = OwnershipMove.RECLAIM.value
    rows = [
        (
            when,
            "",
            Action.OWNERSHIP.value,
            content_type,
            str(row.pk),
            row.name[:200],
            json.dumps({"owner": [row.owner_id, None], "pool": [None, pool_id]}),
            json.dumps({"move": move, "rule": row.reclaim_rule}, ensure_ascii=False),
            ctx.ip_address,
            ctx.request_id[:64],
        )
        for row, pool_id in chosen
    ]
    _insert(AuditEvent, columns, rows)


def reclaim_warnings(
    *, today: dt.date | None = None, owner_id: int | None = None
) -> list[tuple[Customer, str, int]]:
    """Owned customers inside their pool's warning window: (customer, rule, days left),
    soonest first. Two queries plus the pool map, however many rows."""
    today = today or timezone.localdate()
    pools = pool_map()
    widest = max((pool.warn_days for pool in pools.values()), default=0)
    if not widest:
        return []
    rows = Customer.objects.filter(
        reclaim_on__gt=today,
        reclaim_on__lte=today + dt.timedelta(days=widest),
        owner__isnull=False,
        archived_at__isnull=True,
    )
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    result = []
    for row in rows.only(*ROW_FIELDS).order_by("reclaim_on", "pk"):
        pool = pools.get(row.team_id)
        left = (row.reclaim_on - today).days
        if pool is not None and left <= pool.warn_days:
            result.append((row, row.reclaim_rule, left))
    return result
