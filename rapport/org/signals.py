"""Login, logout and failed login go to the audit log.

These are Django's own authentication signals: the one place where there is no service
of ours to call `record()` (see docs/decisions/0002-audit.md). The request context
(request id, client address) comes from rapport.core.middleware.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.org.middleware import LOGIN_AT, SEEN_AT, TOTP_SEEN

MAX_LOGIN_LENGTH = 150


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
    record(actor=user, action=Action.LOGIN, obj=user)


def _unwrap(user):
    """Django's logout() passes request.user, a lazy proxy the audit log cannot type."""
    if isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        return user._wrapped
    return user


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    user = _unwrap(user)
    if user is not None and user.is_authenticated:
        reason = getattr(request, "rapport_logout_reason", "") if request is not None else ""
        record(
            actor=user, action=Action.LOGOUT, obj=user, extra={"reason": reason} if reason else None
        )


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Record what was typed (never the password) so repeated attempts can be seen; the
    # user row is linked only when the name matches, without telling the client anything.
    login = str(
        credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    )[:MAX_LOGIN_LENGTH]
    user = None
    if login:
        match = Q(username__iexact=login)
        if "@" in login:
            match |= Q(email__iexact=login)
        user = get_user_model().objects.filter(match).order_by("pk").first()
    extra = {"login": login}
    if credentials.get("second_factor"):
        extra["second_factor"] = True
    # django-axes receives this signal first and flags the request when it locks out.
    if request is not None and getattr(request, "axes_locked_out", False):
        extra["locked_out"] = True
    record(actor=None, action=Action.LOGIN_FAILED, obj=user, object_label=login, extra=extra)


def _is_totp(authenticator) -> bool:
    return authenticator is not None and authenticator.type == Authenticator.Type.TOTP


@receiver(authenticator_added)
def _on_authenticator_added(sender, request=None, user=None, authenticator=None, **kwargs):
    user = _unwrap(user)
    if user is not None and _is_totp(authenticator):
        record(actor=user, action=Action.UPDATE, obj=user, changes={"two_factor": [False, True]})


@receiver(authenticator_removed)
def _on_authenticator_removed(sender, request=None, user=None, authenticator=None, **kwargs):
    # The two-factor policy trusts a session mark for a few minutes; drop it at once.
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(TOTP_SEEN, None)
    user = _unwrap(user)
    if user is not None and _is_totp(authenticator):
        record(actor=user, action=Action.UPDATE, obj=user, changes={"two_factor": [True, False]})
