"""Who is acting and from where, for the audit log, set per request or job."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip_address: str | None = None


_EMPTY = RequestContext()  # frozen, so safe to share as the default
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "rapport_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def bind(context: RequestContext) -> contextvars.Token:
    return _current.set(context)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
