"""Writes of the sales app: opportunities, their stage moves, and pipeline set-up.

Every function is atomic and writes one audit row per record it changes; pages, the API,
imports and the demo all call these (DESIGN §4).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record, snapshot
from rapport.core import services as core
from rapport.sales.models import Opportunity, Pipeline, Stage, StageChange, StageOutcome

# Fields an edit may change; stage moves go through opportunity_move, the pipeline is fixed.
EDITABLE_FIELDS = {"name", "amount", "currency", "expected_close", "notes", "owner", "close_reason"}


def _is_user(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True, archived_at__isnull=True).first()
    if pipeline is None:
        pipeline = Pipeline.objects.filter(archived_at__isnull=True).first()
    if pipeline is None:
        raise ValidationError({"pipeline": _("No sales pipeline is set up yet.")})
    return pipeline


def first_open_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(outcome=StageOutcome.OPEN).order_by("position").first()
    if stage is None:
        raise ValidationError({"stage": _("This pipeline has no open stage.")})
    return stage


def _team_of(owner) -> int:
    """The owner's primary team (or their first team): the book the opportunity joins."""
    from rapport.org.scope import scope_for

    scope = scope_for(owner)
    team = scope.primary_team_id or next(iter(sorted(scope.member_team_ids)), None)
    if team is None:
        raise ValidationError(
            {"owner": _("The owner belongs to no team, so the opportunity would have no book.")}
        )
    return team


def _check_owner(actor, owner) -> None:
    """An account manager opens opportunities for themselves; a lead or an admin may name
    another owner (who must be someone they can see)."""
    from rapport.org.models import User
    from rapport.org.scope import scope_for

    if not _is_user(actor) or owner.pk == actor.pk:
        return
    if not scope_for(actor).can_manage_team:
        raise ValidationError({"owner": _("You can only own your own opportunities.")})
    if not User.objects.visible_to(actor).filter(pk=owner.pk, is_active=True).exists():
        raise ValidationError({"owner": _("Choose an active person of your team.")})


def _check_customer(actor, customer) -> None:
    from rapport.customers.models import Customer

    if not _is_user(actor):
        return
    if not Customer.objects.editable_by(actor).filter(pk=customer.pk).exists():
        raise ValidationError(
            {"customer": _("You can only add opportunities to customers you may edit.")}
        )


def _derive(opportunity: Opportunity) -> None:
    from rapport.customers.normalize import search_text

    customer = opportunity.customer
    opportunity.search_text = search_text(opportunity.name, customer.name, customer.short_name)


def _check_close(opportunity: Opportunity, stage: Stage, reason: str) -> None:
    if stage.pipeline_id != opportunity.pipeline_id:
        raise ValidationError({"stage": _("This stage belongs to another pipeline.")})
    if stage.outcome == StageOutcome.LOST and not reason.strip():
        raise ValidationError({"reason": _("Say why the opportunity was lost.")})


@transaction.atomic
def opportunity_create(*, actor, data: dict[str, Any]) -> Opportunity:
    """A new opportunity for a customer the actor may edit, in the first open stage of the
    default pipeline (or the given pipeline/stage), owned by the actor unless a lead names
    another owner. Writes the first stage-history row and counts as customer progress."""
    data = dict(data)
    data.pop("team", None)  # always the owner's team
    if "owner" not in data or data["owner"] is None:
        if not _is_user(actor):
            raise ValidationError({"owner": _("This field is required.")})
        data["owner"] = actor
    customer = data.get("customer")
    if customer is None:
        raise ValidationError({"customer": _("This field is required.")})
    _check_customer(actor, customer)
    _check_owner(actor, data["owner"])
    pipeline = data.get("pipeline") or default_pipeline()
    stage = data.get("stage") or first_open_stage(pipeline)
    data.update(pipeline=pipeline, stage=stage, team_id=_team_of(data["owner"]))
    opportunity = Opportunity(**data)
    _check_close(opportunity, stage, opportunity.close_reason)
    now = timezone.now()
    opportunity.stage_entered_at = now
    if not stage.is_open:
        opportunity.closed_at = now
    opportunity.full_clean()
    _derive(opportunity)
    opportunity.save()
    StageChange.objects.create(
        opportunity=opportunity,
        to_stage=stage,
        actor=actor if _is_user(actor) else None,
        changed_at=now,
        owner_id=opportunity.owner_id,
        team_id=opportunity.team_id,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=opportunity,
        changes={
            key: [None, value]
            for key, value in snapshot(opportunity).items()
            if value not in (None, "") and key != "search_text"
        },
        extra={"version": opportunity.version},
    )
    _mark_progress(opportunity, now)
    return opportunity


def _mark_progress(opportunity: Opportunity, at) -> None:
    from rapport.customers.services.customers import customer_mark_progress

    customer_mark_progress(customer_id=opportunity.customer_id, at=at)


@transaction.atomic
def opportunity_update(
    *, actor, opportunity: Opportunity, data: dict[str, Any], expected_version: int | None
) -> Opportunity:
    """Change the facts of an opportunity. A new owner (leads and admins only) takes it
    into their team's book."""
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be changed here.") for name in sorted(unknown)}
        )
    owner = data.get("owner")
    if owner is not None and owner.pk != opportunity.owner_id:
        from rapport.org.scope import scope_for

        if _is_user(actor) and not scope_for(actor).can_manage_team:
            raise ValidationError({"owner": _("Only a team lead can hand an opportunity over.")})
        _check_owner(actor, owner)

    def prepare(obj: Opportunity) -> None:
        if owner is not None:
            obj.team_id = _team_of(owner)
        _derive(obj)

    return core.update_object(
        actor=actor,
        obj=opportunity,
        data=data,
        expected_version=expected_version,
        prepare=prepare,
    )


@transaction.atomic
def opportunity_move(
    *,
    actor,
    opportunity: Opportunity,
    stage: Stage,
    expected_version: int | None = None,
    reason: str = "",
) -> Opportunity:
    """Move to another stage of the same pipeline: history with the time spent in the old
    stage, closed_at set on won/lost (lost needs a reason) and cleared on reopening, one
    audit row, and progress on the customer. A stale `expected_version` is refused."""
    reason = (reason or "").strip()
    _check_close(opportunity, stage, reason)
    if len(reason) > 500:
        raise ValidationError({"reason": _("Keep the reason under 500 characters.")})
    if stage.pk == opportunity.stage_id:
        if expected_version is not None and expected_version != opportunity.version:
            core.bump_version(opportunity, expected_version)  # raises StaleObjectError
        return opportunity
    core.bump_version(opportunity, expected_version)
    now = timezone.now()
    before = snapshot(opportunity, ["stage", "closed_at", "close_reason"])
    previous = opportunity.stage
    seconds = max(0, int((now - opportunity.stage_entered_at).total_seconds()))
    opportunity.stage = stage
    opportunity.stage_entered_at = now
    if stage.is_open:
        opportunity.closed_at = None
        opportunity.close_reason = ""
    else:
        opportunity.closed_at = now
        opportunity.close_reason = reason
    opportunity.save(
        update_fields=[
            "stage",
            "stage_entered_at",
            "closed_at",
            "close_reason",
            "updated_at",
            "version",
        ]
    )
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage=previous,
        to_stage=stage,
        actor=actor if _is_user(actor) else None,
        changed_at=now,
        seconds_in_previous=seconds,
        owner_id=opportunity.owner_id,
        team_id=opportunity.team_id,
    )
    after = snapshot(opportunity, ["stage", "closed_at", "close_reason"])
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=opportunity,
        changes={key: [before[key], after[key]] for key in after if before[key] != after[key]},
        extra={
            "version": opportunity.version,
            "move": True,
            "from_stage": previous.name,
            "to_stage": stage.name,
            "seconds_in_previous": seconds,
            "reason": reason,
        },
    )
    _mark_progress(opportunity, now)
    return opportunity


def _outcome_stage(opportunity: Opportunity, outcome: str) -> Stage:
    stage = (
        Stage.objects.filter(pipeline_id=opportunity.pipeline_id, outcome=outcome)
        .order_by("position")
        .first()
    )
    if stage is None:
        raise ValidationError({"stage": _("This pipeline has no stage for that outcome.")})
    return stage


def opportunity_win(
    *, actor, opportunity: Opportunity, reason: str = "", expected_version: int | None = None
) -> Opportunity:
    stage = _outcome_stage(opportunity, StageOutcome.WON)
    return opportunity_move(
        actor=actor,
        opportunity=opportunity,
        stage=stage,
        reason=reason,
        expected_version=expected_version,
    )


def opportunity_lose(
    *, actor, opportunity: Opportunity, reason: str, expected_version: int | None = None
) -> Opportunity:
    stage = _outcome_stage(opportunity, StageOutcome.LOST)
    return opportunity_move(
        actor=actor,
        opportunity=opportunity,
        stage=stage,
        reason=reason,
        expected_version=expected_version,
    )


# --- pipelines and stages (admins only) ------------------------------------------------------


def _require_admin(actor) -> None:
    from rapport.org.scope import scope_for

    if _is_user(actor) and not scope_for(actor).is_admin:
        raise PermissionDenied


def _check_outcomes(pipeline: Pipeline) -> None:
    """A pipeline needs an open stage for new opportunities, and a won and a lost stage."""
    outcomes = set(pipeline.stages.values_list("outcome", flat=True))
    missing = set(StageOutcome.values) - outcomes
    if missing:
        raise ValidationError(
            {"stages": _("A pipeline needs at least one open, one won and one lost stage.")}
        )


def _make_default(pipeline: Pipeline) -> None:
    # Only one default: clear the old one first (the unique constraint would refuse two).
    Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)


@transaction.atomic
def pipeline_create(*, actor, data: dict[str, Any], stages: list[dict[str, Any]]) -> Pipeline:
    """A new pipeline with its stages in the given order."""
    _require_admin(actor)
    pipeline = Pipeline(**data)
    if pipeline.is_default:
        _make_default(pipeline)
    pipeline.full_clean()
    pipeline.save()
    for position, stage_data in enumerate(stages, start=1):
        stage = Stage(pipeline=pipeline, position=position, **stage_data)
        stage.full_clean()
        stage.save()
    _check_outcomes(pipeline)
    record(
        actor=actor,
        action=Action.CREATE,
        obj=pipeline,
        changes={
            "name": [None, pipeline.name],
            "is_default": [None, pipeline.is_default],
            "stages": [None, [s.get("name") for s in stages]],
        },
        extra={"version": pipeline.version},
    )
    return pipeline


@transaction.atomic
def pipeline_update(
    *, actor, pipeline: Pipeline, data: dict[str, Any], expected_version: int | None
) -> Pipeline:
    _require_admin(actor)
    if data.get("is_default") is False and pipeline.is_default:
        raise ValidationError(
            {"is_default": _("Make another pipeline the default instead of clearing this one.")}
        )
    if data.get("is_default") and not pipeline.is_default:
        _make_default(pipeline)  # before validation: the constraint allows one default
    return core.update_object(
        actor=actor, obj=pipeline, data=data, expected_version=expected_version
    )


@transaction.atomic
def stage_create(*, actor, pipeline: Pipeline, data: dict[str, Any]) -> Stage:
    """A new stage at the end of the pipeline (reorder it afterwards)."""
    _require_admin(actor)
    last = pipeline.stages.aggregate(last=Max("position"))["last"] or 0
    stage = Stage(pipeline=pipeline, position=last + 1, **data)
    stage.full_clean()
    stage.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=stage,
        changes={k: [None, v] for k, v in snapshot(stage).items() if v not in (None, "")},
        extra={"version": stage.version},
    )
    return stage


@transaction.atomic
def stage_update(*, actor, stage: Stage, data: dict[str, Any], expected_version: int | None):
    _require_admin(actor)
    if "outcome" in data and data["outcome"] != stage.outcome and stage.opportunities.exists():
        raise ValidationError(
            {"outcome": _("Opportunities are in this stage: its outcome cannot change.")}
        )
    stage = core.update_object(actor=actor, obj=stage, data=data, expected_version=expected_version)
    _check_outcomes(stage.pipeline)
    return stage


@transaction.atomic
def stage_reorder(*, actor, pipeline: Pipeline, stage_ids: list[int]) -> list[Stage]:
    """Put the pipeline's stages in the given order; every stage must be named once."""
    _require_admin(actor)
    stages = {stage.pk: stage for stage in pipeline.stages.select_for_update()}
    if sorted(stage_ids) != sorted(stages) or len(set(stage_ids)) != len(stage_ids):
        raise ValidationError({"stages": _("List every stage of this pipeline exactly once.")})
    before = [stage.pk for stage in sorted(stages.values(), key=lambda s: s.position)]
    if before == list(stage_ids):
        return [stages[pk] for pk in stage_ids]
    # Two passes: positions are unique per pipeline, so park them out of the way first.
    offset = 1000
    for index, pk in enumerate(stage_ids, start=1):
        Stage.objects.filter(pk=pk).update(position=offset + index)
    for index, pk in enumerate(stage_ids, start=1):
        Stage.objects.filter(pk=pk).update(position=index)
        stages[pk].position = index
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=pipeline,
        changes={"stage_order": [before, list(stage_ids)]},
        extra={"version": pipeline.version},
    )
    return [stages[pk] for pk in stage_ids]


@transaction.atomic
def pipeline_set_stages(*, actor, pipeline: Pipeline, stages: list[dict[str, Any]]) -> None:
    """Make the pipeline's stages match `stages` (in that order): rows with an `id` are
    updated, rows without one are added. Stages are never removed (opportunities point at
    them), so every existing stage must be listed."""
    _require_admin(actor)
    existing = {stage.pk: stage for stage in pipeline.stages.all()}
    listed = [row["id"] for row in stages if row.get("id")]
    if set(listed) - set(existing):
        raise ValidationError({"stages": _("A stage of another pipeline was listed.")})
    if set(existing) - set(listed):
        raise ValidationError({"stages": _("Stages cannot be removed; list every existing stage.")})
    order = []
    for row in stages:
        data = {k: v for k, v in row.items() if k in {"name", "english_name", "probability"}}
        if "outcome" in row:
            data["outcome"] = row["outcome"]
        if row.get("id"):
            stage = existing[row["id"]]
            stage_update(actor=actor, stage=stage, data=data, expected_version=None)
            order.append(stage.pk)
        else:
            order.append(stage_create(actor=actor, pipeline=pipeline, data=data).pk)
    stage_reorder(actor=actor, pipeline=pipeline, stage_ids=order)
    _check_outcomes(pipeline)
