"""Per-request context for the audit log: a request id and the client address."""

from __future__ import annotations

import re
import uuid

from django.conf import settings

from rapport.audit import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request) -> str | None:
    """The client's address, for the audit log and django-axes alike. Behind our reverse
    proxy (BEHIND_PROXY), the address the proxy appended last to X-Forwarded-For: the
    left-hand entries are whatever the client sent and cannot be trusted."""
    meta = getattr(request, "META", {})
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            return forwarded[-1]
    return meta.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Binds a request id (taken from X-Request-ID when well-formed) and the IP address,
    and echoes the id back so a user's report can be matched to the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.bind(context.RequestContext(request_id, client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
