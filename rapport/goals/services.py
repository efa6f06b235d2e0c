"""Writes of goals: create and edit goals and key results, the approval flow, the split
down the team tree, check-ins, and the company's goal settings and exchange rates.

Every function is atomic and audited (DESIGN §10.2); pages and the API call these.
Who may do what: leads and admins set goals for the teams and people they lead (and
admins for the company); an account manager drafts their own and proposes it to their
lead, who approves it or sends it back with a comment.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core import services as core
from rapport.goals import catalog
from rapport.goals.models import (
    CheckIn,
    ExchangeRate,
    Goal,
    GoalSettings,
    GoalStatus,
    KeyResult,
    MetricValue,
    OwnerKind,
)
from rapport.goals.periods import Period
from rapport.goals.smart import blocking, smart_check

GOAL_FIELDS = {"title", "description", "parent", "top_level", "period_kind", "period_start"}
KR_FIELDS = {"title", "metric", "target", "start_value", "unit_label", "position"}


def _scope(actor):
    from rapport.org.scope import scope_for

    return scope_for(actor)


def can_manage(actor, goal: Goal) -> bool:
    """Leads of the owner (team or person) and admins; company goals are admins'."""
    scope = _scope(actor)
    if scope.is_admin:
        return True
    if goal.owner_kind == OwnerKind.TEAM:
        return goal.owner_team_id in scope.led_team_ids
    if goal.owner_kind == OwnerKind.USER and goal.owner_user_id != actor.pk:
        from rapport.org.models import Membership

        led = Membership.objects.filter(user_id=goal.owner_user_id, team_id__in=scope.led_team_ids)
        return led.exists()
    # A person's own goal is set or approved by the lead above them, never by themselves.
    return False


def _check_owner(actor, goal: Goal) -> None:
    """An AM may own only their own goals; others need to manage the owner."""
    if goal.owner_kind == OwnerKind.USER and goal.owner_user_id == actor.pk:
        return
    if not can_manage(actor, goal):
        raise ValidationError(
            {"owner": _("You can set goals only for yourself and the teams and people you lead.")}
        )


def _normalise(goal: Goal) -> None:
    """The period is the whole month, quarter or fiscal year containing period_start."""
    if not goal.period_kind or not goal.period_start:
        raise ValidationError({"period_kind": _("Choose a period.")})
    settings = GoalSettings.current()
    period = Period.containing(goal.period_start, goal.period_kind, settings.fiscal_year_start)
    goal.period_start, goal.period_end = period.first, period.last
    if goal.owner_kind == OwnerKind.COMPANY:
        goal.owner_team = goal.owner_user = None
    elif goal.owner_kind == OwnerKind.TEAM:
        goal.owner_user = None
    else:  # a person's goal belongs to no team: its scope follows the person
        goal.owner_team = None


def _check_parent(actor, goal: Goal) -> None:
    if goal.parent_id is None:
        if goal.top_level and not _scope(actor).can_manage_team:
            raise ValidationError({"top_level": _("Only leads and admins set top-level goals.")})
        return
    parent = Goal.objects.visible_to(actor).filter(pk=goal.parent_id).first()
    if parent is None:
        raise ValidationError({"parent": _("Choose a goal you can see.")})
    if parent.pk == goal.pk:
        raise ValidationError({"parent": _("A goal cannot contribute to itself.")})
    if goal.period_start < parent.period_start or goal.period_end > parent.period_end:
        raise ValidationError({"parent": _("The goal's period must lie within its parent's.")})


def _check_key_result(kr: KeyResult) -> None:
    if kr.metric and catalog.get(kr.metric) is None:
        raise ValidationError({"metric": _("Choose a metric from the catalog.")})


@transaction.atomic
def goal_create(*, actor, data: dict[str, Any], key_results: list[dict] = ()) -> Goal:
    """A draft goal with its key results."""
    unknown = set(data) - GOAL_FIELDS - {"owner_kind", "owner_team", "owner_user"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    goal = Goal(**data, created_by=actor, status=GoalStatus.DRAFT)
    if goal.owner_kind == OwnerKind.USER and goal.owner_user_id is None:
        goal.owner_user = actor
    _normalise(goal)
    _check_owner(actor, goal)
    _check_parent(actor, goal)
    goal = core.create_object(
        actor=actor,
        model=Goal,
        data={
            f.attname: getattr(goal, f.attname)
            for f in Goal._meta.concrete_fields
            if f.attname != "id"
        },
    )
    for position, item in enumerate(key_results):
        key_result_add(actor=actor, goal=goal, data={"position": position, **item})
    return goal


def _require_editable(actor, goal: Goal) -> None:
    if not Goal.objects.editable_by(actor).filter(pk=goal.pk).exists():
        raise PermissionDenied(_("You cannot change this goal."))


@transaction.atomic
def goal_update(*, actor, goal: Goal, data: dict[str, Any], expected_version: int | None) -> Goal:
    unknown = set(data) - GOAL_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    _require_editable(actor, goal)

    def prepare(obj: Goal) -> None:
        _normalise(obj)
        _check_parent(actor, obj)

    return core.update_object(
        actor=actor, obj=goal, data=data, expected_version=expected_version, prepare=prepare
    )


@transaction.atomic
def key_result_add(*, actor, goal: Goal, data: dict[str, Any]) -> KeyResult:
    unknown = set(data) - KR_FIELDS - {"parent"}
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})
    _require_editable(actor, goal)
    kr = KeyResult(goal=goal, **data)
    _check_key_result(kr)
    return core.create_object(
        actor=actor,
        model=KeyResult,
        data={
            f.attname: getattr(kr, f.attname)
            for f in KeyResult._meta.concrete_fields
            if f.attname != "id"
        },
    )


@transaction.atomic
def key_result_update(
    *, actor, key_result: KeyResult, data: dict[str, Any], expected_version: int | None
) -> KeyResult:
    unknown = set(data) - KR_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    _require_editable(actor, key_result.goal)
    return core.update_object(
        actor=actor,
        obj=key_result,
        data=data,
        expected_version=expected_version,
        prepare=_check_key_result,
    )


def _transition(
    actor, goal: Goal, status: str, *, comment: str = "", expected_version=None
) -> Goal:
    before = goal.status
    core.bump_version(goal, expected_version)
    goal.status = status
    goal.review_comment = comment
    fields = ["status", "review_comment", "updated_at", "version"]
    if status == GoalStatus.ACTIVE:
        goal.published_at = timezone.now()
        fields.append("published_at")
    goal.save(update_fields=fields)
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=goal,
        changes={
            "status": [before, status],
            **({"review_comment": ["", comment]} if comment else {}),
        },
        extra={"version": goal.version},
    )
    return goal


def _passes_smart(actor, goal: Goal) -> None:
    failed = blocking(smart_check(actor, goal, actor_can_manage=_scope(actor).can_manage_team))
    if failed:
        raise ValidationError({f.criterion: f.message for f in failed})


@transaction.atomic
def goal_publish(*, actor, goal: Goal, expected_version: int | None = None) -> Goal:
    """A lead or admin publishes a goal they manage, after the SMART check."""
    if not can_manage(actor, goal):
        raise PermissionDenied(_("Only the owner's lead or an admin publishes this goal."))
    if goal.status == GoalStatus.ACTIVE:
        return goal
    _passes_smart(actor, goal)
    return _transition(actor, goal, GoalStatus.ACTIVE, expected_version=expected_version)


@transaction.atomic
def goal_propose(*, actor, goal: Goal, expected_version: int | None = None) -> Goal:
    """The owner proposes their own goal to their lead, after the SMART check."""
    if goal.owner_user_id != actor.pk or goal.status not in (GoalStatus.DRAFT, GoalStatus.RETURNED):
        raise PermissionDenied(_("You can propose only your own draft or returned goals."))
    _passes_smart(actor, goal)
    return _transition(actor, goal, GoalStatus.PROPOSED, expected_version=expected_version)


@transaction.atomic
def goal_approve(*, actor, goal: Goal, expected_version: int | None = None) -> Goal:
    if goal.status != GoalStatus.PROPOSED or not can_manage(actor, goal):
        raise PermissionDenied(_("Only the owner's lead approves a proposed goal."))
    return _transition(actor, goal, GoalStatus.ACTIVE, expected_version=expected_version)


@transaction.atomic
def goal_return(*, actor, goal: Goal, comment: str, expected_version: int | None = None) -> Goal:
    """Send a proposed goal back to its owner; the comment says what to change."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should change before it is approved.")})
    if len(comment) > 1000:
        raise ValidationError({"comment": _("Keep the comment under 1,000 characters.")})
    if goal.status != GoalStatus.PROPOSED or not can_manage(actor, goal):
        raise PermissionDenied(_("Only the owner's lead sends a proposed goal back."))
    return _transition(
        actor, goal, GoalStatus.RETURNED, comment=comment, expected_version=expected_version
    )


@transaction.atomic
def goal_archive(*, actor, goal: Goal, expected_version: int | None = None) -> Goal:
    if not (can_manage(actor, goal) or Goal.objects.editable_by(actor).filter(pk=goal.pk).exists()):
        raise PermissionDenied(_("You cannot archive this goal."))
    return core.archive_object(actor=actor, obj=goal, expected_version=expected_version)


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({field: _("Enter a number of zero or more.")})
    return number


def _share_owner(goal: Goal, owner) -> dict[str, Any]:
    """Who may receive a share of a goal: a team below the goal's team (or any team, for
    a company goal), or a member of the goal's team."""
    from rapport.org.models import Membership, Team, User

    if isinstance(owner, Team):
        if goal.owner_kind == OwnerKind.COMPANY or (
            goal.owner_kind == OwnerKind.TEAM and owner.parent_id == goal.owner_team_id
        ):
            return {"owner_kind": OwnerKind.TEAM, "owner_team": owner, "owner_user": None}
    elif (
        isinstance(owner, User)
        and goal.owner_kind == OwnerKind.TEAM
        and Membership.objects.filter(user=owner, team_id=goal.owner_team_id).exists()
    ):
        return {"owner_kind": OwnerKind.USER, "owner_team": None, "owner_user": owner}
    raise ValidationError(
        {
            "owner": _("%(owner)s is not a team below or a member of this goal's owner.")
            % {"owner": owner}
        }
    )


@transaction.atomic
def key_result_split(*, actor, key_result: KeyResult, shares: list[dict]) -> list[KeyResult]:
    """目标分解: give each child team or member a share of a target. Each share is a goal
    of the child (inheriting the objective and period, linked to this one) with one key
    result on the same metric. Splitting again updates the shares already given."""
    goal = key_result.goal
    if not can_manage(actor, goal):
        raise PermissionDenied(_("Only the owner's lead or an admin splits this goal."))
    if not shares:
        raise ValidationError({"shares": _("Give at least one share.")})
    owners = [share.get("owner") for share in shares]
    if len({(type(o).__name__, getattr(o, "pk", None)) for o in owners}) != len(owners):
        raise ValidationError({"shares": _("Each team or person may get one share only.")})
    made = []
    for share in shares:
        owner = _share_owner(goal, share.get("owner"))
        target = _decimal(share.get("target"), "target")
        existing = KeyResult.objects.filter(
            parent=key_result,
            goal__parent=goal,
            goal__archived_at__isnull=True,
            goal__owner_team=owner["owner_team"],
            goal__owner_user=owner["owner_user"],
        ).first()
        if existing is not None:
            made.append(core.update_object(actor=actor, obj=existing, data={"target": target}))
            continue
        child = _child_goal(actor, goal, owner)
        made.append(
            core.create_object(
                actor=actor,
                model=KeyResult,
                data={
                    "goal": child,
                    "title": key_result.title,
                    "metric": key_result.metric,
                    "target": target,
                    "unit_label": key_result.unit_label,
                    "parent": key_result,
                    "position": key_result.position,
                },
            )
        )
    return made


def _child_goal(actor, goal: Goal, owner: dict) -> Goal:
    """The child's goal under `goal`: the one made by an earlier split of another key
    result (so a member gets one goal with several shares), or a new one."""
    child = (
        Goal.objects.filter(
            parent=goal,
            archived_at__isnull=True,
            owner_team=owner["owner_team"],
            owner_user=owner["owner_user"],
            key_results__parent__goal=goal,  # made by a split, not the member's own goal
        )
        .order_by("pk")
        .first()
    )
    if child is not None:
        return child
    active = goal.status == GoalStatus.ACTIVE
    return core.create_object(
        actor=actor,
        model=Goal,
        data={
            "title": goal.title,
            "description": goal.description,
            **owner,
            "period_kind": goal.period_kind,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "parent": goal,
            "status": GoalStatus.ACTIVE if active else GoalStatus.DRAFT,
            "published_at": timezone.now() if active else None,
            "created_by": actor,
        },
    )


def split_status(key_result: KeyResult, shares: list[KeyResult] | None = None) -> dict:
    """The shares given and whether they add up to the target (for summable metrics; a
    win rate is not split by adding)."""
    if shares is None:
        shares = list(key_result.shares.filter(goal__archived_at__isnull=True))
    metric = catalog.get(key_result.metric) if key_result.metric else None
    summable = metric is None or metric.summable
    total = sum((share.target for share in shares), Decimal(0))
    return {
        "shares": shares,
        "total": total,
        "summable": summable,
        "mismatch": bool(shares) and summable and total != key_result.target,
        "difference": total - key_result.target,
    }


def can_check_in(actor, goal: Goal) -> bool:
    from rapport.org.models import Membership

    if goal.owner_kind == OwnerKind.USER and goal.owner_user_id == actor.pk:
        return True
    if (
        goal.owner_kind == OwnerKind.TEAM
        and Membership.objects.filter(user=actor, team_id=goal.owner_team_id)
        .exclude(role="viewer")
        .exists()
    ):
        return True
    return can_manage(actor, goal)


@transaction.atomic
def check_in_create(
    *, actor, key_result: KeyResult, value, comment: str = "", confidence
) -> CheckIn:
    """Report progress on a manual key result: its value now, a comment, a confidence."""
    goal = key_result.goal
    if not key_result.is_manual:
        raise ValidationError(
            {"key_result": _("This key result follows its metric; it needs no check-in.")}
        )
    if goal.status != GoalStatus.ACTIVE or goal.archived_at is not None:
        raise ValidationError({"key_result": _("Check in on published goals only.")})
    if not can_check_in(actor, goal):
        raise PermissionDenied(_("Only the goal's owner, their team or their lead checks in."))
    try:
        confidence = int(confidence)
    except (TypeError, ValueError):
        raise ValidationError({"confidence": _("Give a confidence from 0 to 10.")}) from None
    if not 0 <= confidence <= 10:
        raise ValidationError({"confidence": _("Give a confidence from 0 to 10.")})
    value = _decimal(value, "value")
    check_in = core.create_object(
        actor=actor,
        model=CheckIn,
        data={
            "key_result": key_result,
            "author": actor,
            "value": value,
            "comment": (comment or "").strip(),
            "confidence": confidence,
        },
    )
    core.update_object(
        actor=actor, obj=key_result, data={"current_value": value, "confidence": confidence}
    )
    return check_in


def _require_admin(actor) -> None:
    if not _scope(actor).is_admin:
        raise PermissionDenied(_("Only admins change the goal settings."))


@transaction.atomic
def goal_settings_update(
    *, actor, data: dict[str, Any], expected_version: int | None
) -> GoalSettings:
    _require_admin(actor)
    allowed = {f.name for f in GoalSettings._meta.concrete_fields} - {
        "id",
        "created_at",
        "updated_at",
        "version",
    }
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    current = GoalSettings.current()
    changes_currency = data.get("base_currency", current.base_currency) != current.base_currency
    if changes_currency and MetricValue.objects.exists():
        # Stored amounts and the exchange rates are in the old currency: changing it now
        # would add the two in every figure.
        raise ValidationError(
            {
                "base_currency": _(
                    "The reporting currency cannot change once KPI snapshots exist: the "
                    "history and the exchange rates are in the current one."
                )
            }
        )
    return core.update_object(
        actor=actor, obj=current, data=data, expected_version=expected_version
    )


@transaction.atomic
def exchange_rate_set(*, actor, currency: str, valid_from, rate) -> ExchangeRate:
    """Set the rate of a currency from a day on (replacing that day's rate if any)."""
    _require_admin(actor)
    if currency == GoalSettings.current().base_currency:
        raise ValidationError({"currency": _("The reporting currency needs no rate.")})
    rate = _decimal(rate, "rate")
    if rate == 0:
        raise ValidationError({"rate": _("Enter a rate above zero.")})
    existing = ExchangeRate.objects.filter(currency=currency, valid_from=valid_from).first()
    if existing is not None:
        return core.update_object(actor=actor, obj=existing, data={"rate": rate})
    return core.create_object(
        actor=actor,
        model=ExchangeRate,
        data={"currency": currency, "valid_from": valid_from, "rate": rate},
    )
