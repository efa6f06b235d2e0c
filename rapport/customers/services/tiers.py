"""Tier rules and contact cadence: editing the rules, a tier set by hand, and the
set-based recompute of tiers and dates over the whole book (a job and the nightly run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit import context
from rapport.audit.models import Action, AuditEvent
from rapport.core import services as core
from rapport.core.jobs import job_kind, job_start
from rapport.customers.models import Customer, Tier, TierRule
from rapport.customers.services import schedule
from rapport.customers.services.customers import customer_update, tier_for
from rapport.customers.services.pool import pool_map

CHUNK = 2000
# What the recompute reads and writes; everything else stays unloaded.
LOAD = (
    "id",
    "name",
    "tier",
    "tier_locked",
    "strategic",
    "annual_value",
    "owner_id",
    "team_id",
    "archived_at",
    "created_at",
    "last_follow_up_at",
    "next_follow_up_due",
    "last_progress_at",
    "owned_since",
    "contact_due_on",
    "reclaim_on",
    "reclaim_rule",
)
WRITE = ["tier", "contact_due_on", "reclaim_on", "reclaim_rule"]


@transaction.atomic
def tier_rule_update(
    *, actor, rule: TierRule, data: dict[str, Any], expected_version=None
) -> TierRule:
    """Change a tier's cadence or thresholds; tiers and due dates of the whole book are
    re-evaluated by a job once this commits."""
    rule = core.update_object(actor=actor, obj=rule, data=data, expected_version=expected_version)
    job_start(
        actor=actor,
        kind="customers.tiers",
        title=_("Re-evaluate customer tiers after a rule change"),
    )
    return rule


@transaction.atomic
def customer_set_tier(*, actor, customer: Customer, tier: str | None, reason: str = "") -> Customer:
    """Set a customer's tier by hand with a reason (the rules then leave it alone), or
    give it back to the rules with `tier=None`."""
    if tier is None:
        data = {"tier_locked": False, "tier_reason": ""}
    else:
        if tier not in Tier.values:
            raise ValidationError({"tier": _("Choose A, B, C or D.")})
        reason = " ".join((reason or "").split())
        if not reason:
            raise ValidationError({"tier_reason": _("Say why the tier is set by hand.")})
        data = {"tier": tier, "tier_locked": True, "tier_reason": reason[:200]}
    return customer_update(actor=actor, customer=customer, data=data)


def recompute_book(
    *, tiers: bool = True, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Recompute tier (unless set by hand), contact due date and reclaim date of every
    live customer, in chunks by primary key, writing only what changed with
    `bulk_update`. Tier changes get an audit event each (bulk-created)."""
    rules = schedule.tier_rules()
    pools = pool_map()
    live = Customer.objects.filter(archived_at__isnull=True)
    total = live.count()
    done = changed = retiered = 0
    last = 0
    while True:
        rows = list(live.filter(pk__gt=last).order_by("pk").only(*LOAD)[:CHUNK])
        if not rows:
            break
        last = rows[-1].pk
        dirty, moves = _recompute(rows, rules, pools, tiers)
        with transaction.atomic():
            _write(dirty)
            _audit_tiers(moves)
        done += len(rows)
        changed += len(dirty)
        retiered += len(moves)
        if progress:
            progress(done, total)
    return {"customers": done, "changed": changed, "tiers_changed": retiered}


def _write(dirty: list[Customer]) -> None:
    """One executemany of plain UPDATEs by primary key: `bulk_update`'s CASE WHEN per
    column is many times slower at 100,000 rows (derived values: no version bump)."""
    if not dirty:
        return
    ops = connection.ops
    quote = ops.quote_name
    sets = ", ".join(f"{quote(name)} = %s" for name in WRITE)
    sql = f"UPDATE {quote(Customer._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"
    rows = [
        (
            row.tier,
            ops.adapt_datefield_value(row.contact_due_on),
            ops.adapt_datefield_value(row.reclaim_on),
            row.reclaim_rule,
            row.pk,
        )
        for row in dirty
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _recompute(rows, rules, pools, tiers: bool):
    dirty, moves = [], []
    for row in rows:
        before = [getattr(row, name) for name in WRITE]
        if tiers:
            row.tier = tier_for(row, rules)
        row.contact_due_on = schedule.contact_due_on(row, rules)
        pool = pools.get(row.team_id) if row.owner_id else None
        row.reclaim_on, rule = schedule.reclaim_due(row, pool)
        row.reclaim_rule = rule[:200]
        if [getattr(row, name) for name in WRITE] != before:
            dirty.append(row)
        if row.tier != before[0]:
            moves.append((row, before[0]))
    return dirty, moves


def _audit_tiers(moves) -> None:
    if not moves:
        return
    ctx = context.current()
    content_type = ContentType.objects.get_for_model(Customer)
    now = timezone.now()
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                occurred_at=now,
                action=Action.UPDATE,
                content_type=content_type,
                object_id=str(row.pk),
                object_label=row.name[:200],
                changes={"tier": [old, row.tier]},
                extra={"by_rule": True},
                ip_address=ctx.ip_address,
                request_id=ctx.request_id[:64],
            )
            for row, old in moves
        ],
        batch_size=1000,
    )


@job_kind("customers.tiers")
def tiers_job(job, reporter) -> None:
    counts = recompute_book(tiers=True, progress=_progress(reporter))
    reporter.advance(counts["customers"], **counts)


@job_kind("customers.reschedule")
def reschedule_job(job, reporter) -> None:
    counts = recompute_book(tiers=False, progress=_progress(reporter))
    reporter.advance(counts["customers"], **counts)


def _progress(reporter):
    started = {"total": False}

    def report(done: int, total: int) -> None:
        if not started["total"]:
            reporter.total(total)
            started["total"] = True
        reporter.advance(done)

    return report
