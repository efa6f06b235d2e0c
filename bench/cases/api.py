"""The API: listing users as an admin with a token."""

from __future__ import annotations

from django.test import Client

from bench.cases.web import token_spec
from bench.registry import Case, DatasetContext, benchmark


@benchmark(order=50)
def users_list(ctx: DatasetContext) -> list[Case]:
    client = Client(headers={"Authorization": f"Token {ctx.admin_token}"})
    path = "/api/v1/users/"

    def prepare():
        return lambda: client.get(path, secure=True)

    return [
        Case(
            "api users list (admin)",
            prepare,
            note="GET /api/v1/users/, token auth",
            http=token_spec(ctx.admin_token, path),
        )
    ]
