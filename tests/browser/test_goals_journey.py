"""A lead's quarter goal through a real browser: set the team's goal, publish it after the
SMART check, split it across the two account managers, then — Monday morning — read from
one page who is on pace, who is behind and why, in English and in 中文, light and dark,
open the records behind a figure, and take the page away as a PDF."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP
from tests.browser.steps import sign_in_with_totp

pytestmark = pytest.mark.browser


@pytest.fixture
def quarter_book(personas, pipeline):
    """刘洋 (am_a1) won five new customers this quarter and follows up; 张敏 (am_a2) has
    none this quarter and two customers long overdue for contact."""
    from django.utils import timezone

    from rapport.customers.models import OwnershipEvent
    from rapport.customers.services.customers import customer_create
    from rapport.customers.services.schedule import SCHEDULE_FIELDS, refresh_schedule
    from rapport.goals.periods import local_today
    from rapport.goals.snapshots import snapshot_day

    for index in range(5):
        customer_create(
            actor=personas.am_a1,
            data={"name": f"华东新客户{index}有限公司", "owner": personas.am_a1},
        )
    old = timezone.now() - dt.timedelta(days=200)
    for name in ("宁波港湾物流", "无锡精密工具"):
        made = customer_create(actor=personas.am_a2, data={"name": name, "owner": personas.am_a2})
        OwnershipEvent.objects.filter(customer=made).update(occurred_at=old)
        made.owned_since = old
        refresh_schedule(made)
        made.save(update_fields=["owned_since", *SCHEDULE_FIELDS])
    snapshot_day(local_today() - dt.timedelta(days=1))


def test_lead_sets_splits_and_reads_the_quarter(open_session, personas, quarter_book):
    from rapport.goals.models import Goal

    liu, zhang = personas.am_a1, personas.am_a2
    session = open_session(viewport=DESKTOP)
    page = session.page
    sign_in_with_totp(session, personas.lead_a, shoot=False)

    # The quarter's team goal, with one key result bound to a metric.
    session.goto("/goals/new/")
    page.get_by_label("Objective").fill("East team: new customers this quarter")
    page.get_by_label("Why it matters").fill("Grow the East book before the year-end budget round.")
    page.locator("#id_owner_kind").select_option("team")
    page.locator("#id_owner_team").select_option(str(personas.team_a.pk))
    page.locator("#id_period_kind").select_option("quarter")
    page.locator("#id_top_level").check()
    page.locator("#id_kr-0-title").fill("New customers")
    page.locator("#id_kr-0-metric").select_option("new_customers")
    page.locator("#id_kr-0-target").fill("10")
    session.shot("goal-form")
    page.get_by_test_id("goal-save").click()
    expect(page.get_by_test_id("goal-status")).to_have_text("Draft")
    expect(page.get_by_test_id("smart-check")).to_be_visible()
    page.get_by_test_id("goal-publish").click()
    expect(page.get_by_test_id("goal-status")).to_have_text("Published")

    # Split: five each, adding up to the team's ten.
    form = page.get_by_test_id("split-form")
    form.get_by_label(liu.display_name).fill("5")
    form.get_by_label(zhang.display_name).fill("5")
    form.get_by_role("button").click()
    expect(page.get_by_test_id("shares")).to_contain_text(liu.display_name)
    expect(page.get_by_test_id("split-mismatch")).to_have_count(0)
    session.shot("goal-split")
    goal = Goal.objects.get(parent__isnull=True)
    assert Goal.objects.filter(parent=goal).count() == 2

    # Monday morning: one page says who is on pace and who is behind, and why.
    page.get_by_role("link", name="Team dashboard").first.click()
    members = page.get_by_test_id("panel-members")
    expect(members).to_be_visible()
    liu_row = members.locator("tr", has_text=liu.display_name)
    zhang_row = members.locator("tr", has_text=zhang.display_name)
    expect(liu_row.locator("td.pace-on_track")).to_have_text("On track")
    expect(zhang_row.locator("td.pace-off_track")).to_have_text("Off track")
    expect(zhang_row).to_contain_text("2 customers overdue for contact")
    expect(page.locator('[data-chart="members"][data-drawn="true"]')).to_be_visible()
    expect(page.locator('[data-chart="members"] canvas')).to_have_count(1)
    session.shot("team-dashboard-en")

    # The figure behind "overdue" opens the customers it counts, within the lead's scope.
    pdf = page.request.get(page.url + "?export=pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:4] == b"%PDF"
    xlsx = page.request.get(page.url + "?export=xlsx&panel=members")
    assert xlsx.ok and xlsx.body()[:2] == b"PK"

    # The same page in Chinese, then in the dark theme.
    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_test_id("panel-members")).to_contain_text("成员达成情况")
    expect(page.get_by_test_id("panel-members").locator("td.pace-off_track")).to_have_text("落后")
    expect(page.locator('[data-chart="members"][data-drawn="true"]')).to_be_visible()
    session.shot("team-dashboard-zh")
    page.locator("[data-theme-toggle]").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator('[data-chart="members"] canvas')).to_have_count(1)
    session.shot("team-dashboard-zh-dark")

    zhang_row = page.get_by_test_id("panel-members").locator("tr", has_text=zhang.display_name)
    zhang_overdue = zhang_row.locator('a[href*="due=overdue"]')
    expect(zhang_overdue).to_have_text("2")
    zhang_overdue.click()
    expect(page).to_have_url(f"{session.base_url}/customers/?due=overdue&owner={zhang.pk}")
    expect(page.locator("body")).to_contain_text("宁波港湾物流")
    session.shot("drill-down")

    assert session.external_requests == []
    session.assert_clean_console()


def test_account_manager_reads_their_pace_and_the_leaderboard(open_session, personas, quarter_book):
    from decimal import Decimal

    from rapport.goals import services
    from rapport.goals.periods import local_today
    from tests.browser.conftest import PHONE
    from tests.browser.steps import sign_in

    goal = services.goal_create(
        actor=personas.lead_a,
        data={
            "title": "华东组本季度新客户", "description": "年底前扩大华东客户群。",
            "owner_kind": "team", "owner_team": personas.team_a, "period_kind": "quarter",
            "period_start": local_today(), "top_level": True,
        },
        key_results=[{"title": "新客户", "metric": "new_customers", "target": Decimal(10)}],
    )  # fmt: skip
    services.goal_publish(actor=personas.lead_a, goal=goal)
    services.key_result_split(
        actor=personas.lead_a,
        key_result=goal.key_results.get(),
        shares=[{"owner": personas.am_a1, "target": 5}, {"owner": personas.am_a2, "target": 5}],
    )
    session = open_session(viewport=PHONE, locale="zh-CN", color_scheme="dark")
    page = session.page
    sign_in(session, personas.am_a1.username, shoot=False)
    session.goto("/dashboards/me/")
    targets = page.get_by_test_id("panel-targets")
    expect(targets).to_contain_text("我的目标与进度")
    expect(targets.locator("td.pace-on_track")).to_have_text("进度正常")
    expect(page.locator('[data-chart="targets"][data-drawn="true"]')).to_be_visible()
    # Nothing wider than the phone: the panels stack.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    session.shot("my-dashboard-zh-phone-dark")
    session.goto(f"/leaderboard/?metric=new_customers&team={personas.team_a.pk}")
    board = page.get_by_test_id("leaderboard")
    expect(board.locator("tr.me")).to_contain_text(personas.am_a1.display_name)
    expect(board.locator("tr.me td").first).to_have_text("1")
    session.shot("leaderboard-zh-phone-dark")
    session.goto(f"/goals/{goal.pk}/")
    # Their own share is on the team's goal; a colleague's is not theirs to see.
    expect(page.get_by_test_id("shares")).to_contain_text(personas.am_a1.display_name)
    expect(page.get_by_test_id("shares")).not_to_contain_text(personas.am_a2.display_name)
    session.shot("goal-detail-zh-phone-dark")
    assert session.external_requests == []
    session.assert_clean_console()
