"""The public pool (公海): claim, release, assign and transfer a customer, in bulk too.

Every move is one transaction with an `OwnershipEvent` and an audit event, and it
recomputes the customer's due and reclaim dates. The move itself is a conditional
UPDATE (`… WHERE pool_id = <pool> AND owner_id IS NULL` for a claim), so of two
concurrent claims exactly one changes the row and the other is refused: the database
decides, not a read made before it. The nightly reclaim lives in `reclaim.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.customers.models import (
    Customer,
    CustomerStatus,
    OwnershipEvent,
    OwnershipMove,
    Pool,
)
from rapport.customers.services import schedule
from rapport.org.scope import scope_for

REASON_MAX = 500


class MoveRefused(ValidationError):
    """A move a rule refuses; `rule` names the rule (holding_cap, cooldown, …) for the
    API's error body, `field` the input it is about."""

    def __init__(self, rule: str, message: str, field: str | None = None):
        super().__init__({field: [message]} if field else message, code=rule)
        self.rule = rule
        self.field = field
        self.text = message


# --- who and where ---------------------------------------------------------------------


def team_of(user, within: frozenset[int] | None = None) -> int | None:
    """The team a customer follows its owner into: the owner's primary team (or, when
    `within` is given, a team of theirs inside it, so a lead never moves a customer out
    of their own reach)."""
    scope = scope_for(user)
    teams = scope.member_team_ids if within is None else scope.member_team_ids & within
    if within is None and scope.primary_team_id:
        return scope.primary_team_id
    if scope.primary_team_id in teams:
        return scope.primary_team_id
    return min(teams) if teams else None


def is_member(user, pool: Pool) -> bool:
    """Everyone in the pool's team or below it, its named members and its admin."""
    if pool.admin_id == user.pk or pool.team_id in scope_for(user).ancestor_team_ids:
        return True
    return pool.members.filter(pk=user.pk).exists()


def pool_map() -> dict[int, Pool]:
    """team id → the pool its customers go back to (the nearest at or above it), for
    every live team, in two queries; the set-based jobs use it instead of a query per row."""
    from rapport.org.models import Team

    pools = {p.team_id: p for p in Pool.objects.filter(archived_at__isnull=True)}
    result: dict[int, Pool] = {}
    for team_id, path in Team.objects.values_list("pk", "path"):
        for ancestor in reversed([int(part) for part in path.strip("/").split("/") if part]):
            if ancestor in pools:
                result[team_id] = pools[ancestor]
                break
    return result


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise MoveRefused("reason", _("Say why the customer moves."), "reason")
    if len(reason) > REASON_MAX:
        raise MoveRefused(
            "reason",
            _("Keep the reason under %(n)s characters.") % {"n": REASON_MAX},
            "reason",
        )
    return reason


def local_day_start(day: dt.date | None = None) -> dt.datetime:
    day = day or timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- claim rules -------------------------------------------------------------------------


def holding_count(user, pool: Pool) -> int:
    """Customers `user` holds toward the pool's cap: won and active-contract customers
    are left out when the pool says so."""
    held = Customer.objects.filter(owner_id=user.pk, archived_at__isnull=True)
    if pool.cap_excludes_won:
        from rapport.sales.models import Opportunity, StageOutcome

        won = Opportunity.objects.filter(customer=OuterRef("pk"), stage__outcome=StageOutcome.WON)
        held = held.exclude(status=CustomerStatus.ACTIVE).exclude(Exists(won))
    return held.count()


def claims_today(user, today: dt.date | None = None) -> int:
    return OwnershipEvent.objects.filter(
        to_owner_id=user.pk, move=OwnershipMove.CLAIM, occurred_at__gte=local_day_start(today)
    ).count()


def left_on(user, customer_id: int) -> dt.datetime | None:
    """When the customer last left `user` (released, reclaimed, moved away)."""
    return (
        OwnershipEvent.objects.filter(from_owner_id=user.pk, customer_id=customer_id)
        .exclude(to_owner_id=user.pk)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )


def check_claim(user, customer_id: int, pool: Pool) -> None:
    """Raise MoveRefused naming the first claim rule `user` does not meet."""
    if not scope_for(user).can_write:
        raise MoveRefused("read_only", _("You may read customers but not claim them."))
    if not is_member(user, pool):
        raise MoveRefused(
            "not_member", _("You are not a member of the pool %(pool)s.") % {"pool": pool.name}
        )
    left = left_on(user, customer_id)
    if left and pool.cooldown_days:
        until = timezone.localtime(left).date() + dt.timedelta(days=pool.cooldown_days)
        if timezone.localdate() < until:
            raise MoveRefused(
                "cooldown",
                _("You held this customer until recently; you may claim it again on %(day)s.")
                % {"day": until.isoformat()},
            )
    if pool.holding_cap is not None and holding_count(user, pool) >= pool.holding_cap:
        raise MoveRefused(
            "holding_cap",
            _("You already hold %(cap)s customers, the most this pool allows.")
            % {"cap": pool.holding_cap},
        )
    if pool.daily_claim_cap is not None and claims_today(user) >= pool.daily_claim_cap:
        raise MoveRefused(
            "daily_cap",
            _("You have made %(cap)s claims today, the most this pool allows per day.")
            % {"cap": pool.daily_claim_cap},
        )


# --- the move itself ---------------------------------------------------------------------


def _moved(
    *,
    actor,
    customer: Customer,
    where: Q,
    move: str,
    to_owner,
    to_team: int | None,
    pool: Pool | None,
    reason: str = "",
    rule: str = "",
) -> Customer:
    """Apply one move with a conditional UPDATE (`where` is the state the caller checked),
    then dates, the ownership event and the audit event. Raises MoveRefused when the row
    is no longer in that state (someone else moved it first)."""
    now = timezone.now()
    before = {"owner": customer.owner_id, "team": customer.team_id, "pool": customer.pool_id}
    from_pool = customer.pool_id
    values: dict[str, Any] = {
        "owner_id": to_owner.pk if to_owner else None,
        "team_id": to_team or customer.team_id,
        "pool_id": None if to_owner else pool.pk,
        "owned_since": now if to_owner else None,
        "pool_entered_at": None if to_owner else now,
        "pool_reason": "" if to_owner else (reason or rule)[:300],
        "version": F("version") + 1,
        "updated_at": now,
    }
    if not Customer.objects.filter(where, pk=customer.pk).update(**values):
        raise MoveRefused(
            "taken", _("Someone else moved this customer a moment ago; reload and try again.")
        )
    customer.refresh_from_db()
    changed = schedule.refresh_schedule(customer)
    if changed:
        customer.save(update_fields=changed)
    after = {"owner": customer.owner_id, "team": customer.team_id, "pool": customer.pool_id}
    OwnershipEvent.objects.create(
        customer=customer,
        move=move,
        occurred_at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_owner_id=before["owner"],
        to_owner_id=after["owner"],
        from_team_id=before["team"],
        to_team_id=after["team"],
        pool_id=from_pool or customer.pool_id,
        reason=reason[:REASON_MAX],
        rule=rule[:200],
    )
    record(
        actor=actor,
        action=Action.OWNERSHIP,
        obj=customer,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        extra={"move": move, "reason": reason, "rule": rule, "version": customer.version},
    )
    return customer


def _lock_user(user) -> None:
    """Serialise one person's claims (PostgreSQL row lock; SQLite's IMMEDIATE transactions
    serialise every writer anyway), so two tabs cannot both pass the caps."""
    from rapport.org.models import User

    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


@transaction.atomic
def customer_claim(*, actor, customer: Customer) -> Customer:
    """Take a pool customer as one's own, within the pool's claim rules."""
    _lock_user(actor)
    pool_id = Customer.objects.filter(pk=customer.pk).values_list("pool_id", flat=True).first()
    if pool_id is None:
        raise MoveRefused("not_in_pool", _("This customer is not in a public pool."))
    pool = Pool.objects.get(pk=pool_id)
    check_claim(actor, customer.pk, pool)
    team = team_of(actor)
    if team is None:
        raise MoveRefused("no_team", _("You belong to no team, so you cannot hold customers."))
    return _moved(
        actor=actor,
        customer=customer,
        where=Q(pool_id=pool.pk, owner__isnull=True),
        move=OwnershipMove.CLAIM,
        to_owner=actor,
        to_team=team,
        pool=pool,
    )


def _can_manage(actor, customer: Customer) -> bool:
    """Admins, and leads above the customer's team (owned) or its pool (unowned)."""
    scope = scope_for(actor)
    if scope.is_admin:
        return True
    if not scope.is_lead:
        return False
    if customer.owner_id:
        return customer.team_id in scope.led_team_ids
    pool_team = Pool.objects.filter(pk=customer.pool_id).values_list("team_id", flat=True).first()
    return pool_team in (scope.led_team_ids | scope.ancestor_team_ids)


@transaction.atomic
def customer_release(*, actor, customer: Customer, reason: str) -> Customer:
    """Give an owned customer back to its team's pool (the owner, or a lead above it)."""
    reason = _reason(reason)
    if not scope_for(actor).can_write:
        raise MoveRefused("read_only", _("You may read customers but not move them."))
    if customer.owner_id is None:
        raise MoveRefused("not_owned", _("This customer is already in a pool."))
    if customer.owner_id != actor.pk and not _can_manage(actor, customer):
        raise MoveRefused("out_of_scope", _("Only its owner or their lead may release it."))
    pool = schedule.pool_for_team(customer.team_id)
    if pool is None:
        raise MoveRefused("no_pool", _("There is no public pool for this customer's team."))
    return _moved(
        actor=actor,
        customer=customer,
        where=Q(owner_id=customer.owner_id),
        move=OwnershipMove.RELEASE,
        to_owner=None,
        to_team=None,
        pool=pool,
        reason=reason,
    )


def _target_team(actor, to_owner) -> int:
    """The team the customer goes to with its new owner, or MoveRefused naming to_owner
    when the lead may not give customers to that person."""
    scope = scope_for(actor)
    target = scope_for(to_owner) if to_owner is not None else None
    if target is None or not to_owner.is_active or not target.can_write:
        raise MoveRefused(
            "bad_owner", _("Choose an active colleague who may hold customers."), "to_owner"
        )
    team = team_of(to_owner, None if scope.is_admin else scope.led_team_ids)
    if team is None:
        raise MoveRefused(
            "out_of_scope",
            _("%(name)s is not in a team you lead.") % {"name": to_owner},
            "to_owner",
        )
    return team


def _give(*, actor, customer: Customer, to_owner, reason: str, move: str) -> Customer:
    reason = _reason(reason)
    if not _can_manage(actor, customer):
        raise MoveRefused("out_of_scope", _("This customer is outside the teams you lead."))
    team = _target_team(actor, to_owner)
    if customer.owner_id == to_owner.pk:
        raise MoveRefused("same_owner", _("This customer already belongs to them."), "to_owner")
    where = (
        Q(owner_id=customer.owner_id)
        if customer.owner_id
        else Q(pool_id=customer.pool_id, owner__isnull=True)
    )
    return _moved(
        actor=actor,
        customer=customer,
        where=where,
        move=move,
        to_owner=to_owner,
        to_team=team,
        pool=None,
        reason=reason,
    )


@transaction.atomic
def customer_assign(*, actor, customer: Customer, to_owner, reason: str) -> Customer:
    """A lead (or admin) gives a customer — from a pool or from anyone in their scope —
    to someone in a team they lead. No claim caps: the lead decides."""
    return _give(
        actor=actor, customer=customer, to_owner=to_owner, reason=reason, move=OwnershipMove.ASSIGN
    )


@transaction.atomic
def customer_transfer(*, actor, customer: Customer, to_owner, reason: str) -> Customer:
    """A lead (or admin) moves an owned customer from one account manager to another."""
    if customer.owner_id is None:
        raise MoveRefused("not_owned", _("This customer is in a pool: assign it instead."))
    return _give(
        actor=actor,
        customer=customer,
        to_owner=to_owner,
        reason=reason,
        move=OwnershipMove.TRANSFER,
    )


BULK_VERBS = ("claim", "release", "assign", "transfer")


def customers_bulk(
    *, actor, customers, verb: str, to_owner=None, reason: str = ""
) -> dict[str, Any]:
    """Apply one verb to many customers, each in its own transaction: what a rule refuses
    is reported with its reason and does not stop the others."""
    if verb not in BULK_VERBS:
        raise ValidationError({"verb": _("Unknown action.")})
    if verb in {"assign", "transfer"} and to_owner is None:
        raise ValidationError({"to_owner": _("Choose who gets the customers.")})
    moved = 0
    refused: list[tuple[Customer, str]] = []
    for customer in customers:
        try:
            with transaction.atomic():
                if verb == "claim":
                    customer_claim(actor=actor, customer=customer)
                elif verb == "release":
                    customer_release(actor=actor, customer=customer, reason=reason)
                elif verb == "assign":
                    customer_assign(
                        actor=actor, customer=customer, to_owner=to_owner, reason=reason
                    )
                else:
                    customer_transfer(
                        actor=actor, customer=customer, to_owner=to_owner, reason=reason
                    )
        except ValidationError as error:
            refused.append((customer, " ".join(error.messages)))
        else:
            moved += 1
    return {"verb": verb, "moved": moved, "refused_count": len(refused), "refused": refused}


def pool_reclaim(*, today: dt.date | None = None, dry_run: bool = False):
    """See `reclaim.pool_reclaim` (set-based, for the nightly job and the command)."""
    from rapport.customers.services.reclaim import pool_reclaim as run

    return run(today=today, dry_run=dry_run)


def reclaim_warnings(*, today: dt.date | None = None):
    from rapport.customers.services.reclaim import reclaim_warnings as run

    return run(today=today)


# --- pools ------------------------------------------------------------------------------


@transaction.atomic
def pool_create(*, actor, data: dict[str, Any], members=()) -> Pool:
    from rapport.core import services as core

    pool = core.create_object(actor=actor, model=Pool, data=data)
    if members:
        pool.members.set(members)
    _reschedule_later(actor)
    return pool


@transaction.atomic
def pool_update(
    *, actor, pool: Pool, data: dict[str, Any], expected_version=None, members=None
) -> Pool:
    """Change a pool's rules; every reclaim date is recomputed by a job after commit."""
    from rapport.core import services as core

    rules_before = {name: getattr(pool, name) for name in data}
    pool = core.update_object(actor=actor, obj=pool, data=data, expected_version=expected_version)
    if members is not None:
        pool.members.set(members)
    if any(getattr(pool, name) != value for name, value in rules_before.items()):
        _reschedule_later(actor)
    return pool


def _reschedule_later(actor) -> None:
    from rapport.core.jobs import job_start

    job_start(actor=actor, kind="customers.reschedule", title=_("Recompute due and reclaim dates"))


def ensure_default_pools(actor) -> list[Pool]:
    """A company-wide pool and one per sales team when there are none yet (for the demo
    and fresh installs). Sales teams: teams whose members include account managers."""
    from rapport.org.models import Membership, Role, Team

    if Pool.objects.exists():
        return []
    created = []
    root = Team.objects.filter(parent__isnull=True, archived_at__isnull=True).order_by("pk").first()
    if root is not None:
        created.append(
            pool_create(
                actor=actor,
                data={
                    "name": _("Company pool"),
                    "team": root,
                    "reclaim_days_a": 30,
                    "reclaim_days_b": 45,
                    "reclaim_days_c": 60,
                    "reclaim_days_d": 90,
                    "no_progress_days": 120,
                    "holding_cap": 200,
                    "daily_claim_cap": 10,
                },
            )
        )
    sales_teams = Team.objects.filter(
        archived_at__isnull=True,
        pk__in=Membership.objects.filter(role=Role.ACCOUNT_MANAGER).values("team_id"),
    ).order_by("path")
    for team in sales_teams:
        created.append(
            pool_create(
                actor=actor,
                data={
                    "name": _("%(team)s pool") % {"team": team.name},
                    "team": team,
                    "reclaim_days_a": 21,
                    "reclaim_days_b": 30,
                    "reclaim_days_c": 45,
                    "reclaim_days_d": 60,
                    "no_progress_days": 90,
                    "holding_cap": 150,
                    "daily_claim_cap": 5,
                },
            )
        )
    return created
