"""/healthz: the state of the database and the job runner, as JSON, for load balancers."""

from __future__ import annotations

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY

HEARTBEAT_KEY = "rapport:worker-heartbeat"
WORKER_STALE_SECONDS = 180


def beat() -> None:
    HUEY.put(HEARTBEAT_KEY, time.time())


def _database() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    return {"ok": True, "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 2)}


def _jobs() -> dict:
    try:
        pending = HUEY.pending_count()
        last = HUEY.get(HEARTBEAT_KEY, peek=True)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "backend": type(HUEY).__name__, "error": type(error).__name__}
    seen = None if last is None else round(time.time() - float(last))
    return {
        "ok": True,
        "backend": type(HUEY).__name__,
        "immediate": HUEY.immediate,
        "pending": pending,
        "worker_seen_seconds_ago": seen,
        "worker_alive": HUEY.immediate or (seen is not None and seen < WORKER_STALE_SECONDS),
    }


@never_cache
def healthz(request):
    database, jobs = _database(), _jobs()
    healthy = database["ok"] and jobs["ok"]
    body = {"status": "ok" if healthy else "fail", "database": database, "jobs": jobs}
    return JsonResponse(body, status=200 if healthy else 503)
