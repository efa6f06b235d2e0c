"""Main journeys through a real browser: sign in, switch language, sign out; 2FA sign-in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import current_totp_code, path_of, sign_in

pytestmark = pytest.mark.browser


def test_account_manager_signs_in_switches_to_chinese_and_signs_out(open_session, personas):
    session = open_session()
    page = session.page

    sign_in(session, "am_a1")
    assert path_of(session) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("home-title")).to_contain_text(personas.am_a1.display_name)
    session.shot("home-en")

    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state()
    assert path_of(session) == "/", "the language switch returns to the page it was used on"
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("home-title")).to_contain_text(personas.am_a1.display_name)
    # Django's own zh-Hans date format (Y年n月j日) proves the Chinese locale is active even
    # before Rapport's catalogue covers every string.
    expect(page.locator("hgroup p")).to_contain_text(re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"))
    expect(page.get_by_test_id("lang-switch")).to_have_text("English")
    session.shot("home-zh")
    personas.am_a1.refresh_from_db()
    assert personas.am_a1.language == "zh-hans", "the choice is saved on the profile"

    page.get_by_test_id("user-menu").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    session.shot("user-menu")
    page.get_by_test_id("logout").click()
    page.wait_for_load_state()

    assert path_of(session).startswith("/accounts/login/")
    expect(page.locator('input[name="login"]')).to_be_visible()
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
    # Still Chinese after signing out: the choice outlives the session (language cookie).
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("lang-switch")).to_have_text("English")
    session.shot("signed-out")

    session.goto("/")
    assert path_of(session).startswith("/accounts/login/"), "home needs a session again"
    session.assert_clean_console()
    assert session.external_requests == []


def test_team_lead_signs_in_with_totp_and_sees_the_team(open_session, personas):
    session = open_session()
    page = session.page

    sign_in(session, "lead_a")
    assert path_of(session).startswith("/accounts/2fa/authenticate/"), "a password is not enough"
    code_input = page.locator('input[name="code"]')
    expect(code_input).to_be_visible()
    session.shot("totp-form")

    code_input.fill(current_totp_code(personas.lead_a))
    code_input.press("Enter")
    page.wait_for_load_state()

    assert path_of(session) == "/"
    expect(page.get_by_test_id("home-title")).to_contain_text(personas.lead_a.display_name)
    team = page.locator('[data-panel="lead-team"]')
    expect(team).to_be_visible()
    for member in (personas.am_a1, personas.am_a2):
        expect(team).to_contain_text(member.display_name)
    # Scope: the sibling team's people are not in this lead's panel.
    expect(team).not_to_contain_text(personas.am_b1.display_name)
    assert team.evaluate("e => e.scrollWidth <= e.clientWidth"), "the team table spills out"
    session.shot("home-lead")
    session.assert_clean_console()
    assert session.external_requests == []


def test_a_wrong_totp_code_keeps_the_lead_out(open_session, personas):
    session = open_session()
    page = session.page

    sign_in(session, "lead_b", shoot=False)
    right = current_totp_code(personas.lead_b)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    page.locator('input[name="code"]').fill(wrong)
    page.locator('input[name="code"]').press("Enter")
    page.wait_for_load_state()

    assert path_of(session).startswith("/accounts/2fa/authenticate/")
    expect(page.locator('input[name="code"]')).to_be_visible()
    session.shot("totp-rejected")
    # Home is out of reach: the half-finished sign-in sends the browser back to the code.
    session.goto("/")
    assert path_of(session).startswith("/accounts/"), path_of(session)
    expect(page.get_by_test_id("home-title")).to_have_count(0)
    expect(page.get_by_test_id("user-menu")).to_have_count(0)
