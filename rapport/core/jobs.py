"""User-visible long jobs: start one, report progress, finish with a result file.

A job kind is a function registered with `@job_kind("name")` that takes the Job and a
Reporter. `job_start` creates the Job row and enqueues the huey task after commit; the
task (core.tasks.run_job) looks the kind up here and runs it. Handlers act as the job's
owner, so everything they read starts from `visible_to(job.owner)`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core.models import Job

log = logging.getLogger(__name__)

LOG_LIMIT = 20000

_kinds: dict[str, Callable[[Job, Reporter], None]] = {}


def job_kind(name: str) -> Callable:
    """Register a job handler under `name` (one handler per name)."""

    def decorate(func):
        if _kinds.get(name, func) is not func:
            raise ValueError(f"Job kind {name!r} is already registered")
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
        self._lines: list[str] = [job.log] if job.log else []

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
        self.job.log = "\n".join(self._lines)[-LOG_LIMIT:]
        self.job.save(update_fields=["log", "updated_at"])

    def result(self, filename: str, content: bytes) -> None:
        self.job.result_file.save(filename, ContentFile(content), save=False)
        self.job.save(update_fields=["result_file", "updated_at"])


@transaction.atomic
def job_start(*, actor, kind: str, title: str, params: dict[str, Any] | None = None) -> Job:
    """Create a job and enqueue it once the surrounding transaction commits.

    If the transaction rolls back, the job row goes with it and nothing is enqueued.
    """
    if kind not in _kinds:
        raise ValueError(f"Unknown job kind {kind!r}")
    job = Job.objects.create(kind=kind, title=title[:200], owner=actor, params=params or {})
    record(
        actor=actor,
        action=Action.JOB,
        obj=job,
        object_label=job.title,
        extra={"kind": kind, "params": params or {}},
    )
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue(job_id))
    return job


def _enqueue(job_id: int) -> None:
    """Hand the job to huey; if the queue cannot take it, the job fails visibly at once
    instead of waiting forever as "queued"."""
    from rapport.core.tasks import run_job

    try:
        run_job(job_id)
    except Exception:
        log.exception("could not enqueue job %s", job_id)
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED,
            error=_("The job runner is unavailable. Please try again later."),
            finished_at=timezone.now(),
        )


def job_run(job_id: int) -> Job | None:
    """Run a queued job once; a job already started or finished is left alone (idempotent).

    The status change QUEUED -> RUNNING is one conditional UPDATE, so two workers handed
    the same id (a retry, a duplicate message) cannot both run it.
    """
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    if not claimed:
        return None
    job = Job.objects.select_related("owner").get(pk=job_id)
    reporter = Reporter(job)
    try:
        handler = _kinds.get(job.kind)
        if handler is None:
            raise LookupError(_("Unknown job kind %(kind)s.") % {"kind": job.kind})
        handler(job, reporter)
    except Exception as error:  # noqa: BLE001 - any failure is shown on the job page
        # The traceback goes to the server log; the user sees the error itself.
        log.exception("job %s (%s) failed", job.pk, job.kind)
        job.status = Job.Status.FAILED
        job.error = f"{type(error).__name__}: {error}"[:2000]
    else:
        job.status = Job.Status.SUCCEEDED
        job.progress = job.total or job.progress
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "progress", "counts", "finished_at", "updated_at"])
    return job


STALE_AFTER = dt.timedelta(hours=1)


def jobs_fail_stale(*, now=None) -> int:
    """Mark RUNNING jobs that have not reported for an hour as FAILED: their worker died
    (killed, restarted) and nothing else would ever finish them. Reporters write at least
    every 50 items, so a live job updates far more often than that."""
    now = now or timezone.now()
    return Job.objects.filter(status=Job.Status.RUNNING, updated_at__lt=now - STALE_AFTER).update(
        status=Job.Status.FAILED,
        error=_("The worker stopped while running this job. Please start it again."),
        finished_at=now,
        updated_at=now,
    )
