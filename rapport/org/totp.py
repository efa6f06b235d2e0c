"""Second-factor checks outside allauth's login flow (the API token endpoint)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def verify_second_factor(user, code: str) -> bool:
    """True when the user has no TOTP enrolled, or `code` is a valid TOTP or recovery code."""
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
