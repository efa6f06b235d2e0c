"""The two registries of the benchmark suite: dataset steps and benchmark cases.

A dataset step fills the bench database for one domain, in `order`; later steps find what
earlier ones made (users, teams) on the context. A benchmark returns the cases it measures.
Both live in modules under `bench/dataset/` and `bench/cases/`, found by `discover()`:

    from bench.registry import benchmark, dataset_step

    @dataset_step(order=20)
    def customers(ctx): ...            # bulk-create ctx.size["customers"] rows

    @benchmark(order=40)
    def customer_list(ctx): return [Case(...)]
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse


@dataclass
class DatasetContext:
    size_name: str
    size: dict[str, int]
    rng: random.Random = field(default_factory=lambda: random.Random(20261123))
    password: str = "bench-password-2026"
    users: dict[str, Any] = field(default_factory=dict)  # by username
    teams: list[Any] = field(default_factory=list)
    # Who the benchmarks act as; the org step picks them.
    admin: Any = None
    lead: Any = None
    am: Any = None
    admin_token: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # what was actually made, for the report
    # What one step leaves for the next (account managers by team, pools, the plan of each
    # customer's follow-ups) and for the benchmarks (a customer to open, a name to search).
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One measured request.

    `prepare()` runs untimed before each run and returns the callable that is timed (one full
    request through the middleware stack, returning the response). `floor` says whether the
    request's SELECT statements are re-timed on a raw cursor as the database's own time.
    """

    name: str
    prepare: Callable[[], Callable[[], HttpResponse]]
    expect_status: int = 200
    floor: bool = True
    note: str = ""
    # Served through gunicorn too (bench.serve): the path and the headers that sign in.
    http: HttpSpec | None = None
    # A case whose code is not built yet (another app's): listed, not run.
    skip: str = ""
    # Not a request: `prepare()` returns a callable whose run is timed as a whole (import,
    # reclaim); it returns a dict of figures (rows/s …) instead of a response.
    task: bool = False


@dataclass(frozen=True)
class HttpSpec:
    path: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Entry:
    name: str
    order: int
    func: Callable


_steps: list[_Entry] = []
_benchmarks: list[_Entry] = []


def _register(registry: list[_Entry], order: int) -> Callable:
    def decorate(func: Callable) -> Callable:
        name = f"{func.__module__}.{func.__name__}"
        if all(entry.name != name for entry in registry):
            registry.append(_Entry(name=name, order=order, func=func))
        return func

    return decorate


def dataset_step(order: int = 100) -> Callable:
    return _register(_steps, order)


def benchmark(order: int = 100) -> Callable:
    return _register(_benchmarks, order)


def steps() -> list[_Entry]:
    return sorted(_steps, key=lambda entry: (entry.order, entry.name))


def benchmarks() -> list[_Entry]:
    return sorted(_benchmarks, key=lambda entry: (entry.order, entry.name))


def discover() -> None:
    for package_name in ("bench.dataset", "bench.cases"):
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package_name}.{module.name}")
