"""`rapport bench`: it measures in a database of its own and reports every benchmark."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from bench.measure import p95
from bench.runner import format_table
from bench.sizes import SIZES


def test_sizes_follow_the_design():
    assert SIZES["S"] == {"users": 12, "teams": 3}
    assert SIZES["M"] == {"users": 30, "teams": 4}
    assert SIZES["L"] == {"users": 60, "teams": 8}


def test_p95_is_nearest_rank():
    assert p95([5.0]) == 5.0
    assert p95([float(i) for i in range(1, 101)]) == 95.0
    assert p95([float(i) for i in range(1, 21)]) == 19.0
    assert p95([3.0, 1.0, 2.0]) == 3.0  # 20 runs or fewer: the slowest


def test_table_shows_a_dash_where_there_is_no_floor():
    report = {
        "size": "S",
        "dataset": {"users": 12, "teams": 3},
        "database": "SQLite 3",
        "runs": 2,
        "warmup": 0,
        "hasher": "md5 (fast)",
        "build_seconds": 0.1,
        "results": [
            {
                "name": "login",
                "median_ms": 9.0,
                "p95_ms": 9.5,
                "queries": 28,
                "floor_median_ms": None,
                "ratio": None,
                "warning": "",
            },
            {
                "name": "home",
                "median_ms": 3.0,
                "p95_ms": 4.0,
                "queries": 4,
                "floor_median_ms": 0.5,
                "ratio": 6.0,
                "warning": "grew",
            },
        ],
    }
    lines = format_table(report).splitlines()
    login = next(line for line in lines if line.startswith("login"))
    home = next(line for line in lines if line.startswith("home"))
    assert login.split()[-2:] == ["-", "-"]
    assert home.split()[-2:] == ["0.50", "6.0"]
    assert "warning: home: grew" in lines


@pytest.mark.django_db(transaction=True)
def test_bench_runs_in_its_own_database_and_writes_json(tmp_path):
    from rapport.org.models import User

    users_before = User.objects.count()
    database_before = connection.settings_dict["NAME"]

    call_command("bench", size="S", runs=2, warmup=1, output=tmp_path, stdout=io.StringIO())

    assert connection.settings_dict["NAME"] == database_before
    assert User.objects.count() == users_before, "the bench wrote into the test database"
    [path] = tmp_path.glob(f"S-{connection.vendor}-*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["dataset"] == {"users": 12, "teams": 3}
    by_name = {row["name"]: row for row in report["results"]}
    assert set(by_name) == {"login (AM)", "home (AM)", "home (lead)", "api users list (admin)"}
    for row in by_name.values():
        assert row["runs"] == 2
        assert 0 < row["median_ms"] <= row["p95_ms"]
        assert row["queries"] > 0
        assert row["warning"] == ""
    assert by_name["login (AM)"]["floor_median_ms"] is None
    users = by_name["api users list (admin)"]
    assert users["floor_statements"] > 0
    assert users["ratio"] == pytest.approx(users["median_ms"] / users["floor_median_ms"])
