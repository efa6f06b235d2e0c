"""A team lead's week through a real browser, in English at desktop width: sign in with
TOTP, read cadence compliance by account manager, open the customers behind a figure,
transfer some of them with a reason, find the move on a customer's 360 page, and move an
opportunity on the board."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP
from tests.browser.steps import path_of, sign_in_with_totp

pytestmark = pytest.mark.browser

REASON = "Liu Yang is on leave: Zhang Min takes the overdue accounts"
LIU = ["Hangzhou Cloud Tech Co., Ltd.", "Ningbo Harbour Logistics", "Wuxi Precision Tools"]
LIU_ON_TIME = ["Shaoxing Textiles Group"]
ZHANG = ["Suzhou River Trading Co., Ltd.", "Jiaxing Green Energy"]


def _held_since(customer, days: int) -> None:
    """The customer has been held for `days` without a follow-up (and is now overdue)."""
    from django.utils import timezone

    from rapport.customers.services.schedule import SCHEDULE_FIELDS, refresh_schedule

    customer.owned_since = timezone.now() - dt.timedelta(days=days)
    refresh_schedule(customer)
    customer.save(update_fields=["owned_since", *SCHEDULE_FIELDS])


@pytest.fixture
def team_book(personas, pipeline):
    """刘洋 (am_a1) holds four customers, three overdue; 张敏 (am_a2) two, none overdue;
    three opportunities in the first stage."""
    from rapport.customers.services.customers import customer_create
    from rapport.sales.tests.helpers import opportunity

    book = {}
    for owner, names in (
        (personas.am_a1, LIU + LIU_ON_TIME),
        (personas.am_a2, ZHANG),
    ):
        for name in names:
            book[name] = customer_create(actor=owner, data={"name": name, "owner": owner})
    for name in LIU:
        _held_since(book[name], 90)
    deals = [
        opportunity(personas.am_a1, "Cloud migration", amount="10000", cust=book[LIU[0]]),
        opportunity(personas.am_a1, "Fleet tracking", amount="20000", cust=book[LIU[1]]),
        opportunity(personas.am_a2, "Solar roof", amount="5000", cust=book[ZHANG[0]]),
    ]
    return book, deals


def _compliance_row(page, user):
    return page.locator(f'[data-panel="lead-cadence"] tr[data-owner="{user.pk}"]')


def _column(page, position: int):
    return page.get_by_test_id(f"column-{position}")


def test_team_lead_rebalances_the_book_and_moves_a_deal(open_session, personas, team_book):
    from rapport.customers.models import Customer, OwnershipEvent
    from rapport.sales.models import Opportunity

    book, deals = team_book
    liu, zhang = personas.am_a1, personas.am_a2
    session = open_session(viewport=DESKTOP)
    page = session.page

    # Sign in: a password is not enough for a lead, the authenticator's code lets her in.
    sign_in_with_totp(session, personas.lead_a)
    assert path_of(session) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # Home: cadence compliance by AM, the worst first; the team's share over everyone.
    panel = page.locator('[data-panel="lead-cadence"]')
    expect(panel).to_contain_text("Cadence compliance by account manager")
    expect(panel).to_contain_text("Team: 50% of 6 customers contacted within their cadence.")
    expect(_compliance_row(page, liu)).to_contain_text("25%")
    expect(_compliance_row(page, zhang)).to_contain_text("100%")
    expect(panel.locator("tbody tr").first).to_have_attribute("data-owner", str(liu.pk))
    expect(page.locator('[data-panel="lead-overdue"]')).to_contain_text(liu.display_name)
    # All four columns fit the panel at desktop width (no sideways scrolling to "Overdue").
    assert panel.locator(".table-wrap").evaluate("w => w.scrollWidth <= w.clientWidth")
    session.shot("home-compliance")

    # Over a period: the last 30 days by AM, and the customers behind Liu Yang's misses.
    panel.get_by_test_id("cadence-report").click()
    page.wait_for_load_state()
    summary = page.get_by_test_id("cadence-summary")
    expect(summary).to_contain_text("3 of 6 customers kept their cadence")
    page.get_by_test_id(f"missed-{liu.pk}").click()
    page.wait_for_load_state()
    missed = page.get_by_test_id("cadence-customers")
    expect(missed.locator("tbody tr")).to_have_count(3)
    for name in LIU:
        expect(missed).to_contain_text(name)
    expect(missed).not_to_contain_text(LIU_ON_TIME[0])
    session.shot("cadence-report-missed")
    session.goto("/")

    # Drill down: Liu Yang's overdue figure opens exactly the three overdue customers.
    _compliance_row(page, liu).get_by_role("link", name="3", exact=True).click()
    page.wait_for_load_state()
    assert path_of(session).startswith("/customers/?")
    table = page.get_by_test_id("customer-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    for name in LIU:
        expect(table).to_contain_text(name)
    expect(table).not_to_contain_text(LIU_ON_TIME[0])
    expect(table).not_to_contain_text(ZHANG[0])
    session.shot("drill-down-overdue")

    # Select two of them and transfer them to Zhang Min with a reason.
    moved = LIU[:2]
    for name in moved:
        page.get_by_label(f"Select {name}").check()
    page.locator("[data-bulk-verb]").select_option("transfer")
    expect(page.locator("[data-bulk-count]")).to_have_text("2 selected")
    bulk = page.locator("form[data-bulk]")
    expect(bulk.locator('input[name="tags"]')).to_be_hidden()
    bulk.locator('select[name="to_owner"]').select_option(label=zhang.display_name)
    bulk.locator('input[name="reason"]').fill(REASON)
    session.shot("bulk-transfer-filled")
    page.get_by_test_id("bulk-submit").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("2 customers updated.")
    # Back on the same filtered list: only the one left with Liu Yang is still there.
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(LIU[2])
    session.shot("after-transfer")
    for name in moved:
        assert Customer.objects.get(pk=book[name].pk).owner_id == zhang.pk
    assert OwnershipEvent.objects.filter(move="transfer", reason=REASON).count() == 2

    # Home again: the figures follow the move, and the move is in this week's list.
    session.goto("/")
    expect(_compliance_row(page, liu)).to_contain_text("50%")
    expect(_compliance_row(page, zhang)).to_contain_text("100%")
    expect(_compliance_row(page, zhang).get_by_role("link", name="4", exact=True)).to_be_visible()
    moves = page.locator('[data-panel="lead-moves"]')
    expect(moves).to_contain_text("Transferred 2")
    session.shot("home-after-transfer")

    # The customer's 360 page: owner changed, the move with its reason in the timeline.
    moves.get_by_role("link", name=moved[0]).first.click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("customer-name")).to_have_text(moved[0])
    expect(page.locator(".facts")).to_contain_text(zhang.display_name)
    move = page.locator(".timeline .tl-ownership").filter(has_text="Transferred").first
    expect(move).to_contain_text(f"{liu.display_name} → {zhang.display_name}")
    expect(move).to_contain_text(f"by {personas.lead_a.display_name}")
    expect(move).to_contain_text(REASON)
    session.shot("customer-360-transferred")

    # The board, tall enough that the drag needs no scroll (desktop width kept).
    page.set_viewport_size({"width": DESKTOP["width"], "height": 1400})
    session.goto("/opportunities/board/")
    first, third = _column(page, 1), _column(page, 3)
    expect(first.locator("[data-count]")).to_have_text("3")
    expect(first.locator("[data-total]")).to_have_text("¥35,000")
    expect(third.locator("[data-count]")).to_have_text("0")
    session.shot("board-before")
    card = f"#card-{deals[1].pk}"
    with page.expect_response(lambda r: "/move/" in r.url) as response:
        page.locator(card).drag_to(third.locator("header"))
    assert response.value.status == 200
    expect(third.locator(card)).to_have_count(1)
    expect(first.locator("[data-count]")).to_have_text("2")
    expect(first.locator("[data-total]")).to_have_text("¥15,000")
    expect(third.locator("[data-count]")).to_have_text("1")
    expect(third.locator("[data-total]")).to_have_text("¥20,000")
    session.shot("board-after-drag")

    # The opportunity's own page shows the new stage and who moved it from where.
    page.locator(card).get_by_role("link", name="Fleet tracking").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("opportunity-stage")).to_have_text("Proposal and quote")
    latest = page.get_by_test_id("stage-history").locator("tbody tr").first
    expect(latest).to_contain_text("Initial contact")
    expect(latest).to_contain_text("Proposal and quote")
    expect(latest).to_contain_text(personas.lead_a.display_name)
    session.shot("opportunity-moved")
    assert Opportunity.objects.get(pk=deals[1].pk).stage.english_name == "Proposal and quote"

    assert not re.search(r"\{%|\{\{", page.content()), "template syntax leaked into the page"
    session.assert_clean_console()
    assert session.external_requests == []
