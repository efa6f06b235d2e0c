"""huey tasks of the core: run a user-visible job, and periodic housekeeping.

Tasks are thin: they take ids and call services (DESIGN §10.9). Periodic tasks are declared
here with `local_crontab`, whose times are in the site's TIME_ZONE (huey itself keeps UTC).
`rapport run_huey` imports every app's `tasks` module, which registers them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

log = logging.getLogger(__name__)


def local_crontab(**fields: str) -> Callable[[dt.datetime], bool]:
    """`huey.crontab` read in TIME_ZONE: "03:17" means 03:17 in Shanghai, not in UTC.

    huey hands the validator a naive UTC datetime (HUEY["utc"] is true).
    """
    matches = crontab(**fields)

    def validate(timestamp: dt.datetime) -> bool:
        if timezone.is_naive(timestamp):
            timestamp = timestamp.replace(tzinfo=dt.UTC)
        local = timezone.localtime(timestamp, timezone.get_default_timezone())
        return matches(local.replace(tzinfo=None))

    return validate


@db_task()
def run_job(job_id: int) -> None:
    from rapport.core.jobs import job_run

    job_run(job_id)


def purge_expired_sessions() -> int:
    """Delete sessions past their expiry date; returns how many went."""
    return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]


@db_periodic_task(local_crontab(minute="17", hour="3"))
def purge_expired_sessions_daily() -> int:
    removed = purge_expired_sessions()
    log.info("purged %d expired sessions", removed)
    return removed


@db_periodic_task(local_crontab(minute="37", hour="3", day_of_week="0"))
def purge_old_audit_events_weekly() -> int:
    """Apply the audit retention (AUDIT_RETENTION_DAYS, never under 180 days)."""
    from rapport.audit.services import audit_purge

    removed = audit_purge(older_than_days=settings.AUDIT_RETENTION_DAYS)
    log.info("purged %d audit events", removed)
    return removed


@db_periodic_task(crontab(minute="*/10"))
def fail_stale_jobs() -> int:
    from rapport.core.jobs import jobs_fail_stale

    return jobs_fail_stale()


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Proves to /healthz that the scheduler enqueues and a worker consumes, every minute."""
    from rapport.core.health import beat

    beat()


@on_startup()
def heartbeat_on_start() -> None:
    """A worker that just started is alive: say so before the first periodic beat."""
    from rapport.core.health import beat

    beat()
