"""Per-user language and time zone, session timeouts, and the two-factor policy."""

from __future__ import annotations

import time
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.org.scope import scope_for


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
            login_at = session.setdefault("rapport_login_at", now)
            last_seen = session.get("rapport_seen_at", now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            expired = now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)
                messages.info(request, _("Your session ended. Please sign in again."))
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('account_login')}?next={request.path}")
            # Write at most once a minute so every request does not rewrite the session.
            if now - last_seen > 60 or "rapport_seen_at" not in session:
                session["rapport_seen_at"] = now
        return self.get_response(request)


def _needs_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class TwoFactorPolicyMiddleware:
    """Admins and team leads must enrol TOTP before they use the app (DESIGN §1, issue 2).

    Until they do, every page sends them to the enrolment page; the API refuses their
    session (tokens are only issued with a TOTP code for enrolled users)."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/jsi18n/")

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
            and _needs_totp(user)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {"code": "two_factor_required",
                     "message": _("Your role requires two-factor authentication. Set it up in your profile first."),
                     "errors": {}},
                    status=403,
                )
            messages.warning(
                request, _("Your role requires two-factor authentication. Please set it up now.")
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
