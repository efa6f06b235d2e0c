"""Demo organisation: one company, a sales department with two sales teams and a
customer-quality team, their leads, 12 account managers, a quality manager, an admin."""

from __future__ import annotations

from rapport.core.demo import DemoContext, demo_step
from rapport.org import services
from rapport.org.models import Role

DEMO_PASSWORD = "rapport-demo-2026"

# (username, 中文名, English transliteration)
ADMIN = ("admin", "周建国", "Zhou Jianguo")
SALES_DIRECTOR = ("zhao.lei", "赵磊", "Zhao Lei")
LEAD_EAST = ("wang.fang", "王芳", "Wang Fang")
LEAD_NORTH = ("li.qiang", "李强", "Li Qiang")
QUALITY = ("chen.jing", "陈静", "Chen Jing")
AMS_EAST = [
    ("liu.yang", "刘洋", "Liu Yang"),
    ("zhang.min", "张敏", "Zhang Min"),
    ("yang.jie", "杨杰", "Yang Jie"),
    ("huang.li", "黄丽", "Huang Li"),
    ("zhou.tao", "周涛", "Zhou Tao"),
    ("wu.xia", "吴霞", "Wu Xia"),
]
AMS_NORTH = [
    ("xu.hao", "徐浩", "Xu Hao"),
    ("sun.yan", "孙燕", "Sun Yan"),
    ("ma.jun", "马骏", "Ma Jun"),
    ("zhu.lin", "朱琳", "Zhu Lin"),
    ("hu.bin", "胡斌", "Hu Bin"),
    ("guo.ting", "郭婷", "Guo Ting"),
]
VIEWER = ("he.ping", "何平", "He Ping")


def _person(ctx: DemoContext, spec, *, superuser: bool = False):
    username, name_zh, name_en = spec
    user = services.user_create(
        actor=ctx.actor,
        data={
            "username": username,
            "email": f"{username}@demo.rapport.local",
            "full_name": name_zh,
            "english_name": name_en,
            "is_superuser": superuser,
        },
        password=DEMO_PASSWORD,
    )
    ctx.users[username] = user
    return user


def _team(ctx: DemoContext, key: str, name: str, english: str, parent=None):
    team = services.team_create(
        actor=ctx.actor, data={"name": name, "english_name": english, "parent": parent}
    )
    ctx.teams[key] = team
    return team


def _join(ctx: DemoContext, username: str, team_key: str, role: str) -> None:
    services.membership_create(
        actor=ctx.actor,
        data={"user": ctx.users[username], "team": ctx.teams[team_key], "role": role},
    )
    ctx.logins.append((username, DEMO_PASSWORD, str(Role(role).label)))


@demo_step(order=10)
def organisation(ctx: DemoContext) -> None:
    ctx.actor = _person(ctx, ADMIN, superuser=True)
    company = _team(ctx, "company", "锐拓科技有限公司", "Rapport Technology Co., Ltd.")
    sales = _team(ctx, "sales", "销售部", "Sales Department", company)
    _team(ctx, "east", "华东销售一组", "East China Sales Team", sales)
    _team(ctx, "north", "华北销售二组", "North China Sales Team", sales)
    _team(ctx, "quality", "客户质量组", "Customer Quality Team", company)
    _join(ctx, ADMIN[0], "company", Role.ADMIN)
    for spec in (SALES_DIRECTOR, LEAD_EAST, LEAD_NORTH, QUALITY, VIEWER, *AMS_EAST, *AMS_NORTH):
        _person(ctx, spec)
    _join(ctx, SALES_DIRECTOR[0], "sales", Role.TEAM_LEAD)
    _join(ctx, LEAD_EAST[0], "east", Role.TEAM_LEAD)
    _join(ctx, LEAD_NORTH[0], "north", Role.TEAM_LEAD)
    _join(ctx, QUALITY[0], "quality", Role.QUALITY_MANAGER)
    for spec in AMS_EAST:
        _join(ctx, spec[0], "east", Role.ACCOUNT_MANAGER)
    for spec in AMS_NORTH:
        _join(ctx, spec[0], "north", Role.ACCOUNT_MANAGER)
    _join(ctx, VIEWER[0], "sales", Role.VIEWER)
    ctx.say(f"  organisation: {len(ctx.users)} people in {len(ctx.teams)} teams")
