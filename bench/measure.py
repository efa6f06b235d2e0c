"""Timing one case: the full request N times, its query count, and its raw-SQL floor."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import asdict, dataclass

from bench.registry import Case


class BenchCaseError(RuntimeError):
    pass


@dataclass
class Result:
    name: str
    runs: int
    median_ms: float
    p95_ms: float
    queries: int
    floor_median_ms: float | None = None
    floor_p95_ms: float | None = None
    floor_statements: int | None = None
    ratio: float | None = None
    note: str = ""
    warning: str = ""
    skipped: str = ""
    # Through gunicorn (bench.serve): server time at concurrency 1, throughput at 1 and 8.
    served: dict | None = None
    # A task's own figures (rows, rows/s, customers moved…).
    figures: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile: the smallest value that 95% of the runs do not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _check(case: Case, response) -> None:
    if response.status_code != case.expect_status:
        body = response.content[:300].decode(errors="replace")
        raise BenchCaseError(
            f"{case.name}: expected HTTP {case.expect_status}, got {response.status_code}: {body}"
        )


def _is_read(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH"))


def time_raw(statements: list[str], runs: int) -> list[float]:
    """Run the statements on the DB-API cursor under Django's connection, fetching every
    row: what the database and driver cost without the ORM, the view or the template."""
    from django.db import connection

    connection.ensure_connection()
    cursor = connection.connection.cursor()
    timings = []
    try:
        for statement in statements:  # warm the statement cache once
            cursor.execute(statement)
            cursor.fetchall()
        for _ in range(runs):
            start = time.perf_counter()
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchall()
            timings.append((time.perf_counter() - start) * 1000)
    finally:
        cursor.close()
    return timings


def skipped(case: Case) -> Result:
    return Result(name=case.name, runs=0, median_ms=0.0, p95_ms=0.0, queries=0, skipped=case.skip)


def measure_task(case: Case, *, runs: int) -> Result:
    """A task (an import, the nightly reclaim) timed as a whole `runs` times; queries are
    counted, not captured (a 100,000-row import issues too many to keep)."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    timings, figures = [], {}
    for _ in range(runs):
        task = case.prepare()
        count = 0
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            figures = task() or {}
            elapsed = time.perf_counter() - start
        timings.append(elapsed * 1000)
        figures = {**figures, "seconds": round(elapsed, 3)}
        if "rows" in figures:
            figures["rows_per_s"] = round(figures["rows"] / elapsed, 1)
    return Result(
        name=case.name,
        runs=runs,
        median_ms=statistics.median(timings),
        p95_ms=p95(timings),
        queries=count,
        note=case.note,
        figures=figures,
    )


def measure(case: Case, *, runs: int, warmup: int) -> Result:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if case.skip:
        return skipped(case)

    for _ in range(warmup):
        _check(case, case.prepare()())
    request = case.prepare()
    with CaptureQueriesContext(connection) as before:
        _check(case, request())
    # Read now: the capture is a slice of a log that the next request resets.
    queries_before = len(before.captured_queries)
    timings = []
    for _ in range(runs):
        request = case.prepare()
        start = time.perf_counter()
        response = request()
        timings.append((time.perf_counter() - start) * 1000)
        _check(case, response)

    # One more, untimed: capturing the SQL text costs time of its own.
    request = case.prepare()
    with CaptureQueriesContext(connection) as captured:
        _check(case, request())
    statements = [query["sql"] for query in captured.captured_queries]

    result = Result(
        name=case.name,
        runs=runs,
        median_ms=statistics.median(timings),
        p95_ms=p95(timings),
        queries=len(statements),
        note=case.note,
    )
    if queries_before != result.queries:
        # The same request should cost the same queries every time; if it does not, the
        # runs leave something behind that the request then walks over (DESIGN §7).
        result.warning = (
            f"query count changed over the runs: {queries_before} before, {result.queries} after"
        )
    if case.floor:
        reads = [sql for sql in statements if _is_read(sql)]
        floor = time_raw(reads, runs)
        result.floor_statements = len(reads)
        result.floor_median_ms = statistics.median(floor)
        result.floor_p95_ms = p95(floor)
        if result.floor_median_ms > 0:
            result.ratio = result.median_ms / result.floor_median_ms
    return result
