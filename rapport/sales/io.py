"""Import rows of opportunities (issue #3 §8), driven by `rapport.imports.engine`.

Each row names a customer the importer may edit; the stage is looked up by name in the
pipeline (the default pipeline when none is named); duplicates are (customer, name).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core import services as core
from rapport.core.money import Currency
from rapport.customers.io import (
    CUSTOMER,
    CUSTOMER_USCC,
    OWNER,
    Cleaner,
    apply_match,
    customer_cells,
    owner_of,
    prepare_owners,
    resolve_customers,
    team_of,
    update_each,
)
from rapport.customers.normalize import fold, search_text
from rapport.imports import base
from rapport.imports.base import (
    Column,
    Context,
    Row,
    RowError,
    RowHandler,
    bulk_audit,
    insert_all,
)
from rapport.sales.models import Opportunity, Pipeline, StageChange, StageOutcome


class OpportunityRows(RowHandler):
    entity = "opportunities"
    model = Opportunity
    columns = (
        CUSTOMER,
        CUSTOMER_USCC,
        Column(
            "name",
            gettext_lazy("Name"),
            ("商机名称", "名称", "项目名称", "商机", "Opportunity", "Opportunity name", "Deal"),
            required=True,
        ),
        Column("amount", gettext_lazy("Amount"), ("金额", "预计金额", "商机金额", "Value")),
        Column("currency", gettext_lazy("Currency"), ("币种", "货币")),
        Column("pipeline", gettext_lazy("Pipeline"), ("销售流程", "管道", "流程")),
        Column("stage", gettext_lazy("Stage"), ("阶段", "销售阶段", "商机阶段")),
        Column(
            "expected_close",
            gettext_lazy("Expected close date"),
            ("预计成交日期", "预计成交", "预计签约日期", "Close date"),
        ),
        Column(
            "close_reason",
            gettext_lazy("Won / lost reason"),
            ("赢单/输单原因", "输赢原因", "原因", "Reason"),
        ),
        Column("notes", gettext_lazy("Notes"), ("备注", "说明", "Remarks")),
        OWNER,
    )

    def prepare(self, ctx: Context) -> None:
        prepare_owners(ctx)
        pipelines = list(
            Pipeline.objects.filter(archived_at__isnull=True).prefetch_related("stages")
        )
        ctx.cache["pipelines"] = {base.header_key(p.name): p for p in pipelines}
        default = next((p for p in pipelines if p.is_default), pipelines[0] if pipelines else None)
        ctx.cache["default_pipeline"] = default
        ctx.cache["stages"] = {
            p.pk: sorted(p.stages.all(), key=lambda stage: stage.position) for p in pipelines
        }

    def _pipeline(self, value: str, ctx: Context, label: str):
        if not value.strip():
            pipeline = ctx.cache["default_pipeline"]
        else:
            pipeline = ctx.cache["pipelines"].get(base.header_key(value))
        if pipeline is None:
            raise base.ValidationError(
                _("%(label)s: there is no pipeline “%(value)s”.")
                % {"label": label, "value": value[:60]}
            )
        return pipeline

    def _stage(self, value: str, pipeline, ctx: Context, label: str):
        stages = ctx.cache["stages"].get(pipeline.pk, [])
        if not value.strip():
            open_stages = [stage for stage in stages if stage.outcome == StageOutcome.OPEN]
            if open_stages:
                return open_stages[0]
        key = base.header_key(value)
        for stage in stages:
            if base.header_key(stage.name) == key:
                return stage
        names = ", ".join(stage.name for stage in stages)
        raise base.ValidationError(
            _("%(label)s: “%(value)s” is not a stage of %(pipeline)s (%(names)s).")
            % {"label": label, "value": value[:60], "pipeline": pipeline.name, "names": names}
        )

    def clean(self, values: dict[str, str], ctx: Context) -> dict[str, Any]:
        cells = Cleaner(self, values)
        customer_cells(cells)
        cells.text("name", Opportunity, required=True)
        cells.text("close_reason", Opportunity)
        cells.text("notes", Opportunity)
        cells.choice("currency", Currency.choices)
        cells.put("amount", lambda v: base.amount(v, label=cells.label("amount")))
        cells.put("expected_close", lambda v: base.date(v, label=cells.label("expected_close")))
        cells.put("owner", lambda v: owner_of(v, ctx))
        pipeline = None
        cells.put("pipeline", lambda v: self._pipeline(v, ctx, cells.label("pipeline")))
        if "pipeline" not in values:
            cells.data["pipeline"] = ctx.cache["default_pipeline"]
        pipeline = cells.data.get("pipeline")
        if pipeline is None and not cells.errors:
            cells.errors.append(_("There is no sales pipeline yet; an admin must set one up."))
        if pipeline is not None:
            cells.put("stage", lambda v: self._stage(v, pipeline, ctx, cells.label("stage")))
            if "stage" not in values:
                cells.data["stage"] = self._stage("", pipeline, ctx, cells.label("stage"))
        data = cells.done()
        if data.get("amount") is None:
            data.pop("amount", None)
        return data

    def keys(self, data: dict[str, Any]) -> list[tuple]:
        return [("opp", data.get("customer_id"), fold(data["name"]))]

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        resolve_customers(rows, ctx)
        rows = [row for row in rows if not row.errors]
        visible = Opportunity.objects.visible_to(ctx.actor).filter(pk=OuterRef("pk"))
        editable = Opportunity.objects.editable_by(ctx.actor).filter(pk=OuterRef("pk"))
        found = (
            Opportunity.objects.filter(customer_id__in={row.data["customer_id"] for row in rows})
            .annotate(seen=Exists(visible), may_edit=Exists(editable))
            .values_list("pk", "customer_id", "name", "seen", "may_edit")
        )
        existing = {
            ("opp", c, fold(name)): (pk, name, seen, may) for pk, c, name, seen, may in found
        }
        for row in rows:
            match = existing.get(self.keys(row.data)[0])
            if match:
                apply_match(row, ctx, match=match)

    def create(self, rows: list[Row], ctx: Context) -> None:
        built = []
        for row in rows:
            data = {
                k: v
                for k, v in row.data.items()
                if k not in ("customer", "customer_uscc", "customer_key")
            }
            owner = data.pop("owner", None) or ctx.owner
            try:
                team = team_of(owner, ctx)
            except RowError as error:
                row.errors.extend(error.messages)
                row.action = "error"
                continue
            opportunity = Opportunity(**data, owner=owner, team_id=team, created_at=ctx.now)
            opportunity.stage_entered_at = ctx.now
            if opportunity.stage.outcome != StageOutcome.OPEN:
                opportunity.closed_at = ctx.now
            opportunity.search_text = search_text(opportunity.name)
            built.append(opportunity)
        insert_all(Opportunity, built)
        bulk_audit(actor=ctx.actor, objects=built, extra={"import": ctx.run_id})
        actor = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None
        insert_all(
            StageChange,
            [
                StageChange(
                    opportunity=o,
                    to_stage=o.stage,
                    actor=actor,
                    changed_at=ctx.now,
                    owner_id=o.owner_id,
                    team_id=o.team_id,
                )
                for o in built
            ],
        )

    def update(self, rows: list[Row], ctx: Context) -> None:
        """Facts only; stage moves go through the board (they have their own history)."""
        allowed = {"name", "amount", "currency", "expected_close", "close_reason", "notes"}

        def write(opportunity, changes):
            data = {key: value for key, value in changes.items() if key in allowed}
            core.update_object(actor=ctx.actor, obj=opportunity, data=data)

        update_each(rows, ctx, self, Opportunity, write)
