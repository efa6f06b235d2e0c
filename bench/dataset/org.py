"""The organisation: a company with sales teams under it, an admin, a lead per sales team,
and account managers spread over the teams. Admins and leads have TOTP enrolled, as the
two-factor policy demands, and the admin has an API token for the API benchmarks."""

from __future__ import annotations

from bench.registry import DatasetContext, dataset_step

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏飞宇晨欣怡浩然子涵"
REGIONS = ["华东", "华北", "华南", "华中", "西南", "西北", "东北", "港澳", "海外", "总部"]


def _name(ctx: DatasetContext) -> str:
    return ctx.rng.choice(SURNAMES) + "".join(ctx.rng.choices(GIVEN, k=ctx.rng.choice((1, 2))))


@dataset_step(order=10)
def organisation(ctx: DatasetContext) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from rapport.org import services
    from rapport.org.models import Role

    n_teams, n_users = ctx.size["teams"], ctx.size["users"]
    if n_teams < 2 or n_users < 2 * n_teams:
        raise ValueError("a size needs at least 2 teams and 2 users per team")

    def person(username: str):
        user = services.user_create(
            actor=ctx.admin,
            data={
                "username": username,
                "email": f"{username}@bench.rapport.local",
                "full_name": _name(ctx),
            },
            password=ctx.password,
        )
        ctx.users[username] = user
        return user

    def join(user, team, role) -> None:
        services.membership_create(actor=ctx.admin, data={"user": user, "team": team, "role": role})

    ctx.admin = person("admin")
    company = services.team_create(actor=ctx.admin, data={"name": "基准测试科技有限公司"})
    ctx.teams.append(company)
    join(ctx.admin, company, Role.ADMIN)
    sales_teams = []
    for i in range(n_teams - 1):
        region = REGIONS[i % len(REGIONS)]
        team = services.team_create(
            actor=ctx.admin, data={"name": f"{region}销售{i + 1}组", "parent": company}
        )
        ctx.teams.append(team)
        sales_teams.append(team)
        lead = person(f"lead{i + 1:02d}")
        join(lead, team, Role.TEAM_LEAD)
        TOTP.activate(lead, generate_totp_secret())
    TOTP.activate(ctx.admin, generate_totp_secret())

    n_ams = n_users - 1 - len(sales_teams)
    ams_by_team: dict[int, list] = {team.pk: [] for team in sales_teams}
    for i in range(n_ams):
        am = person(f"am{i + 1:03d}")
        team = sales_teams[i % len(sales_teams)]
        join(am, team, Role.ACCOUNT_MANAGER)
        ams_by_team[team.pk].append(am)
    ctx.data.update(company=company, sales_teams=sales_teams, ams_by_team=ams_by_team)

    ctx.lead = ctx.users["lead01"]
    ctx.am = ctx.users["am001"]
    _token, ctx.admin_token = services.token_create(actor=ctx.admin, user=ctx.admin, name="bench")
    ctx.counts.update(users=len(ctx.users), teams=len(ctx.teams))
