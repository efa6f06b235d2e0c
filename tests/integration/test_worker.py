"""A real huey worker runs a user-started job: SqliteHuey always, RedisHuey when REDIS_URL is
set (DESIGN §9: the multi-process shape, proven on one machine).

The test process commits a job through `job_start` (the same service the export page calls);
a consumer subprocess, with production settings pointed at the test database and a queue of
its own, must pick it up and finish it with a result file.
"""

from __future__ import annotations

import csv
import io
import sys

import pytest

from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import record
from rapport.core import health
from rapport.core.jobs import job_start
from rapport.core.models import Job
from rapport.core.tasks import run_job
from rapport.org.models import User

from .conftest import start_worker, use_queue

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _owner() -> User:
    user = User.objects.create_user(
        username="exporter", email="exporter@example.com", password="correct-horse-battery-9"
    )
    record(actor=user, action=Action.UPDATE, obj=user, object_label="=cmd|' /C calc'!A0")
    record(actor=None, action=Action.UPDATE, object_label="not theirs")
    return user


def _finished(job_id: int) -> bool:
    return Job.objects.filter(
        pk=job_id, status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]
    ).exists()


def _assert_exported(job_id: int) -> list[list[str]]:
    job = Job.objects.get(pk=job_id)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert job.result_file.name.endswith(".csv")
    with job.result_file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    assert rows[0][:3] == ["time", "actor", "action"]
    labels = {row[5] for row in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in labels
    assert "not theirs" not in labels
    assert job.total == job.progress == len(rows) - 1
    return rows


def _run_one_job(queue, tmp_path, command=None) -> None:
    owner = _owner()
    with use_queue(queue), start_worker(queue, tmp_path / "worker.log", command=command) as w:
        # The worker says it is alive as soon as it starts, before the first periodic beat.
        w.wait_for(lambda: health.jobs_state()["worker_alive"], "the worker's first heartbeat")
        job = job_start(actor=owner, kind="audit_export", title="Audit log export")
        w.wait_for(lambda: _finished(job.pk), f"job {job.pk} to finish")
        _assert_exported(job.pk)
        # The worker ran it, not this process.
        w.wait_for(lambda: w.executed("run_job") == 1, "the worker to log the run")
        state = health.jobs_state()
        assert state["worker_alive"] and state["pending"] == 0


def test_sqlite_worker_runs_a_user_started_job(sqlite_queue, tmp_path):
    _run_one_job(sqlite_queue, tmp_path, command=(sys.executable, "-m", "config.worker"))


def test_redis_worker_runs_a_user_started_job(redis_queue, tmp_path):
    _run_one_job(redis_queue, tmp_path)


def test_two_redis_workers_share_jobs_and_run_each_once(redis_queue, tmp_path):
    """Workers scale out on Redis; one runs the scheduler, the other only works. A job handed
    out twice (a duplicate message) still runs once."""
    owner = _owner()
    with (
        use_queue(redis_queue),
        start_worker(redis_queue, tmp_path / "one.log") as one,
        start_worker(redis_queue, tmp_path / "two.log", "--no-periodic") as two,
    ):
        jobs = [
            job_start(actor=owner, kind="audit_export", title=f"Export {n}").pk for n in range(6)
        ]
        for job_id in jobs:
            run_job(job_id)  # the duplicate
        for job_id in jobs:
            one.wait_for(lambda job_id=job_id: _finished(job_id), f"job {job_id} to finish")
        two.wait_for(lambda: redis_queue.storage.queue_size() == 0, "the queue to drain")
        for job_id in jobs:
            _assert_exported(job_id)
            job = Job.objects.get(pk=job_id)
            exports = AuditEvent.objects.for_object(job).filter(action=Action.EXPORT)
            assert exports.count() == 1, f"job {job_id} ran {exports.count()} times"
        # Every message was delivered (12: each job twice) but each job ran once.
        one.wait_for(
            lambda: one.executed("run_job") + two.executed("run_job") == 12,
            "both workers to log every message",
        )
        assert one.process.poll() is None and two.process.poll() is None
