"""Helpers for the sign-in tests: real allauth sign-ins and TOTP codes computed from the
stored secret, as an authenticator app would."""

from __future__ import annotations

import html
import re
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from rapport.core.testing import PASSWORD

TOTP_PERIOD = 30


def totp_secret(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return decrypt(authenticator.data["secret"])


def code_for(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset: periods before/after)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // TOTP_PERIOD + offset))


def wrong_code(secret: str) -> str:
    """A well-formed code that is not valid in any period allauth accepts."""
    valid = {code_for(secret, offset) for offset in range(-2, 3)}
    for candidate in ("000000", "111111", "123456", "654321"):
        if candidate not in valid:
            return candidate
    raise AssertionError("no wrong code found")  # pragma: no cover


def sign_in(client, login: str, password: str = PASSWORD, **extra):
    """POST the allauth sign-in form; returns the response (not followed)."""
    return client.post(reverse("account_login"), {"login": login, "password": password}, **extra)


def send_code(client, code: str, **extra):
    return client.post(reverse("mfa_authenticate"), {"code": code}, **extra)


def reauthenticate(client, password: str = PASSWORD):
    """allauth asks for the password again before two-factor settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content[:500]
    return response


def signed_in_user_id(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def login_error(response) -> str:
    """The sign-in form's error message as shown to the user."""
    found = re.findall(r'data-testid="login-error">(.*?)<', response.content.decode())
    return html.unescape(found[0]) if found else ""


def reset_caches() -> None:
    """allauth remembers used TOTP codes in the cache; each test starts clean."""
    cache.clear()


FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT
