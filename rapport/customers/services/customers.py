"""Creating and changing customers: validation, tier, search text, schedule, audit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record, snapshot
from rapport.core import services as core
from rapport.customers.models import (
    STATUS_TRANSITIONS,
    Customer,
    CustomerShare,
    CustomerStatus,
    OwnershipEvent,
    OwnershipMove,
    TierRule,
)
from rapport.customers.normalize import search_text
from rapport.customers.services import schedule


def tier_for(customer: Customer, rules: dict[str, TierRule]) -> str:
    """The tier the admin's rules give: strategic accounts first, then the highest tier
    whose minimum annual value the customer reaches; a tier set by hand is kept."""
    if customer.tier_locked:
        return customer.tier
    if customer.strategic:
        for rule in sorted(rules.values(), key=lambda r: r.tier):
            if rule.for_strategic:
                return rule.tier
    for rule in sorted(rules.values(), key=lambda r: r.tier):
        if rule.min_annual_value is not None and customer.annual_value >= rule.min_annual_value:
            return rule.tier
    return customer.tier


def customer_search_text(customer: Customer) -> str:
    return search_text(customer.name, customer.short_name, customer.uscc)


def _derive(customer: Customer, rules: dict[str, TierRule] | None = None) -> None:
    """Fields that follow from others: tier by the rules, search text, dates."""
    rules = rules if rules is not None else schedule.tier_rules()
    customer.tier = tier_for(customer, rules)
    customer.search_text = customer_search_text(customer)
    schedule.refresh_schedule(customer, rules=rules)


def _check_team(customer: Customer) -> None:
    if customer.owner_id and not customer.team_id:
        from rapport.org.scope import scope_for

        scope = scope_for(customer.owner)
        team = scope.primary_team_id or next(iter(sorted(scope.member_team_ids)), None)
        if team is None:
            raise ValidationError(
                {"owner": _("The owner belongs to no team, so the customer would have no book.")}
            )
        customer.team_id = team


@transaction.atomic
def customer_create(
    *, actor, data: dict[str, Any], tags=None, move: str = OwnershipMove.CREATE
) -> Customer:
    """A new customer, owned by `data['owner']` (default: the actor) in their team."""
    data = dict(data)
    if "owner" not in data and "pool" not in data and actor is not None:
        data["owner"] = actor
    customer = Customer(**data)
    _check_team(customer)
    if customer.owner_id:
        customer.owned_since = timezone.now()
    customer.full_clean()
    _derive(customer)
    customer.save()
    if tags:
        customer.tags.set(tags)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=customer,
        changes={
            key: [None, value]
            for key, value in snapshot(customer).items()
            if value not in (None, "", False)
        },
        extra={"version": customer.version},
    )
    OwnershipEvent.objects.create(
        customer=customer,
        move=move,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        to_owner_id=customer.owner_id,
        to_team_id=customer.team_id,
        pool_id=customer.pool_id,
    )
    return customer


def check_status_move(before: str, after: str) -> None:
    if before != after and after not in STATUS_TRANSITIONS.get(before, frozenset()):
        raise ValidationError(
            {
                "status": _("A customer cannot go from “%(before)s” to “%(after)s”.")
                % {"before": CustomerStatus(before).label, "after": CustomerStatus(after).label}
            }
        )


# Ownership is moved by the pool services (claim, assign, transfer…), never by an edit.
OWNERSHIP_FIELDS = frozenset({"owner", "team", "pool"})


@transaction.atomic
def customer_update(
    *, actor, customer: Customer, data: dict[str, Any], expected_version=None, tags=None
) -> Customer:
    """Edit a customer's facts. The status moves only along allowed transitions; a tier
    set by hand needs a reason; ownership moves go through the pool services."""
    moving = OWNERSHIP_FIELDS & set(data)
    if moving and any(getattr(customer, f"{name}_id") != _pk(data[name]) for name in moving):
        raise ValidationError(
            {name: _("Use assign or transfer to change the owner.") for name in moving}
        )
    data = {key: value for key, value in data.items() if key not in OWNERSHIP_FIELDS}
    if "status" in data:
        check_status_move(customer.status, data["status"])
    if data.get("tier_locked") and not (data.get("tier_reason") or customer.tier_reason):
        raise ValidationError({"tier_reason": _("Say why the tier is set by hand.")})
    customer = core.update_object(
        actor=actor,
        obj=customer,
        data=data,
        expected_version=expected_version,
        prepare=_derive,
    )
    if tags is not None:
        customer.tags.set(tags)
    return customer


def _pk(value) -> int | None:
    return getattr(value, "pk", value)


@transaction.atomic
def customer_refresh_schedule(*, customer: Customer, rules=None, pools=None) -> list[str]:
    """Store recomputed due/reclaim dates (no audit row: derived values, not an edit)."""
    changed = schedule.refresh_schedule(customer, rules=rules, pools=pools)
    if changed:
        customer.save(update_fields=changed)
    return changed


@transaction.atomic
def customer_share(*, actor, customer: Customer, user, shared: bool = True) -> None:
    """Share a customer with a colleague (read access), or stop sharing it."""
    if shared:
        CustomerShare.objects.get_or_create(customer=customer, user=user)
    else:
        CustomerShare.objects.filter(customer=customer, user=user).delete()
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=customer,
        changes={"shared_with": [None, user.pk] if shared else [user.pk, None]},
    )


@transaction.atomic
def customer_mark_progress(*, customer_id: int, at=None) -> None:
    """An opportunity of this customer moved: that is progress for the pool's
    no-progress rule. Called by the sales services (derived value: no audit row)."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    customer.last_progress_at = at or timezone.now()
    changed = ["last_progress_at", *schedule.refresh_schedule(customer)]
    customer.save(update_fields=changed)


@transaction.atomic
def customers_tag(*, actor, customers, tags, remove: bool = False) -> dict[str, int]:
    """Add (or remove) tags on many customers at once; one audit row per customer whose
    tags changed. `tags` are Tag rows or names (new names become tags when adding).
    The caller passes only customers the actor may edit."""
    from rapport.customers.models import Tag

    names = [tag for tag in tags if isinstance(tag, str)]
    chosen = [tag for tag in tags if not isinstance(tag, str)]
    for name in names:
        name = " ".join(name.split())[:40]
        if not name:
            continue
        tag = Tag.objects.filter(name=name).first()
        if tag is None and not remove:
            tag = Tag(name=name)
            tag.full_clean()
            tag.save()
        if tag is not None:
            chosen.append(tag)
    customers = list(customers)
    through = Customer.tags.through
    current: dict[int, set[int]] = {customer.pk: set() for customer in customers}
    for customer_id, tag_id in through.objects.filter(customer_id__in=current).values_list(
        "customer_id", "tag_id"
    ):
        current[customer_id].add(tag_id)
    tag_ids = {tag.pk for tag in chosen}
    label = {tag.pk: tag.name for tag in chosen}
    done = 0
    for customer in customers:
        before = current[customer.pk]
        after = before - tag_ids if remove else before | tag_ids
        if after == before:
            continue
        if remove:
            through.objects.filter(customer_id=customer.pk, tag_id__in=tag_ids).delete()
        else:
            through.objects.bulk_create(
                [through(customer_id=customer.pk, tag_id=pk) for pk in tag_ids - before]
            )
        changed = sorted(label[pk] for pk in (before ^ after))
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=customer,
            changes={"tags": [[], changed] if not remove else [changed, []]},
        )
        done += 1
    return {"done": done, "unchanged": len(customers) - done}
