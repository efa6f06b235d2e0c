"""The board in a real browser: drag and drop, a stale card snapping back, the lost
reason dialog, and the phone's "Move" menu (Playwright driving Debian's Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.steps import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def deals(personas, pipeline):
    from rapport.sales.tests.helpers import customer, opportunity

    cust = customer(personas.am_a1)
    return [
        opportunity(personas.am_a1, name, amount=amount, cust=cust)
        for name, amount in (("甲项目", "1000"), ("乙项目", "2000"), ("丙项目", "3000"))
    ]


def _column(page, position: int):
    return page.locator(f'[data-testid="column-{position}"]')


def test_drag_stale_and_lost_on_the_board(open_session, deals):
    from rapport.sales.models import Opportunity

    # Tall enough that Playwright need not scroll between pressing and dropping (a scroll
    # there would start the drag on whatever card then sits under the pointer).
    session = open_session(viewport={"width": 1280, "height": 1400})
    page = session.page
    sign_in(session, "am_a1", shoot=False)
    session.goto("/opportunities/board/")
    expect(_column(page, 1).locator("[data-count]")).to_have_text("3")
    first, second, third = (f"#card-{deal.pk}" for deal in deals)

    with page.expect_response(lambda r: "/move/" in r.url) as moved:
        page.locator(first).drag_to(_column(page, 2).locator("header"))
    assert moved.value.status == 200
    expect(_column(page, 2).locator(first)).to_have_count(1)
    expect(_column(page, 1).locator("[data-count]")).to_have_text("2")
    expect(_column(page, 2).locator("[data-total]")).to_have_text("¥1,000")
    session.shot("dragged")
    assert Opportunity.objects.get(pk=deals[0].pk).stage.name == "需求确认"

    # Someone else moved the card meanwhile: the drop is refused and the card goes back.
    page.evaluate(f"document.querySelector('{second}').dataset.version = '999'")
    with page.expect_response(lambda r: "/move/" in r.url) as refused:
        page.locator(second).drag_to(_column(page, 3).locator("header"))
    assert refused.value.status == 409
    expect(_column(page, 1).locator(second)).to_have_count(1)
    expect(page.locator('[data-testid="board-status"]')).to_contain_text("Someone else")
    session.shot("stale")

    # A drop on "lost" asks why.
    page.locator(third).drag_to(_column(page, 6).locator("header"))
    expect(page.locator('[data-testid="lost-dialog"]')).to_be_visible()
    page.fill("#lost-reason", "预算取消")
    with page.expect_response(lambda r: "/move/" in r.url):
        page.click('[data-testid="lost-confirm"]')
    expect(_column(page, 6).locator(third)).to_have_count(1)
    lost = Opportunity.objects.get(pk=deals[2].pk)
    assert (lost.stage.name, lost.close_reason) == ("输单", "预算取消")
    assert all("409" in error for error in session.console_errors), session.console_errors


def test_move_menu_on_a_phone(open_session, deals):
    from rapport.sales.models import Opportunity

    session = open_session(viewport=PHONE, locale="zh-CN")
    page = session.page
    sign_in(session, "am_a1", shoot=False)
    session.goto("/opportunities/board/")
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    form = page.locator(f"#card-{deals[0].pk} form.card-move")
    form.locator("select").select_option(label="商务谈判")
    with page.expect_response(lambda r: "/move/" in r.url) as moved:
        form.locator("button").click()
    assert moved.value.status == 200
    expect(_column(page, 4).locator(f"#card-{deals[0].pk}")).to_have_count(1)
    session.shot("phone-moved")
    assert Opportunity.objects.get(pk=deals[0].pk).stage.name == "商务谈判"
    session.assert_clean_console()
