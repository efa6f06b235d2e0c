"""Serving the benchmark pages through a production-style WSGI server.

`served()` starts gunicorn (sync workers, DEBUG off, `bench.serve_settings`) on 127.0.0.1
at a free port against the bench database, waits until it answers, and stops it when the
block ends. `drive()` sends one request N times at a given concurrency with the standard
library's HTTP client and returns client latency, the server's own time (the
`Server-Timing` header of `bench.timing`), the query count and the throughput.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench.measure import p95
from bench.registry import HttpSpec

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0


class ServeError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(connection) -> str:
    """The bench database as a DATABASE_URL for the workers."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings.get("USER") or "", safe="")
    password = quote(settings.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings.get("HOST") or "localhost"
    port = settings.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings['NAME']}"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    workers: int


@contextmanager
def served(connection, *, workers: int) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection),
        "DJANGO_SETTINGS_MODULE": "bench.serve_settings",
        "DEBUG": "false",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        "--timeout",
        "120",
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(process, port, log)
            yield Server("127.0.0.1", port, workers)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_up(process, port: int, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise ServeError(f"gunicorn stopped at start:\n{log.read()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise ServeError(f"gunicorn did not answer on port {port} within {START_TIMEOUT:.0f} s")


@dataclass
class Sample:
    status: int
    client_ms: float
    server_ms: float | None
    queries: int | None


def _one(server: Server, spec: HttpSpec) -> Sample:
    # Sync workers close the connection after each response, as behind a load balancer
    # without keep-alive: every request pays its TCP connect (a fraction of a millisecond).
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    start = time.perf_counter()
    connection.request("GET", spec.path, headers=dict(spec.headers))
    response = connection.getresponse()
    response.read()
    client_ms = (time.perf_counter() - start) * 1000
    connection.close()
    timing = response.getheader("Server-Timing") or ""
    server_ms = float(timing.split("dur=")[1]) if "dur=" in timing else None
    queries = response.getheader("X-Bench-Queries")
    return Sample(response.status, client_ms, server_ms, int(queries) if queries else None)


@dataclass
class Drive:
    concurrency: int
    requests: int
    seconds: float
    throughput: float
    client_median_ms: float
    client_p95_ms: float
    server_median_ms: float | None
    server_p95_ms: float | None
    queries: int | None


def drive(server: Server, spec: HttpSpec, *, requests: int, concurrency: int, expect: int):
    """`requests` GETs of one path, `concurrency` at a time, after a warm-up that reaches
    every worker: each worker's first request loads templates and opens its connection, and
    requests sent one after another may all land on the same idle worker, so the warm-up
    sends `workers` requests at once, three times."""
    with ThreadPoolExecutor(max_workers=server.workers) as pool:
        list(pool.map(lambda _i: _one(server, spec), range(3 * server.workers)))
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        samples = list(pool.map(lambda _i: _one(server, spec), range(requests)))
    seconds = time.perf_counter() - start
    bad = [sample.status for sample in samples if sample.status != expect]
    if bad:
        raise ServeError(f"GET {spec.path}: expected HTTP {expect}, got {sorted(set(bad))}")
    client = [sample.client_ms for sample in samples]
    server_times = [sample.server_ms for sample in samples if sample.server_ms is not None]
    return Drive(
        concurrency=concurrency,
        requests=requests,
        seconds=seconds,
        throughput=requests / seconds,
        client_median_ms=statistics.median(client),
        client_p95_ms=p95(client),
        server_median_ms=statistics.median(server_times) if server_times else None,
        server_p95_ms=p95(server_times) if server_times else None,
        queries=samples[-1].queries,
    )
