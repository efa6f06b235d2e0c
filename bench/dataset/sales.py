"""Opportunities over the stages of the default pipeline (its data migration makes it; a
database without it gets the same stages here)."""

from __future__ import annotations

import datetime as dt
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
    from rapport.sales.models import Opportunity

    rng = ctx.rng
    now = timezone.now()
    today = timezone.localdate()
    pipeline, stages = default_pipeline()
    average = ctx.size["opportunities"] / max(1, ctx.size["customers"])
    ams = ctx.data["ams_by_team"]
    searchable = {product: vocab.compose_search_text((product, "项目")) for product in PRODUCTS}
    rows = Inserter(Opportunity)
    for customer_id, team_id, author_id, *_rest in ctx.data["plan"]:
        for _ in range(rng.randint(0, round(2 * average))):
            stage = rng.choices(stages, weights=STAGE_WEIGHTS[: len(stages)])[0]
            product = rng.choice(PRODUCTS)
            created = now - dt.timedelta(days=rng.randint(1, 700))
            closed = stage.outcome != "open"
            rows.add(
                {
                    "customer_id": customer_id,
                    "owner_id": author_id if rng.random() < 0.9 else rng.choice(ams[team_id]).pk,
                    "team_id": team_id,
                    "name": f"{product}项目",
                    "amount": Decimal(rng.randrange(10_000, 3_000_000, 500)),
                    "pipeline_id": pipeline.pk,
                    "stage_id": stage.pk,
                    "created_at": created,
                    "updated_at": created,
                    "stage_entered_at": created + dt.timedelta(days=rng.randint(0, 30)),
                    "expected_close": today + dt.timedelta(days=rng.randint(-60, 240)),
                    "closed_at": created + dt.timedelta(days=rng.randint(10, 90))
                    if closed
                    else None,
                    "search_text": searchable[product],
                }
            )
    ctx.counts["opportunities"] = rows.close()
