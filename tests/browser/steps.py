"""Steps shared by the browser journeys: signing in, a live TOTP code, page checks."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from rapport.core.testing import PASSWORD


def sign_in(session, username: str, *, shoot: bool = True) -> None:
    """Fill and submit the login form (allauth's), leaving the browser where it lands."""
    page = session.page
    session.goto("/accounts/login/")
    expect(page.locator('input[name="login"]')).to_be_visible()
    if shoot:
        session.shot("login-form")
    page.locator('input[name="login"]').fill(username)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[name="password"]').press("Enter")
    page.wait_for_load_state()


def sign_in_with_totp(session, user, *, shoot: bool = True) -> None:
    """Sign in a user who must use two-factor (a lead, an admin): password, then the code."""
    page = session.page
    sign_in(session, user.username, shoot=shoot)
    code = page.locator('input[name="code"]')
    expect(code).to_be_visible()
    if shoot:
        session.shot("totp-form")
    code.fill(current_totp_code(user))
    code.press("Enter")
    page.wait_for_load_state()


def current_totp_code(user) -> str:
    """The code an authenticator app would show now for `user`'s enrolled TOTP secret.

    Waits out the last seconds of a period, so that the code is still valid when the
    form that carries it reaches the server.
    """
    from allauth.mfa import app_settings
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )
    from allauth.mfa.utils import decrypt

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    left = app_settings.TOTP_PERIOD - time.time() % app_settings.TOTP_PERIOD
    if left < 4:
        time.sleep(left + 0.1)
    counters = list(yield_hotp_counters_from_time())
    now = counters[len(counters) // 2]  # the window is centred on the current period
    return format_hotp_value(hotp_value(secret, now))


def path_of(session) -> str:
    return session.page.url.removeprefix(session.base_url)


def has_horizontal_overflow(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )


def background_luminance(page, selector: str = "body") -> float:
    """Relative luminance (0 black … 1 white) of an element's computed background colour."""
    return page.evaluate(
        """(selector) => {
            const element = document.querySelector(selector);
            let color = getComputedStyle(element).backgroundColor;
            if (color === "rgba(0, 0, 0, 0)" || color === "transparent") {
                color = getComputedStyle(document.documentElement).backgroundColor;
            }
            const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
                v = v / 255;
                return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
            });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        }""",
        selector,
    )
