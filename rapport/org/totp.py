"""Two-factor authentication: the policy hooks into allauth.mfa and the second-factor
check outside allauth's login flow (the API token endpoint).

A wrong second-factor code is a failed sign-in like a wrong password: django-axes counts
it against the same login name and client address, so nobody can try codes forever once
they hold a password.
"""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from rapport.org.scope import scope_for


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def verify_second_factor(user, code: str) -> bool:
    """True when the user has no TOTP enrolled, or `code` is a valid TOTP or recovery code.
    A code is accepted once: allauth remembers used TOTP codes and spends recovery codes."""
    authenticators = {a.type: a for a in Authenticator.objects.filter(user=user)}
    totp = authenticators.get(Authenticator.Type.TOTP)
    if totp is None:
        return True
    code = (code or "").strip().replace(" ", "")
    if not code:
        return False
    if TOTP(totp).validate_code(code):
        return True
    recovery = authenticators.get(Authenticator.Type.RECOVERY_CODES)
    return bool(recovery and RecoveryCodes(recovery).validate_code(code))


def second_factor_credentials(user) -> dict:
    """What django-axes and the audit log see for a second-factor attempt (never the code)."""
    return {"username": user.get_username(), "second_factor": True}


def second_factor_allowed(request, user) -> bool:
    """False when django-axes has locked this login name at this address."""
    if not settings.AXES_ENABLED:
        return True
    return AxesProxyHandler.is_allowed(request, second_factor_credentials(user))


def second_factor_failed(request, user) -> None:
    """Count a wrong second-factor code as a failed sign-in (axes counter, audit row)."""
    user_login_failed.send(
        sender=__name__, credentials=second_factor_credentials(user), request=request
    )


class LockoutMixin:
    """A code form counted and locked out by django-axes, like the password.

    allauth's own limit for code steps shares the "login_failed" rate limit, which is off
    because django-axes counts password failures (see ACCOUNT_RATE_LIMITS)."""

    def clean_code(self) -> str:
        request = context.request
        if not second_factor_allowed(request, self.user):
            # AxesMiddleware turns this flag into the lockout page.
            request.axes_locked_out = True
            request.axes_credentials = second_factor_credentials(self.user)
            raise forms.ValidationError(_("Too many failed sign-in attempts. Try again later."))
        try:
            return super().clean_code()
        except forms.ValidationError:
            second_factor_failed(request, self.user)
            raise


class AuthenticateForm(LockoutMixin, mfa_forms.AuthenticateForm):
    """The code step at sign-in."""


class ReauthenticateForm(LockoutMixin, mfa_forms.ReauthenticateForm):
    """The code asked again before two-factor settings change (recovery codes, TOTP)."""


class MFAAdapter(DefaultMFAAdapter):
    """People whose role requires two-factor authentication cannot switch it off."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires two-factor authentication, so it cannot be switched off."
        ),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        if (
            authenticator.type == Authenticator.Type.TOTP
            and scope_for(authenticator.user).requires_two_factor
        ):
            return False
        return super().can_delete_authenticator(authenticator)
