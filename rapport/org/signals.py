"""Login, logout and failed login go to the audit log.

These are Django's own authentication signals: the one place where there is no service
of ours to call `record()` (see docs/decisions/0002-audit.md).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from rapport.audit.models import Action
from rapport.audit.services import record


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session["rapport_login_at"] = now
        request.session["rapport_seen_at"] = now
    record(actor=user, action=Action.LOGIN, obj=user)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=Action.LOGOUT, obj=user)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Record what was typed (never the password) so repeated attempts can be seen; the
    # user row is linked only when the name matches, without telling the client anything.
    login = str(
        credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    )[:150]
    User = get_user_model()
    user = User.objects.filter(username__iexact=login).first() if login else None
    record(actor=None, action=Action.LOGIN_FAILED, obj=user, object_label=login,
           extra={"login": login})
