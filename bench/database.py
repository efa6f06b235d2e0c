"""A database of its own for a benchmark run, never the user's.

Django's test-database machinery does the work: it creates a database beside the configured
one (a temporary SQLite file, or `<name>_bench` on the same PostgreSQL server), migrates it,
points the connection at it, and afterwards drops it and points the connection back.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def postgres_name(configured: str) -> str:
    """`<configured>_bench`: beside the configured database, so two people on one server
    (each with a database of their own) never drop each other's bench database."""
    return f"{configured}_bench"[:63]


class BenchDatabaseError(RuntimeError):
    pass


@contextmanager
def bench_database(*, keep: bool = False) -> Iterator[str]:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections

    connection = connections["default"]
    original = connection.settings_dict["NAME"]
    tmpdir = None
    if connection.vendor == "sqlite":
        tmpdir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
        name = str(tmpdir / "bench.sqlite3")
    elif connection.vendor == "postgresql":
        name = postgres_name(str(original))
    else:
        raise BenchDatabaseError(f"no bench database for the {connection.vendor} backend")
    if str(original) == name:
        raise BenchDatabaseError(f"the configured database is already {name!r}; refusing")

    connection.settings_dict["TEST"] = {
        **(connection.settings_dict.get("TEST") or {}),
        "NAME": name,
    }
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    # ContentType ids are cached per process; the bench database numbers them afresh, so a
    # cached id from the other database would point audit rows at the wrong (or no) type.
    ContentType.objects.clear_cache()
    if connection.settings_dict["NAME"] != name:  # pragma: no cover - Django's contract
        raise BenchDatabaseError("the connection did not switch to the bench database")
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(original, verbosity=0, keepdb=keep)
        ContentType.objects.clear_cache()
        if tmpdir is not None and not keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
