"""Pages: signing in, and the home page of an account manager and of a team lead."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.core.cache import cache
from django.test import Client

from bench.registry import Case, DatasetContext, benchmark


def signed_in(user) -> Client:
    # force_login skips the two-factor step: the lead's TOTP is enrolled, so the policy
    # middleware lets the session in, as after a real sign-in with a code.
    client = Client()
    client.force_login(user)
    return client


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
    cases = []
    for label, user in (("AM", ctx.am), ("lead", ctx.lead)):
        client = signed_in(user)

        def prepare(client=client):
            return lambda: client.get("/", secure=True)

        cases.append(Case(f"home ({label})", prepare, note="GET /"))
    return cases
