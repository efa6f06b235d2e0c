"""Demo opportunities: about 150 on the demo customers, in every stage of the default
pipeline, created and moved through the sales services (stage history, audit, customer
progress), with won and lost reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rapport.core.demo import DemoContext, demo_step

OPPORTUNITIES = 150
PRODUCTS = ["年度采购", "系统升级", "运维服务", "设备更新", "咨询项目", "二期扩容", "培训服务"]
WON = ["价格和交付周期有优势", "老客户续约", "方案通过技术评审"]
LOST = ["预算取消", "竞争对手报价更低", "项目延期到明年"]


@demo_step(order=40)
def opportunities(ctx: DemoContext) -> None:
    from rapport.customers.models import Customer
    from rapport.sales import services
    from rapport.sales.models import StageOutcome

    rng = ctx.rng
    pipeline = services.default_pipeline()
    stages = list(pipeline.stages.order_by("position"))
    customers = list(
        Customer.objects.filter(owner__isnull=False, status__in=["prospect", "active", "dormant"])
        .select_related("owner")
        .order_by("pk")[:OPPORTUNITIES]
    )
    today = timezone.localdate()
    made = 0
    for index, customer in enumerate(customers):
        target = stages[index % len(stages)]  # every stage gets its share
        opportunity = services.opportunity_create(
            actor=customer.owner,
            data={
                "customer": customer,
                "name": f"{customer.short_name or customer.name}{rng.choice(PRODUCTS)}",
                "amount": Decimal(rng.randrange(20, 3000) * 1000),
                "expected_close": today + dt.timedelta(days=rng.randint(-20, 150)),
            },
        )
        if target.pk != opportunity.stage_id:
            reason = ""
            if target.outcome == StageOutcome.WON:
                reason = rng.choice(WON)
            elif target.outcome == StageOutcome.LOST:
                reason = rng.choice(LOST)
            services.opportunity_move(
                actor=customer.owner, opportunity=opportunity, stage=target, reason=reason
            )
        made += 1
    ctx.say(f"  opportunities: {made} over {len(stages)} stages")
