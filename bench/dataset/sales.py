"""Opportunities over the stages of the default pipeline (its data migration makes it; a
database without it gets the same stages here), with the stage history the KPIs read."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from bench.dataset import vocab
from bench.registry import DatasetContext, dataset_step
from rapport.core.bulk import Inserter

DEFAULT_STAGES = [
    ("初步接洽", "10", "open"),
    ("需求确认", "25", "open"),
    ("方案报价", "50", "open"),
    ("商务谈判", "70", "open"),
    ("赢单", "100", "won"),
    ("输单", "0", "lost"),
]
STAGE_WEIGHTS = [25, 20, 15, 10, 18, 12]
PRODUCTS = ["年度采购", "系统升级", "运维服务", "设备更新", "咨询项目", "二期扩容", "培训服务"]


def default_pipeline():
    from rapport.sales.models import Pipeline, Stage

    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        pipeline = Pipeline.objects.create(name="默认销售流程", is_default=True)
        for position, (name, probability, outcome) in enumerate(DEFAULT_STAGES, start=1):
            Stage.objects.create(
                pipeline=pipeline,
                name=name,
                position=position,
                probability=Decimal(probability),
                outcome=outcome,
            )
    return pipeline, list(pipeline.stages.order_by("position"))


@dataset_step(order=50)
def opportunities(ctx: DatasetContext) -> None:
    """Opportunities with the stage history the services write (the KPIs credit a deal to
    its owner and team at the opening move and at the move into its won/lost stage): an
    opening move into the first open stage at creation, and for a closed deal a move from
    an open stage into its outcome at `closed_at`."""
    from rapport.sales.models import Opportunity, StageChange

    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    pipeline, stages = default_pipeline()
    open_stages = [stage for stage in stages if stage.outcome == "open"]
    first_open = open_stages[0]
    average = ctx.size["opportunities"] / max(1, ctx.size["customers"])
    ams = ctx.data["ams_by_team"]
    searchable = {product: vocab.compose_search_text((product, "项目")) for product in PRODUCTS}
    rows, moves = Inserter(Opportunity), Inserter(StageChange)
    history_rng = random.Random(20261206)
    for customer_id, team_id, author_id, *_rest in ctx.data["plan"]:
        for _ in range(rng.randint(0, round(2 * average))):
            stage = rng.choices(stages, weights=STAGE_WEIGHTS[: len(stages)])[0]
            product = rng.choice(PRODUCTS)
            created = now - dt.timedelta(days=rng.randint(1, 700))
            closed = stage.outcome != "open"
            # The draws in the order they have always been made (the history draws from a
            # generator of its own), so the opportunities stay the ones earlier runs made.
            owner_id = author_id if rng.random() < 0.9 else rng.choice(ams[team_id]).pk
            amount = Decimal(rng.randrange(10_000, 3_000_000, 500))
            entered = min(created + dt.timedelta(days=rng.randint(0, 30)), now)
            expected = today + dt.timedelta(days=rng.randint(-60, 240))
            # No deal closes in the future: closed_at and the stage entered then are at
            # most now, as the services stamp them.
            closed_at = (
                min(created + dt.timedelta(days=rng.randint(10, 90)), now) if closed else None
            )
            pk = rows.add(
                {
                    "customer_id": customer_id,
                    "owner_id": owner_id,
                    "team_id": team_id,
                    "name": f"{product}项目",
                    "amount": amount,
                    "pipeline_id": pipeline.pk,
                    "stage_id": stage.pk,
                    "created_at": created,
                    "updated_at": closed_at or created,
                    "stage_entered_at": closed_at or entered,
                    "expected_close": expected,
                    "closed_at": closed_at,
                    "search_text": searchable[product],
                }
            )
            credit = {"opportunity_id": pk, "owner_id": owner_id, "team_id": team_id}
            moves.add(
                {
                    **credit,
                    "to_stage_id": first_open.pk,
                    "actor_id": owner_id,
                    "changed_at": created,
                }
            )
            if closed:
                moves.add(
                    {
                        **credit,
                        "from_stage_id": history_rng.choice(open_stages).pk,
                        "to_stage_id": stage.pk,
                        "actor_id": owner_id,
                        "changed_at": closed_at,
                        "seconds_in_previous": int((closed_at - created).total_seconds()),
                    }
                )
    ctx.counts["opportunities"] = rows.close()
    ctx.counts["stage_changes"] = moves.close()
