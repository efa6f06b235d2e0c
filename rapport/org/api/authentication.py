"""`Authorization: Token <key>` against hashed ApiToken rows."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from rapport.org.models import ApiToken
from rapport.org.scope import scope_for


class TokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = (
            ApiToken.objects.usable()
            .select_related("user")
            .filter(key_hash=ApiToken.hash_key(key))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        user = token.user
        # The two-factor policy holds for tokens too: one issued before its owner became a
        # lead or admin, or before their authenticator was removed, waits for enrolment.
        if scope_for(user).requires_two_factor:
            from rapport.org.totp import has_totp

            if not has_totp(user):
                raise exceptions.PermissionDenied(
                    _("Your role requires two-factor authentication. Please set it up now."),
                    code="two_factor_required",
                )
        now = timezone.now()
        # Touch at most once a minute: a busy client should not write on every call.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token
