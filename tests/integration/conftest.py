"""Real processes against the test database: huey consumers on SQLite or Redis queues.

The test process itself runs jobs inline (config.settings_test); `use_queue` points its huey
at a real queue for the length of a test, and `start_worker` starts `rapport run_huey` (or
`python -m config.worker`) with production settings, the test database and that queue;
`start_web` starts gunicorn the same way. Each queue has a unique name, so parallel test
runs never share work, and is flushed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY
from huey.storage import BaseStorage, RedisStorage, SqliteStorage

BASE_DIR = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
WAIT_SECONDS = 60
STOP_SECONDS = 15


def database_url() -> str:
    """The URL of the database this test uses (the test database, not the configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "127.0.0.1"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{auth}@{host}{port}/{quote(db['NAME'], safe='')}"
    raise NotImplementedError(connection.vendor)


@dataclass
class Queue:
    """A huey queue that a worker subprocess and this process both use."""

    storage: BaseStorage
    env: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def sqlite_queue(tmp_path) -> Iterator[Queue]:
    name = f"rapport-test-{uuid.uuid4().hex[:12]}"
    path = tmp_path / "huey.sqlite3"
    storage = SqliteStorage(name=name, filename=str(path))
    yield Queue(storage, {"HUEY_NAME": name, "HUEY_SQLITE_PATH": str(path)})
    storage.flush_all()


@pytest.fixture
def redis_queue() -> Iterator[Queue]:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set")
    name = f"rapport-test-{uuid.uuid4().hex[:12]}"
    storage = RedisStorage(name=name, url=url)
    yield Queue(storage, {"HUEY_NAME": name, "REDIS_URL": url})
    storage.flush_all()


@contextlib.contextmanager
def use_queue(queue: Queue) -> Iterator[None]:
    """Make this process enqueue to (and read heartbeats from) `queue` instead of running
    jobs inline."""
    saved = HUEY.storage, HUEY._immediate
    HUEY.storage, HUEY._immediate = queue.storage, False
    try:
        yield
    finally:
        HUEY.storage, HUEY._immediate = saved


def worker_env(queue: Queue) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"RAPPORT_TESTING", "REDIS_URL", "HUEY_IMMEDIATE"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "HUEY_IMMEDIATE": "false",
        "LOG_LEVEL": "INFO",
        "HUEY_LOG_LEVEL": "INFO",  # the tests read "Executing ..." lines from the log
        "PYTHONUNBUFFERED": "1",
        **queue.env,
    }
    return env


@dataclass
class Process:
    """A subprocess started by a test, with its combined output in a log file."""

    process: subprocess.Popen
    log_path: Path
    name: str

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def executed(self, task: str) -> int:
        """How many times this worker finished running `task` (from huey's log)."""
        return sum(
            1
            for line in self.log().splitlines()
            if f"rapport.core.tasks.{task}:" in line and "executed in" in line
        )

    def wait_for(
        self, condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS
    ) -> None:
        """Poll `condition` until it holds; fail early if the process died."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(
                    f"the {self.name} exited ({self.process.returncode}) before {what}:\n"
                    f"{self.log()[-4000:]}"
                )
            time.sleep(0.2)
        pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}:\n{self.log()[-4000:]}")


@contextlib.contextmanager
def _started(name: str, command: list[str], env: dict[str, str], log_path: Path):
    """Start `command`; it is always stopped (then killed if it lingers) on exit."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Process(process, log_path, name)
    finally:
        _stop(process)


def start_worker(
    queue: Queue, log_path: Path, *args: str, command: tuple[str, ...] | None = None
) -> contextlib.AbstractContextManager[Process]:
    """A huey consumer (workers and scheduler) on `queue`."""
    if command is None:
        command = (str(BIN / "rapport"), "run_huey")
    return _started("worker", [*command, *args], worker_env(queue), log_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """Static files collected once per test process, as `make run` does before serving:
    production settings serve them from a manifest."""
    root = tmp_path_factory.mktemp("static")
    env = {key: value for key, value in os.environ.items() if key != "RAPPORT_TESTING"}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "STATIC_ROOT": str(root)}
    subprocess.run(
        [str(BIN / "rapport"), "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR, env=env, check=True, timeout=300,
    )  # fmt: skip
    return root


def start_web(
    queue: Queue, log_path: Path, port: int, static_root: Path, workers: int = 2
) -> contextlib.AbstractContextManager[Process]:
    """gunicorn with `workers` web processes, as `make run` starts it."""
    env = worker_env(queue) | {
        "SECURE_COOKIES": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_ROOT": str(static_root),
    }
    command = [
        str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--access-logfile", "-", "--log-level", "warning",
    ]  # fmt: skip
    return _started("web server", command, env, log_path)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_SECONDS)
