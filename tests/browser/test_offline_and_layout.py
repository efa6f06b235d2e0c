"""Works with the network unplugged; fits a phone; reads in light and dark."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.steps import background_luminance, has_horizontal_overflow, path_of, sign_in

pytestmark = pytest.mark.browser


def test_api_docs_render_swagger_ui_without_the_internet(open_session, personas):
    session = open_session()
    page = session.page

    session.goto("/api/docs/")
    expect(page.locator(".swagger-ui")).to_be_attached()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Rapport API")
    # Operations only render once the schema was fetched from this server and parsed.
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui .opblock-summary-path").first).to_contain_text("/api/v1/")
    session.shot("swagger-ui", full_page=False)  # the full page is ~5,000 px tall

    assert session.external_requests == [], "the docs page reached for the internet"
    session.assert_clean_console()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_home_fits_the_screen_in_both_themes(open_session, personas, width, color_scheme):
    viewport = PHONE if width == "phone" else DESKTOP
    session = open_session(viewport=viewport, color_scheme=color_scheme)
    page = session.page

    sign_in(session, "am_a1", shoot=False)
    assert path_of(session) == "/"
    expect(page.get_by_test_id("home-title")).to_be_visible()
    expect(page.locator("[data-panel]").first).to_be_visible()
    session.shot(f"home-{width}-{color_scheme}")

    assert not has_horizontal_overflow(page), "the page scrolls sideways"
    luminance = background_luminance(page)
    if color_scheme == "dark":
        assert luminance < 0.2, f"dark scheme but a light background ({luminance:.2f})"
    else:
        assert luminance > 0.8, f"light scheme but a dark background ({luminance:.2f})"

    tools = [page.get_by_test_id(t) for t in ("lang-switch", "user-menu")]
    tools.append(page.locator("[data-theme-toggle]"))
    boxes = [tool.bounding_box() for tool in tools]
    assert max(b["height"] for b in boxes) - min(b["height"] for b in boxes) <= 1, boxes
    assert max(b["y"] for b in boxes) - min(b["y"] for b in boxes) <= 1, "tools not in line"

    home_link = page.locator('.nav-links a[href="/"]')
    menu = page.locator(".menu-toggle > summary")
    if width == "desktop":
        # Page links sit in the bar; no menu button is needed.
        expect(home_link).to_be_visible()
        expect(menu).to_be_hidden()
    else:
        # The links fold into a menu button on a phone and open on tap.
        expect(menu).to_be_visible()
        expect(home_link).to_be_hidden()
        menu.click()
        expect(home_link).to_be_visible()
        session.shot(f"menu-open-{color_scheme}")
        assert not has_horizontal_overflow(page), "the open menu scrolls sideways"

    session.assert_clean_console()
    assert session.external_requests == []
