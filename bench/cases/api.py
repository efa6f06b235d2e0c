"""The API: listing users as an admin with a token."""

from __future__ import annotations

from django.test import Client

from bench.registry import Case, DatasetContext, benchmark


@benchmark(order=50)
def users_list(ctx: DatasetContext) -> list[Case]:
    client = Client(headers={"Authorization": f"Token {ctx.admin_token}"})

    def prepare():
        return lambda: client.get("/api/v1/users/", secure=True)

    return [Case("api users list (admin)", prepare, note="GET /api/v1/users/, token auth")]
