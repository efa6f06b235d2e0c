"""Per-user language and time zone, session timeouts, and the two-factor policy."""

from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.org.scope import scope_for

# Session keys (timestamps are seconds since the epoch, UTC).
LOGIN_AT = "rapport_login_at"
SEEN_AT = "rapport_seen_at"
TRACKED = "rapport_tracked"
TOTP_SEEN = "rapport_totp_seen"

# Activity is written to the session (and the session list) at most this often.
SEEN_RESOLUTION = 60
# How long a session trusts that its user still has TOTP before asking the database again.
TOTP_RECHECK = 300


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _redirect(request, response, level: int, text: str):
    """`response` (a redirect) carrying a message for the next page, for htmx as a full
    page redirect. Works before MessageMiddleware has run for this request: these
    middlewares answer on its behalf and never reach it."""
    if hasattr(request, "_messages"):
        messages.add_message(request, level, text)
    else:
        from django.contrib.messages.storage import default_storage

        storage = default_storage(request)
        storage.add(level, text)
        storage.update(response)
    if request.headers.get("HX-Request") == "true":
        htmx = HttpResponse(status=204)
        htmx["HX-Redirect"] = response["Location"]
        for cookie in response.cookies.values():
            htmx.cookies[cookie.key] = cookie
        return htmx
    return response


class UserPreferencesMiddleware:
    """The profile's language wins over Accept-Language; the profile's time zone over the
    company default."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.time_zone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response


def _track_session(request) -> None:
    """Keep the user's session list (allauth usersessions) current: address, browser and
    last activity. Called at most once a minute, instead of allauth's write per request."""
    from allauth.usersessions.models import UserSession
    from django.core.exceptions import PermissionDenied

    try:
        UserSession.objects.create_from_request(request)
    except PermissionDenied:  # allauth found no client address; nothing to list
        return
    request.session[TRACKED] = request.session.session_key


class SessionTimeoutMiddleware:
    """Ends a session after SESSION_IDLE_TIMEOUT seconds without a request, and after
    SESSION_ABSOLUTE_TIMEOUT seconds from sign-in, whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            session = request.session
            login_at = session.get(LOGIN_AT)
            if login_at is None:
                session[LOGIN_AT] = login_at = now
            last_seen = session.get(SEEN_AT, now)
            reason = None
            if now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                reason = "absolute_timeout"
            elif now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                reason = "idle_timeout"
            if reason:
                # The logout audit row says why (see rapport.org.signals).
                request.rapport_logout_reason = reason
                logout(request)
                if _is_api(request):
                    return self.get_response(request)
                return _redirect(
                    request,
                    redirect_to_login(request.get_full_path()),
                    messages.INFO,
                    _("Your session ended. Please sign in again."),
                )
            if now - last_seen > SEEN_RESOLUTION or SEEN_AT not in session:
                session[SEEN_AT] = now
                _track_session(request)
            elif session.get(TRACKED) != session.session_key:
                _track_session(request)
        return self.get_response(request)


def _has_totp(request, user) -> bool:
    """Whether `user` has TOTP, remembered in the session for TOTP_RECHECK seconds so the
    policy does not cost a query per request. Signing out clears the session; removing
    an authenticator clears the mark at once (rapport.org.signals)."""
    from rapport.org.totp import has_totp

    session = getattr(request, "session", None)
    now = time.time()
    mark = session.get(TOTP_SEEN) if session is not None else None
    if (
        isinstance(mark, dict)
        and mark.get("user") == user.pk
        and 0 <= now - float(mark.get("at", 0)) < TOTP_RECHECK
    ):
        return True
    enrolled = has_totp(user)
    if session is not None:
        if enrolled:
            session[TOTP_SEEN] = {"user": user.pk, "at": now}
        elif mark is not None:
            del session[TOTP_SEEN]
    return enrolled


class TwoFactorPolicyMiddleware:
    """Admins and team leads must enrol TOTP before they use the app (DESIGN §1, issue 2).

    Until they do, every page sends them to the enrolment page; the API refuses their
    session (tokens are only issued with a TOTP code for enrolled users)."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/jsi18n/", "/language/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            getattr(settings, "RAPPORT_ENFORCE_2FA", True)
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and scope_for(user).requires_two_factor
            and not _has_totp(request, user)
        ):
            message = _("Your role requires two-factor authentication. Please set it up now.")
            if _is_api(request):
                return JsonResponse(
                    {"code": "two_factor_required", "message": message, "errors": {}},
                    status=403,
                )
            return _redirect(
                request, redirect(reverse("mfa_activate_totp")), messages.WARNING, message
            )
        return self.get_response(request)
