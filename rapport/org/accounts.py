"""django-allauth integration: no self-service sign-up; admins create accounts."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False


def axes_username(request, credentials=None) -> str:
    """The login name django-axes counts failures against, whichever form sent it
    (allauth's "login" field, the API's "username", or credentials passed to authenticate)."""
    source = credentials or {}
    value = source.get("username") or source.get("email") or source.get("login")
    if not value and request is not None:
        data = getattr(request, "POST", None) or getattr(request, "data", None) or {}
        value = data.get("login") or data.get("username") or ""
    return str(value or "").strip().lower()[:255]
