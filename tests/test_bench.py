"""`rapport bench`: it measures in a database of its own and reports every benchmark."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from bench.measure import p95
from bench.runner import format_table
from bench.sizes import PERSONA, SIZES


def test_sizes_follow_the_design():
    assert {k: SIZES["S"][k] for k in ("users", "teams")} == {"users": 12, "teams": 3}
    assert {k: SIZES["M"][k] for k in ("users", "teams")} == {"users": 30, "teams": 4}
    large = SIZES["L"]
    assert (large["users"], large["teams"]) == (60, 8)  # DESIGN §7
    assert (large["customers"], large["contacts"]) == (100_000, 250_000)
    assert (large["follow_ups"], large["opportunities"]) == (1_000_000, 100_000)
    anchor = SIZES["anchor"]  # issue #3: 2 teams × (5 AMs + a lead), and an admin
    assert (anchor["users"], anchor["teams"]) == (13, 3)
    assert (anchor["customers"], anchor["contacts"]) == (20_000, 40_000)
    assert anchor["opportunities"] == 200_000
    assert PERSONA["anchor"] == "lead" and PERSONA["L"] == "admin"


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
                "served": {
                    "c1": {"server_median_ms": 3.1, "server_p95_ms": 3.5, "throughput": 250.0},
                    "c8": {"server_median_ms": 4.0, "server_p95_ms": 9.0, "throughput": 400.0},
                },
            },
        ],
    }
    lines = format_table(report).splitlines()
    login = next(line for line in lines if line.startswith("login"))
    home = next(line for line in lines if line.startswith("home"))
    assert login.split()[4:6] == ["-", "-"]
    assert home.split()[4:6] == ["0.50", "6.0"]
    assert home.split()[6:] == ["3.10", "3.50", "250.0", "400.0", "9.00"]
    assert login.split()[6:] == ["-"] * 5  # not served
    assert "warning: home: grew" in lines


@pytest.mark.django_db(transaction=True)
def test_bench_runs_in_its_own_database_and_writes_json(tmp_path):
    from rapport.org.models import User

    users_before = User.objects.count()
    database_before = connection.settings_dict["NAME"]

    call_command(
        "bench",
        size="S",
        runs=2,
        warmup=1,
        output=tmp_path,
        workers=1,
        serve_requests=2,
        stdout=io.StringIO(),
    )

    assert connection.settings_dict["NAME"] == database_before
    assert User.objects.count() == users_before, "the bench wrote into the test database"
    [path] = tmp_path.glob(f"S-{connection.vendor}-*.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    dataset = report["dataset"]
    assert (dataset["users"], dataset["teams"], dataset["customers"]) == (12, 3, 600)
    assert dataset["contacts"] > 600 and dataset["follow_ups"] > 1000
    assert dataset["opportunities"] > 0 and dataset["pools"] == 3
    by_name = {row["name"]: row for row in report["results"]}
    expected = {"login (AM)", "home (AM)", "home (lead)", "api users list (admin)"}
    expected |= {"customers first page (admin)", "api customers first page (admin)"}
    expected |= {"customer 360 (admin)", "nightly reclaim"}
    assert expected <= set(by_name)
    ran = {name: row for name, row in by_name.items() if not row["skipped"]}
    requests = {name: row for name, row in ran.items() if not row["figures"]}
    for row in requests.values():
        assert row["runs"] == 2
        assert 0 < row["median_ms"] <= row["p95_ms"]
        assert row["queries"] > 0
        assert row["warning"] == ""
    assert by_name["login (AM)"]["floor_median_ms"] is None
    users = by_name["api users list (admin)"]
    assert users["floor_statements"] > 0
    assert users["ratio"] == pytest.approx(users["median_ms"] / users["floor_median_ms"])
    # Served through gunicorn: server time from its header, throughput at 1 and 8.
    served = by_name["customers first page (admin)"]["served"]
    for concurrency in ("c1", "c8"):
        assert served[concurrency]["throughput"] > 0
        assert served[concurrency]["server_median_ms"] > 0
    assert served["c1"]["queries"] == by_name["customers first page (admin)"]["queries"]
    assert by_name["login (AM)"]["served"] is None  # a write: not served
    # Tasks report their own figures.
    reclaim = by_name["nightly reclaim"]
    assert reclaim["figures"]["moved"] > 0 and reclaim["figures"]["seconds"] > 0
    for row in by_name.values():
        if row["skipped"]:
            assert row["skipped"].startswith("not built yet")


def test_composed_search_text_is_the_services_own():
    """The generator builds pinyin per word; it must equal what the services store."""
    import random

    from bench.dataset import vocab
    from rapport.customers.normalize import search_text

    rng = random.Random(7)
    for _ in range(200):
        facts = vocab.company(rng)
        uscc = vocab.uscc(facts["region_code"], rng.randrange(10**8))
        composed = vocab.compose_search_text(facts["name_words"], facts["short_words"], (uscc,))
        assert composed == search_text(facts["name"], "".join(facts["short_words"]), uscc)


@pytest.mark.django_db(transaction=True)
def test_bench_database_forgets_content_type_ids_cached_from_another_database():
    """Regression: a ContentType id cached from the test database was written into the bench
    database's audit rows, where it numbered another type or none (FOREIGN KEY failed)."""
    from django.contrib.contenttypes.models import ContentType

    from bench.database import bench_database
    from rapport.customers.models import Customer

    stale = ContentType.objects.get_for_model(Customer)
    stale.pk = 987_654  # as if the other database had numbered it so
    with bench_database():
        fresh = ContentType.objects.get_for_model(Customer)
        assert fresh.pk != 987_654
        assert ContentType.objects.filter(pk=fresh.pk, model="customer").exists()
    assert ContentType.objects.get_for_model(Customer).pk != 987_654
