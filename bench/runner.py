"""`rapport bench`: build a dataset in a database of its own, run every benchmark, report."""

from __future__ import annotations

import json
import platform
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bench import registry
from bench.database import bench_database
from bench.measure import Result, measure
from bench.sizes import SIZES

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _settings_overrides(real_hasher: bool) -> dict:
    from django.conf import settings

    overrides = {
        "DEBUG": False,
        "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
        # The bench never touches the user's cache or mail server.
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
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
    stdout: TextIO,
) -> dict:
    from django.db import connection, transaction
    from django.test.utils import override_settings

    registry.discover()
    # WhiteNoise warns that STATIC_ROOT is empty; the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    counts = SIZES[size]
    results: list[Result] = []
    with override_settings(**_settings_overrides(real_hasher)), bench_database(keep=keep) as db:
        vendor = connection.vendor
        database = _database_version(connection)
        stdout.write(f"bench: size {size} {counts} in {db}\n")
        ctx = registry.DatasetContext(size_name=size, size=dict(counts))
        started = time.perf_counter()
        for step in registry.steps():
            step_started = time.perf_counter()
            with transaction.atomic():
                step.func(ctx)
            stdout.write(f"  {step.name}: {time.perf_counter() - step_started:.2f} s\n")
        build_seconds = time.perf_counter() - started

        for entry in registry.benchmarks():
            for case in entry.func(ctx):
                if only and not any(word.lower() in case.name.lower() for word in only):
                    continue
                stdout.write(f"  measuring {case.name} ...\n")
                results.append(measure(case, runs=runs, warmup=warmup))
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
        "dataset": ctx.counts,
        "build_seconds": round(build_seconds, 3),
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


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def format_table(report: dict) -> str:
    dataset = ", ".join(f"{count} {name}" for name, count in report["dataset"].items())
    lines = [
        f"size {report['size']} ({dataset}) · {report['database']} · "
        f"{report['runs']} runs after {report['warmup']} warm-up · hasher {report['hasher']} · "
        f"dataset built in {report['build_seconds']:.1f} s",
        "",
    ]
    header = ("benchmark", "median ms", "p95 ms", "queries", "floor ms", "× floor")
    rows = [
        (
            r["name"],
            _ms(r["median_ms"]),
            _ms(r["p95_ms"]),
            str(r["queries"]),
            _ms(r["floor_median_ms"]),
            "-" if r["ratio"] is None else f"{r['ratio']:.1f}",
        )
        for r in report["results"]
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join((first, *rest))

    lines += [line(header), line(["-" * width for width in widths]), *map(line, rows)]
    lines += [f"warning: {r['name']}: {r['warning']}" for r in report["results"] if r["warning"]]
    return "\n".join(lines)
