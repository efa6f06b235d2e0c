"""`rapport bench`: build a dataset in a database of its own, run every benchmark, report."""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bench import registry
from bench.database import bench_database
from bench.measure import Result, measure, measure_task, skipped
from bench.sizes import SIZES

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _settings_overrides(real_hasher: bool, media_root: str) -> dict:
    from django.conf import settings

    overrides = {
        "DEBUG": False,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        # The bench never touches the user's cache or mail server.
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Uploaded files (the import's CSV) go to a directory of the run's own.
        "MEDIA_ROOT": media_root,
        # No collectstatic needed: plain static URLs (the manifest lookup is a dict read).
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }
    if not real_hasher:
        overrides["PASSWORD_HASHERS"] = FAST_HASHERS
    return overrides


def _database_version(connection) -> str:
    if connection.vendor == "postgresql":
        major, minor = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{minor}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def run(
    *,
    size: str,
    runs: int,
    warmup: int,
    only: list[str] | None = None,
    output_dir: Path | None = None,
    keep: bool = False,
    real_hasher: bool = False,
    serve: bool = True,
    workers: int = 4,
    serve_requests: int = 40,
    stdout: TextIO,
) -> dict:
    from django.db import connection
    from django.test.utils import override_settings

    registry.discover()
    # WhiteNoise warns that STATIC_ROOT is empty; the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    counts = SIZES[size]
    results: list[Result] = []
    media_root = tempfile.mkdtemp(prefix="rapport-bench-media-")
    overrides = _settings_overrides(real_hasher, media_root)
    with override_settings(**overrides), bench_database(keep=keep) as db, _removed(media_root):
        vendor = connection.vendor
        database = _database_version(connection)
        stdout.write(f"bench: size {size} {counts} in {db}\n")
        ctx = registry.DatasetContext(size_name=size, size=dict(counts))
        build_seconds, step_seconds = _build(ctx, stdout)
        cases = [
            case
            for entry in registry.benchmarks()
            for case in entry.func(ctx)
            if not only or any(word.lower() in case.name.lower() for word in only)
        ]
        requests = [case for case in cases if not case.task]
        for case in requests:
            stdout.write(f"  measuring {case.name} ...\n")
            results.append(measure(case, runs=runs, warmup=warmup))
        if serve:
            _serve(connection, requests, results, workers, serve_requests, stdout)
        # Tasks last: an import or a reclaim changes the book the pages read.
        for case in (case for case in cases if case.task):
            stdout.write(f"  running {case.name} ...\n")
            results.append(skipped(case) if case.skip else measure_task(case, runs=1))
        if keep:
            stdout.write(f"  kept the bench database: {db}\n")

    now = datetime.now(UTC)
    report = {
        "size": size,
        "vendor": vendor,
        "database": database,
        "timestamp": now.isoformat(timespec="seconds"),
        "runs": runs,
        "warmup": warmup,
        "hasher": "default" if real_hasher else "md5 (fast)",
        "served": {"workers": workers, "requests": serve_requests} if serve else None,
        "dataset": ctx.counts,
        "build_seconds": round(build_seconds, 3),
        "build_steps": step_seconds,
        "python": platform.python_version(),
        "results": [result.as_dict() for result in results],
    }
    output_dir = output_dir or RESULTS_DIR
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / f"{size}-{vendor}-{now:%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    stdout.write("\n" + format_table(report) + "\n")
    stdout.write(f"\nwritten {path}\n")
    report["path"] = str(path)
    return report


@contextmanager
def _removed(directory: str) -> Iterator[None]:
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _build(ctx, stdout: TextIO) -> tuple[float, dict[str, float]]:
    from django.db import connection, transaction

    started = time.perf_counter()
    step_seconds = {}
    for step in registry.steps():
        step_started = time.perf_counter()
        with transaction.atomic():
            step.func(ctx)
        step_seconds[step.name.rsplit(".", 1)[-1]] = round(time.perf_counter() - step_started, 2)
        stdout.write(f"  {step.name}: {time.perf_counter() - step_started:.2f} s\n")
    # Fresh tables have no planner statistics (PostgreSQL until autovacuum comes by, SQLite
    # until someone asks): plan on real ones, as a database in use would. On PostgreSQL,
    # VACUUM also sets the visibility map autovacuum would have set, without which no
    # index-only scan (a COUNT, a deep OFFSET) can skip the table.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started, step_seconds


def _serve(connection, cases, results, workers: int, requests: int, stdout: TextIO) -> None:
    from bench.serve import drive, served

    by_name = {result.name: result for result in results}
    served_cases = [case for case in cases if case.http and not case.skip]
    if not served_cases:
        return
    stdout.write(f"  serving through gunicorn ({workers} workers) ...\n")
    with served(connection, workers=workers) as server:
        for case in served_cases:
            stdout.write(f"  serving {case.name} ...\n")
            figures = {}
            for concurrency in (1, 8):
                outcome = drive(
                    server,
                    case.http,
                    requests=requests,
                    concurrency=concurrency,
                    expect=case.expect_status,
                )
                figures[f"c{concurrency}"] = asdict(outcome)
            by_name[case.name].served = figures


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _served(row: dict, concurrency: int, key: str) -> str:
    figures = (row.get("served") or {}).get(f"c{concurrency}")
    if not figures or figures.get(key) is None:
        return "-"
    return f"{figures[key]:.1f}" if key == "throughput" else f"{figures[key]:.2f}"


def format_table(report: dict) -> str:
    dataset = ", ".join(f"{count} {name}" for name, count in report["dataset"].items())
    served = report.get("served")
    lines = [
        f"size {report['size']} ({dataset}) · {report['database']} · "
        f"{report['runs']} runs after {report['warmup']} warm-up · hasher {report['hasher']} · "
        f"dataset built in {report['build_seconds']:.1f} s",
    ]
    if served:
        lines.append(
            f"served: gunicorn, {served['workers']} sync workers, DEBUG off, "
            f"{served['requests']} requests per concurrency; srv = server time (Server-Timing)"
        )
    lines.append("")
    header = ("benchmark", "median ms", "p95 ms", "queries", "floor ms", "× floor")
    header += ("srv p50", "srv p95", "req/s c1", "req/s c8", "srv p95 c8")
    requests = [r for r in report["results"] if not r.get("figures") and not r.get("skipped")]
    rows = [
        (
            r["name"],
            _ms(r["median_ms"]),
            _ms(r["p95_ms"]),
            str(r["queries"]),
            _ms(r["floor_median_ms"]),
            "-" if r["ratio"] is None else f"{r['ratio']:.1f}",
            _served(r, 1, "server_median_ms"),
            _served(r, 1, "server_p95_ms"),
            _served(r, 1, "throughput"),
            _served(r, 8, "throughput"),
            _served(r, 8, "server_p95_ms"),
        )
        for r in requests
    ]
    lines += _grid(header, rows)
    tasks = [r for r in report["results"] if r.get("figures")]
    if tasks:
        lines += [
            "",
            *_grid(("task", "seconds", "rows/s", "queries", "figures"), _task_rows(tasks)),
        ]
    lines += [f"warning: {r['name']}: {r['warning']}" for r in report["results"] if r["warning"]]
    lines += [
        f"skipped: {r['name']}: {r['skipped']}" for r in report["results"] if r.get("skipped")
    ]
    return "\n".join(lines)


def _task_rows(tasks: list[dict]) -> list[tuple]:
    rows = []
    for r in tasks:
        figures = dict(r["figures"])
        seconds = figures.pop("seconds", r["median_ms"] / 1000)
        rate = figures.pop("rows_per_s", None)
        rest = ", ".join(f"{key} {value}" for key, value in figures.items())
        rows.append(
            (
                r["name"],
                f"{seconds:.2f}",
                "-" if rate is None else f"{rate:.0f}",
                str(r["queries"]),
                rest,
            )
        )
    return rows


def _grid(header: tuple, rows: list[tuple]) -> list[str]:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join((first, *rest)).rstrip()

    return [line(header), line(["-" * width for width in widths]), *map(line, rows)]
