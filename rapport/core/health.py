"""/healthz: the state of the database and the job runner, as JSON, for load balancers.

200 while the database answers, 503 when it does not: a web process without its database
is of no use, so the load balancer should take it out. The job runner's state is reported
in the body ("status" is "degraded" when its queue cannot be reached or no worker has been
seen lately) but does not fail the check: web processes still serve pages without a worker.
The workers write a heartbeat when they start and once a minute (core.tasks.heartbeat).
"""

from __future__ import annotations

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY

HEARTBEAT_KEY = "rapport:worker-heartbeat"
# The periodic heartbeat comes every 60 s; three missed beats mean no worker is consuming.
WORKER_STALE_SECONDS = 180


def beat() -> None:
    HUEY.put(HEARTBEAT_KEY, time.time())


def database_state() -> dict:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "vendor": connection.vendor, "error": type(error).__name__}
    elapsed = round((time.perf_counter() - started) * 1000, 2)
    return {"ok": True, "vendor": connection.vendor, "ms": elapsed}


def jobs_state() -> dict:
    backend = type(HUEY).__name__
    try:
        pending = HUEY.pending_count()
        last = HUEY.get(HEARTBEAT_KEY, peek=True)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "backend": backend, "error": type(error).__name__}
    seen = None if last is None else max(0, round(time.time() - float(last)))
    return {
        "ok": True,
        "backend": backend,
        "immediate": HUEY.immediate,
        "pending": pending,
        "worker_seen_seconds_ago": seen,
        "worker_alive": HUEY.immediate or (seen is not None and seen < WORKER_STALE_SECONDS),
    }


@never_cache
def healthz(request):
    database, jobs = database_state(), jobs_state()
    if not database["ok"]:
        status = "fail"
    elif not (jobs["ok"] and jobs["worker_alive"]):
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "database": database, "jobs": jobs}
    return JsonResponse(body, status=503 if status == "fail" else 200)
