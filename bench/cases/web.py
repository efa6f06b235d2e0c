"""Pages: signing in, and the home page of an account manager and of a team lead."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.test import Client

from bench.registry import Case, DatasetContext, HttpSpec, benchmark


def signed_in(user) -> Client:
    # force_login skips the two-factor step: the lead's TOTP is enrolled, so the policy
    # middleware lets the session in, as after a real sign-in with a code.
    client = Client()
    client.force_login(user)
    return client


def page_spec(client: Client, path: str) -> HttpSpec:
    """The same request for the WSGI server: the client's session cookie (the session row
    is in the bench database the workers read)."""
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return HttpSpec(path, (("Cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}"),))


def token_spec(token: str, path: str) -> HttpSpec:
    return HttpSpec(path, (("Authorization", f"Token {token}"),))


def page_case(name: str, client: Client, path: str, note: str = "") -> Case:
    def prepare():
        return lambda: client.get(path, secure=True)

    return Case(name, prepare, note=note or f"GET {path}", http=page_spec(client, path))


def end_sessions(user) -> None:
    from allauth.usersessions.models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for row in UserSession.objects.filter(user=user):
        store(session_key=row.session_key).delete()
    UserSession.objects.filter(user=user).delete()


@benchmark(order=10)
def login(ctx: DatasetContext) -> list[Case]:
    def prepare():
        # Every run starts from the same state: the AM has no live session (allauth's
        # usersessions checks each live session on sign-in, 3 queries apiece, so leftover
        # sessions from earlier runs would grow the count), and the sign-in rate limits,
        # counted in the private cache, are at zero. A fresh browser: no cookie yet.
        end_sessions(ctx.am)
        cache.clear()
        client = Client()
        data = {"login": ctx.am.username, "password": ctx.password}
        return lambda: client.post("/accounts/login/", data, secure=True)

    return [
        Case(
            "login (AM)",
            prepare,
            expect_status=302,
            floor=False,
            note="POST /accounts/login/, full request; writes, so no raw floor",
        ),
    ]


@benchmark(order=20)
def home(ctx: DatasetContext) -> list[Case]:
    return [
        page_case(f"home ({label})", signed_in(user), "/")
        for label, user in (("AM", ctx.am), ("lead", ctx.lead))
    ]
