"""Goals and KPI snapshots for the dashboard benchmarks: this quarter's goal of the bench
lead's team on revenue, new customers and follow-ups, published and split equally among
its account managers (through the goals services, as a lead would), and the daily
snapshots of the last 90 days up to yesterday, which the dashboards read. The year's
backfill is timed on its own (bench/cases/goals.py), after the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bench.registry import DatasetContext, dataset_step

SNAPSHOT_DAYS = 90
# Per account manager for the quarter; the same for every size (the pace, not the
# figures, is what the pages compute).
SHARES = {
    "revenue_won": Decimal(1_500_000),
    "new_customers": Decimal(6),
    "follow_ups": Decimal(120),
}
TITLES = {"revenue_won": "赢单金额", "new_customers": "新增客户", "follow_ups": "跟进次数"}


def lead_team(ctx: DatasetContext):
    """The sales team the bench lead leads (the org step makes lead01 lead team 1)."""
    from rapport.org.models import Membership, Role

    membership = Membership.objects.filter(user=ctx.lead, role=Role.TEAM_LEAD).first()
    return membership.team if membership else ctx.data["sales_teams"][0]


@dataset_step(order=60)
def goals(ctx: DatasetContext) -> None:
    from rapport.goals import services
    from rapport.goals.periods import DayRange, PeriodKind, local_today
    from rapport.goals.snapshots import snapshot_range

    team = lead_team(ctx)
    ams = ctx.data["ams_by_team"][team.pk]
    today = local_today()
    goal = services.goal_create(
        actor=ctx.lead,
        data={
            "title": f"{team.name}本季度业绩目标",
            "description": "赢单、新客户和跟进，平均分到每位客户经理，每周一复盘。",
            "owner_kind": "team",
            "owner_team": team,
            "period_kind": PeriodKind.QUARTER,
            "period_start": today,
            "top_level": True,
        },
        key_results=[
            {"title": TITLES[key], "metric": key, "target": share * len(ams)}
            for key, share in SHARES.items()
        ],
    )
    services.goal_publish(actor=ctx.lead, goal=goal)
    shares = 0
    for kr in goal.key_results.all():
        made = services.key_result_split(
            actor=ctx.lead,
            key_result=kr,
            shares=[{"owner": am, "target": SHARES[kr.metric]} for am in ams],
        )
        shares += len(made)
    yesterday = today - dt.timedelta(days=1)
    result = snapshot_range(DayRange(yesterday - dt.timedelta(days=SNAPSHOT_DAYS - 1), yesterday))
    if result.errors:
        raise RuntimeError(f"kpi snapshots failed: {result.errors}")
    ctx.data["goal_team"] = team
    ctx.counts.update(goals=1 + shares, metric_values=result.rows)
