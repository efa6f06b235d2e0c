"""Demo customer book: about 300 customers across industries and cities (some with a
valid USCC), spread over the demo account managers with tiers and statuses, 1–4 contacts
each (mobiles, some landlines with extensions), six months of follow-ups (so some customers
are overdue and some due today), the default pools and about 30 candidates in them.

Everything goes through the services, so the demo book has its audit trail and ownership
log; only the follow-ups' `created_at` is moved back to when they happened afterwards, so
that old ones read as logbook entries (editable for 24 hours after logging) as they would
after six months of real use.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from stdnum.cn import uscc as stdnum_uscc

from rapport.core.demo import DemoContext, demo_step

CUSTOMERS = 300
IN_POOL = 30
CITIES = [
    ("上海", "上海", "310115"),
    ("杭州", "浙江", "330106"),
    ("南京", "江苏", "320106"),
    ("苏州", "江苏", "320505"),
    ("宁波", "浙江", "330212"),
    ("合肥", "安徽", "340104"),
    ("北京", "北京", "110108"),
    ("天津", "天津", "120116"),
    ("济南", "山东", "370102"),
    ("青岛", "山东", "370212"),
    ("石家庄", "河北", "130102"),
    ("太原", "山西", "140105"),
]
WORDS = [
    "华信", "中科", "东方", "金桥", "恒达", "新锐", "博远", "天成", "瑞丰", "宏图", "国泰",
    "星辰", "海纳", "鼎盛", "汇通", "远航", "德润", "安泰", "卓越", "联创", "云帆", "启明",
    "百川", "长风", "锦程", "嘉禾", "明德", "正泰", "永盛", "蓝海", "伟业", "凯旋", "睿智",
]  # fmt: skip
# (word in the name, industry)
TRADES = [
    ("科技", "信息技术"),
    ("软件", "信息技术"),
    ("电子", "电子制造"),
    ("精密机械", "装备制造"),
    ("汽车零部件", "汽车"),
    ("医药", "医药健康"),
    ("医疗器械", "医药健康"),
    ("新材料", "化工材料"),
    ("物流", "物流"),
    ("食品", "消费品"),
    ("建设工程", "建筑地产"),
    ("新能源", "能源"),
    ("文化传媒", "传媒"),
    ("教育科技", "教育"),
]
SUFFIXES = ["有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
STATUSES = ["lead"] * 3 + ["prospect"] * 4 + ["active"] * 8 + ["dormant"] * 2 + ["lost"]
SOURCES = ["referral", "website", "exhibition", "cold_call", "partner", "campaign"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰红梅鹏飞宇晨欣怡浩"
TITLES = ["总经理", "采购经理", "技术总监", "财务总监", "行政主管", "项目经理", "IT 主管"]
MOBILE_PREFIXES = ["138", "139", "186", "158", "177", "135", "150", "189", "131", "199"]
ROLES = ["decision_maker", "influencer", "user", "other"]
AREA_CODES = {"上海": "021", "北京": "010", "天津": "022", "杭州": "0571", "南京": "025"}
FOLLOW_UPS = [
    ("call", "电话沟通年度采购计划，客户关注交付周期和售后响应。", "发送报价"),
    ("visit", "上门拜访，演示新版本方案，对方技术团队参与讨论。", "安排技术交流"),
    ("wechat", "微信跟进报价单，客户内部审批中，预计下周有结果。", "跟进审批"),
    ("email", "邮件发送合同草案，等待对方法务意见。", "跟进合同"),
    ("meeting", "参加客户季度经营会，了解明年预算和重点项目。", "提交方案"),
    ("call", "回访产品使用情况，收集了三条改进意见。", ""),
]


def _uscc(region_code: str, serial: int) -> str:
    body = f"91{region_code}MA{serial:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


def _company(ctx: DemoContext, serial: int, used: set[str]) -> dict:
    rng = ctx.rng
    while True:
        city, province, region_code = rng.choice(CITIES)
        trade, industry = rng.choice(TRADES)
        word = rng.choice(WORDS)
        name = f"{city}{word}{trade}{rng.choice(SUFFIXES)}"
        if name not in used:
            used.add(name)
            break
    value = Decimal(rng.choice([20, 60, 120, 350, 600, 900, 1500, 3000]) * 1000)
    return {
        "name": name,
        "short_name": f"{word}{trade}",
        "uscc": _uscc(region_code, serial) if rng.random() < 0.4 else "",
        "industry": industry,
        "region": province,
        "city": city,
        "source": rng.choice(SOURCES),
        "status": rng.choice(STATUSES),
        "strategic": rng.random() < 0.05,
        "annual_value": value,
    }


def _landline(rng, area: str) -> str:
    """A landline number of the city that the phone-number rules accept."""
    from rapport.customers.normalize import phone_key

    while True:
        number = f"{area}-{rng.randrange(52_000_000, 69_999_999)}"
        if phone_key(number):
            return number


def _contacts(ctx: DemoContext, customer, actor) -> list:
    from rapport.customers.services.contacts import contact_create

    rng = ctx.rng
    made = []
    for i in range(rng.randint(1, 4)):
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        data = {
            "customer": customer,
            "name": name,
            "title": rng.choice(TITLES),
            "buying_role": ROLES[0] if i == 0 else rng.choice(ROLES),
            "mobile": f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7, 10**8)}",
            "is_primary": i == 0,
        }
        area = AREA_CODES.get(customer.city)
        if area and rng.random() < 0.4:
            data["phone"] = _landline(rng, area)
            if rng.random() < 0.5:
                data["phone"] += f" 转 {rng.randint(100, 899)}"
        if rng.random() < 0.6:
            data["email"] = f"contact{customer.pk}.{i}@example.cn"
        made.append(contact_create(actor=actor, data=data))
    return made


def _follow_ups(ctx: DemoContext, customer, contacts, author, today: dt.date) -> int:
    """Up to six months of follow-ups, oldest first. The last one decides the customer's
    state: most are on track, some overdue (last contact long ago or a missed next date),
    some due today."""
    from rapport.customers.services.followups import followup_create

    rng = ctx.rng
    count = rng.choice([0, 1, 2, 3, 4, 5, 6])
    if count == 0:
        return 0
    fate = rng.choices(["on_track", "overdue", "due_today"], weights=(70, 20, 10))[0]
    last_days_ago = {"on_track": rng.randint(0, 10), "overdue": rng.randint(25, 90)}.get(
        fate, rng.randint(3, 12)
    )
    days = sorted(rng.sample(range(last_days_ago + 1, 182), count - 1), reverse=True)
    days.append(last_days_ago)
    for number, days_ago in enumerate(days):
        kind, summary, next_step = rng.choice(FOLLOW_UPS)
        when = timezone.now() - dt.timedelta(days=days_ago, hours=rng.randint(0, 8))
        next_date = None
        if number == len(days) - 1:
            next_date = {
                "on_track": today + dt.timedelta(days=rng.randint(2, 20)),
                "due_today": today,
                "overdue": timezone.localtime(when).date() + dt.timedelta(days=rng.randint(3, 14)),
            }[fate]
        followup_create(
            actor=author,
            data={
                "customer": customer,
                "kind": kind,
                "occurred_at": when,
                "summary": summary,
                "next_step": next_step,
                "next_date": next_date,
            },
            contacts=[rng.choice(contacts)] if contacts else (),
        )
    return count


def _demo_teams(ctx: DemoContext) -> list[tuple]:
    """(team, its account managers, its lead) for each sales team of the demo."""
    from rapport.org.models import Membership, Role

    result = []
    for key in ("east", "north"):
        team = ctx.teams.get(key)
        if team is None:
            continue
        roles = Membership.objects.filter(team=team).select_related("user")
        ams = [m.user for m in roles if m.role == Role.ACCOUNT_MANAGER]
        lead = next((m.user for m in roles if m.role == Role.TEAM_LEAD), ctx.actor)
        result.append((team, ams, lead))
    return result


@demo_step(order=30)
def customers(ctx: DemoContext) -> None:
    from rapport.customers.models import FollowUp, Pool
    from rapport.customers.services.customers import customer_create
    from rapport.customers.services.pool import ensure_default_pools
    from rapport.customers.services.schedule import pool_for_team

    pools = ensure_default_pools(ctx.actor)
    company_pool = Pool.objects.filter(team__parent__isnull=True).order_by("pk").first()
    teams = _demo_teams(ctx)
    today = timezone.localdate()
    used: set[str] = set()
    made = follow_ups = contacts = 0
    for serial in range(CUSTOMERS):
        team, ams, lead = teams[serial % len(teams)]
        data = _company(ctx, serial + 1, used)
        if serial < IN_POOL:
            # Candidates in the team's pool (or the company pool), added by the lead.
            pool = company_pool if serial % 5 == 4 and company_pool else pool_for_team(team.pk)
            data.update(pool=pool, team=team)
            customer = customer_create(actor=lead, data=data)
            contacts += len(_contacts(ctx, customer, lead))
        else:
            # Team and owner both follow `serial`: step through the team's AMs by the
            # round through the teams, or half of them would never get a customer.
            owner = ams[(serial // len(teams)) % len(ams)]
            customer = customer_create(actor=owner, data=data)
            people = _contacts(ctx, customer, owner)
            contacts += len(people)
            follow_ups += _follow_ups(ctx, customer, people, owner, today)
        made += 1
    # Six months of history read as logbook entries, not as edits still open.
    FollowUp.objects.filter(occurred_at__lt=timezone.now() - dt.timedelta(days=1)).update(
        created_at=F("occurred_at")
    )
    ctx.say(
        f"  customers: {made} ({IN_POOL} in {len(pools)} pools), {contacts} contacts, "
        f"{follow_ups} follow-ups"
    )
