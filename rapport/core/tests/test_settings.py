"""Settings come from the environment; a bad value stops the start with the variable's name."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config import env


def _start(**overrides) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("TIME_ZONE", "Mars/Olympus"),
        ("DATABASE_URL", "mysql://x"),
        ("EMAIL_PORT", "twenty-five"),
        ("LANGUAGE_CODE", "fr"),
        ("SECRET_KEY", "short"),
        ("REDIS_URL", "http://redis"),
    ],
)
def test_a_bad_value_fails_at_start_naming_the_variable(name, value, tmp_path):
    result = _start(**{name: value, "RAPPORT_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr.splitlines()[-1]


def test_good_values_start(tmp_path):
    result = _start(DEBUG="yes", TIME_ZONE="Europe/Paris", RAPPORT_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    second = env.secret_key(tmp_path)
    assert first == second and len(first) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_helpers_parse_and_refuse(monkeypatch):
    monkeypatch.setenv("X_BOOL", "On")
    monkeypatch.setenv("X_INT", "-3")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env.env_bool("X_BOOL") is True
    assert env.env_list("X_LIST", []) == ["a", "b", "c"]
    with pytest.raises(ImproperlyConfigured, match="X_INT must be at least 0"):
        env.env_int("X_INT", 1, minimum=0)


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 1000
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_postgresql_runs_without_jit():
    """JIT compiling the scope subqueries cost seconds per page (ADR 0011)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
