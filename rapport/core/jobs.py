"""User-visible long jobs: start one, report progress, finish with a result file.

A job kind is a function registered with `@job_kind("name")` that takes the Job and a
Reporter. `job_start` creates the Job row and enqueues the huey task after commit; the
task (core.tasks.run_job) looks the kind up here and runs it. Handlers act as the job's
owner, so everything they read starts from `visible_to(job.owner)`.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core.models import Job

log = logging.getLogger(__name__)

_kinds: dict[str, Callable[[Job, Reporter], None]] = {}


def job_kind(name: str) -> Callable:
    def decorate(func):
        _kinds[name] = func
        return func

    return decorate


def kinds() -> dict[str, Callable]:
    return dict(_kinds)


class Reporter:
    """Progress reporting for a running job; writes at most every `every` items."""

    def __init__(self, job: Job, every: int = 50):
        self.job = job
        self.every = max(1, every)
        self._lines: list[str] = []

    def total(self, total: int) -> None:
        self.job.total = total
        self.job.save(update_fields=["total", "updated_at"])

    def advance(self, done: int, **counts: int) -> None:
        self.job.progress = done
        self.job.counts.update(counts)
        if done % self.every == 0 or done >= self.job.total:
            self.job.save(update_fields=["progress", "counts", "updated_at"])

    def log(self, line: str) -> None:
        self._lines.append(line)
        self.job.log = "\n".join(self._lines)[-20000:]
        self.job.save(update_fields=["log", "updated_at"])

    def result(self, filename: str, content: bytes) -> None:
        self.job.result_file.save(filename, ContentFile(content), save=False)
        self.job.save(update_fields=["result_file", "updated_at"])


@transaction.atomic
def job_start(*, actor, kind: str, title: str, params: dict[str, Any] | None = None) -> Job:
    """Create a job and enqueue it once the surrounding transaction commits."""
    if kind not in _kinds:
        raise ValueError(f"Unknown job kind {kind!r}")
    job = Job.objects.create(kind=kind, title=title[:200], owner=actor, params=params or {})
    record(actor=actor, action=Action.JOB, obj=job, extra={"kind": kind, "params": params or {}})
    from rapport.core.tasks import run_job

    transaction.on_commit(lambda: run_job(job.pk))
    return job


def job_run(job_id: int) -> Job | None:
    """Run a queued job once; a job already started or finished is left alone (idempotent)."""
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    reporter = Reporter(job)
    try:
        _kinds[job.kind](job, reporter)
    except Exception as error:  # noqa: BLE001 - any failure is shown on the job page
        log.exception("job %s (%s) failed", job.pk, job.kind)
        job.status = Job.Status.FAILED
        job.error = f"{type(error).__name__}: {error}"[:2000]
        job.log = (job.log + "\n" + traceback.format_exc(limit=3))[-20000:]
    else:
        job.status = Job.Status.SUCCEEDED
        job.progress = job.total or job.progress
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "log", "progress", "counts", "finished_at", "updated_at"])
    return job
