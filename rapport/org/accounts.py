"""django-allauth and django-axes integration.

No self-service sign-up (admins create accounts). django-axes counts failed sign-ins in
the database per login name and client address; the name is the account's username
whichever spelling was typed (username or email), so both spellings share one counter.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _

MAX_LOGIN_LENGTH = 255


_MISMATCH = _("The username, email address or password is not correct.")


class AccountAdapter(DefaultAccountAdapter):
    # One answer whatever went wrong and however the name was typed: an unknown name, a
    # wrong password and a deactivated account look the same from outside.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _MISMATCH,
        "email_password_mismatch": _MISMATCH,
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def authenticate(self, request, **credentials):
        # allauth would send a deactivated user with the right password to its "account
        # inactive" page, which confirms the password. Django has already signalled the
        # failed sign-in (audit row, lockout counter); answer as for a wrong password.
        user = super().authenticate(request, **credentials)
        if user is not None and not user.is_active:
            return None
        return user


def _typed_login(request, credentials) -> str:
    source = credentials or {}
    value = source.get("username") or source.get("email") or source.get("login")
    if not value and request is not None:
        data = getattr(request, "POST", None) or getattr(request, "data", None) or {}
        value = data.get("login") or data.get("username") or ""
    return str(value or "").strip().lower()[:MAX_LOGIN_LENGTH]


def axes_username(request, credentials=None) -> str:
    """The login name django-axes counts failures against, whichever form sent it
    (allauth's "login" field, the API's "username", or credentials passed to authenticate).

    An email address of an existing account counts as that account's username, so typing
    the email instead of the username does not buy more attempts. Unknown names count as
    typed: they are locked out exactly like real ones, so a lockout reveals nothing.
    """
    typed = _typed_login(request, credentials)
    if "@" in typed:
        from django.contrib.auth import get_user_model

        usernames = list(
            get_user_model()
            .objects.filter(email__iexact=typed)
            .values_list("username", flat=True)[:2]
        )
        if len(usernames) == 1:
            return usernames[0].lower()[:MAX_LOGIN_LENGTH]
    return typed
