"""Demo goals (issue #4 §9): the KPI snapshots of the year of history (`demo_history`)
and this quarter's goals: a company goal (admin), a goal for each sales team (its lead) on
revenue, new customers and follow-ups, published and split equally among the team's
account managers; the equal share is the team's forecast divided equally, so that the
strong are on track and the weak behind. One account manager's own goal waits for
approval, another's was sent back with a comment, and a manual key result has two
check-ins."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db import transaction
from django.utils import timezone

from rapport.core.demo import DemoContext, demo_step
from rapport.goals.demo_history import (  # noqa: F401 - importing it registers its step
    BEHIND_AT,
    KR_TITLES,
    METRICS,
    ON_TRACK_AT,
    Scale,
    account_managers,
    make_history,
    season,
    strength,
    this_quarter,
    window_start,
)


def _nice(value: Decimal, metric: str, up: bool = True) -> Decimal:
    """A target as a lead would write it: revenue in ten thousands (万), counts whole."""
    step = Decimal(10_000) if metric == "revenue_won" else Decimal(1)
    rounding = ROUND_CEILING if up else ROUND_FLOOR
    return max(step, (value / step).to_integral_value(rounding=rounding) * step)


def _share(forecasts: list[Decimal | None], metric: str) -> Decimal:
    """The equal share for every member: the team's forecast divided equally (so the team
    is on pace), as a round figure, moved if need be so that the strongest member is on
    track and the weakest behind (off track if it can), as far as their forecasts differ."""
    known = [f for f in forecasts if f is not None]
    if not known or max(known) <= 0:
        return _nice(Decimal(1), metric)
    mean = sum(known) / len(known)
    top, bottom = max(known), min(known)
    candidates = {
        _nice(value, metric, up)
        for value in (mean, top / ON_TRACK_AT, bottom / BEHIND_AT)
        for up in (True, False)
    }
    for on_track, behind in ((ON_TRACK_AT, BEHIND_AT), (Decimal("0.9"), Decimal("0.9"))):
        fitting = [t for t in candidates if top / t >= on_track and bottom / t < behind]
        if fitting:
            return min(fitting, key=lambda t: (abs(t - mean), t))
    return _nice(mean, metric)


def _stretch(person, period) -> Decimal:
    """A visits target a keen account manager proposes: a fifth above their pace."""
    from rapport.goals.pace import period_fraction
    from rapport.goals.periods import local_today
    from rapport.goals.selectors import Subject, figures

    done = figures(person, Subject("user", person.pk), period, ["visits"])["visits"].value or 0
    fraction = Decimal(str(period_fraction(period, local_today()))) or Decimal(1)
    return max(Decimal(6), _nice(done / fraction * Decimal("1.2"), "visits"))


def _date_back_goals(goals, first: dt.date) -> None:
    """Published early in the quarter (the split shares with their goal)."""
    from rapport.goals.models import Goal, KeyResult
    from rapport.goals.periods import day_start

    when = min(timezone.now(), day_start(first) + dt.timedelta(days=2, hours=10))
    ids = [goal.pk for goal in goals]
    children = list(Goal.objects.filter(parent_id__in=ids).values_list("pk", flat=True))
    Goal.objects.filter(pk__in=ids + children).update(created_at=when, published_at=when)
    KeyResult.objects.filter(goal_id__in=ids + children).update(created_at=when)


def _check_ins(lead, key_result, published: dt.datetime) -> None:
    from rapport.goals import services
    from rapport.goals.models import CheckIn

    now = timezone.now()
    made = [
        services.check_in_create(
            actor=lead,
            key_result=key_result,
            value=4,
            comment="已完成 4 家重点客户的业务回顾，另有 3 家约在下月。",
            confidence=6,
        ),
        services.check_in_create(
            actor=lead,
            key_result=key_result,
            value=7,
            comment="又完成 3 家；年底客户忙，剩下 5 家需要提前约。",
            confidence=7,
        ),
    ]
    span = max(now - published, dt.timedelta(0))
    for check_in, part in zip(made, (0.45, 0.9), strict=True):
        CheckIn.objects.filter(pk=check_in.pk).update(created_at=published + span * part)


def _forecasts(admin, lead, team, ams, base: dict, today: dt.date) -> dict[str, list]:
    """{metric: each member's forecast for the period}, read as the goal pages would from
    a trial goal split among them, which is then rolled back (it leaves no trace)."""
    from rapport.goals import services
    from rapport.goals.models import KeyResult, OwnerKind
    from rapport.goals.progress import progress_for

    with transaction.atomic():
        trial = services.goal_create(
            actor=lead,
            data={**base, "title": "试算", "owner_kind": OwnerKind.TEAM, "owner_team": team},
            key_results=[{"title": key, "metric": key, "target": 1} for key in METRICS],
        )
        made = []
        for kr in trial.key_results.all():
            shares = [{"owner": am, "target": 1} for am in ams]
            made += services.key_result_split(actor=lead, key_result=kr, shares=shares)
        made = KeyResult.objects.filter(pk__in=[kr.pk for kr in made]).select_related("goal")
        forecasts: dict[str, list] = {key: [] for key in METRICS}
        for item in progress_for(admin, made, today).values():
            pace = item.pace
            forecasts[item.key_result.metric].append(
                None
                if pace.actual is None or not pace.fraction
                else pace.actual / Decimal(str(pace.fraction))
            )
        transaction.set_rollback(True)
    return forecasts


def make_goals(ctx: DemoContext) -> dict:
    from rapport.goals import services
    from rapport.goals.models import Goal, KeyResult, OwnerKind
    from rapport.goals.periods import PeriodKind, local_today
    from rapport.goals.progress import progress_for

    admin, today = ctx.actor, local_today()
    period = this_quarter(today)
    base = {"period_kind": PeriodKind.QUARTER, "period_start": period.first}
    plans = []  # (team, its account managers, lead, {metric: each one's share})
    for team, ams, lead in account_managers(ctx):
        forecasts = _forecasts(admin, lead, team, ams, base, today)
        plans.append((team, ams, lead, {key: _share(forecasts[key], key) for key in METRICS}))
    company = services.goal_create(
        actor=admin,
        data={
            **base,
            "title": f"{period.code} 公司经营目标",
            "description": "本季度全公司的赢单金额和新客户开拓，按团队分解到人，每周一复盘。",
            "owner_kind": OwnerKind.COMPANY,
            "top_level": True,
        },
        key_results=[
            {
                "title": KR_TITLES[key],
                "metric": key,
                "target": sum(share[key] * len(ams) for _t, ams, _l, share in plans),
            }
            for key in METRICS[:2]
        ],
    )
    services.goal_publish(actor=admin, goal=company)
    teams, statuses = [], {}
    for team, ams, lead, share in plans:
        key_results = [
            {"title": KR_TITLES[key], "metric": key, "target": share[key] * len(ams)}
            for key in METRICS
        ]
        if not teams:  # the first team also tracks a result by hand
            key_results.append(
                {"title": "完成重点客户季度业务回顾", "target": 12, "unit_label": "家"}
            )
        goal = services.goal_create(
            actor=lead,
            data={
                **base,
                "title": f"{team.name} {period.code} 业绩目标",
                "description": "赢单、新客户和跟进三件事，平均分到每位客户经理，按进度每周跟进。",
                "owner_kind": OwnerKind.TEAM,
                "owner_team": team,
                "parent": company,
            },
            key_results=key_results,
        )
        services.goal_publish(actor=lead, goal=goal)
        krs = {kr.metric: kr for kr in goal.key_results.all()}
        for key in METRICS:
            services.key_result_split(
                actor=lead,
                key_result=krs[key],
                shares=[{"owner": am, "target": share[key]} for am in ams],
            )
        teams.append((team, ams, lead, goal, krs))
    _date_back_goals([company] + [goal for _t, _a, _l, goal, _k in teams], period.first)

    # The pace of every member's shares, as the team dashboard shows it.
    shares = KeyResult.objects.filter(
        goal__parent__in=[goal for _t, _a, _l, goal, _k in teams], goal__owner_kind="user"
    ).select_related("goal", "goal__owner_user")
    for item in progress_for(admin, shares, today).values():
        owner = item.key_result.goal.owner_user.username
        statuses.setdefault(owner, {})[item.key_result.metric] = item.pace.status

    # One account manager's own goal waits for approval, another's was sent back.
    _east, east_ams, east_lead, east_goal, _krs = teams[0]
    _north, north_ams, north_lead, north_goal, _krs = teams[-1]
    proposer = max(east_ams, key=strength)
    proposed = services.goal_create(
        actor=proposer,
        data={
            **base,
            "title": "拜访重点客户",
            "description": "每周至少两次上门拜访 A 类客户，把电话沟通变成面谈。",
            "owner_kind": OwnerKind.USER,
            "parent": east_goal,
        },
        key_results=[
            {"title": "上门拜访", "metric": "visits", "target": _stretch(proposer, period)}
        ],
    )
    services.goal_propose(actor=proposer, goal=proposed)
    returner = min(north_ams, key=strength)
    returned = services.goal_create(
        actor=returner,
        data={
            **base,
            "title": "开拓新能源行业客户",
            "description": "在新能源行业找到新客户。",
            "owner_kind": OwnerKind.USER,
            "parent": north_goal,
        },
        key_results=[{"title": "新能源行业新客户", "metric": "new_customers", "target": 1}],
    )
    services.goal_propose(actor=returner, goal=returned)
    services.goal_return(
        actor=north_lead,
        goal=returned,
        comment=(
            f"一家太少了：团队分给你的新客户是 {plans[-1][3]['new_customers']:.0f} 家。"
            "请按这个数重新定目标，并写明准备接触的企业名单。"
        ),
    )
    manual = east_goal.key_results.filter(metric="").first()
    if manual is not None:
        east_goal.refresh_from_db()
        _check_ins(east_lead, manual, east_goal.published_at)
    return {
        "period": period,
        "company": company,
        "teams": teams,
        "statuses": statuses,
        "proposed": proposed,
        "returned": returned,
        "goals": Goal.objects.count(),
    }


def snapshot_history(today: dt.date | None = None):
    """KPI snapshots for every day of the history up to yesterday; a range that ends
    yesterday also writes the present-only stocks (weighted pipeline, overdue …) for it."""
    from rapport.goals.periods import DayRange, local_today
    from rapport.goals.snapshots import snapshot_range

    today = today or local_today()
    days = DayRange(window_start(today), today - dt.timedelta(days=1))
    return days, snapshot_range(days)


@demo_step(order=90)
def goals(ctx: DemoContext) -> None:
    from rapport.goals.pace import PaceStatus

    days, result = snapshot_history()
    made = make_goals(ctx)
    on_track = sorted(
        name for name, by in made["statuses"].items()
        if by.get("revenue_won") == PaceStatus.ON_TRACK
    )  # fmt: skip
    behind = sorted(
        name for name, by in made["statuses"].items()
        if by.get("revenue_won") in (PaceStatus.AT_RISK, PaceStatus.OFF_TRACK)
    )  # fmt: skip
    ctx.say(
        f"  KPI snapshots: {days.days} days, {result.rows} rows; goals for {made['period'].code}: "
        f"{made['goals']} (company, {len(made['teams'])} teams split to their members); "
        f"revenue on track: {', '.join(on_track) or '-'}; behind: {', '.join(behind) or '-'}; "
        "1 goal waiting for approval, 1 sent back"
    )
