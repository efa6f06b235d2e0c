"""huey tasks of the core: run a user-visible job, and periodic housekeeping.

Tasks are thin: they take ids and call services (DESIGN §10.9).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def run_job(job_id: int) -> None:
    from rapport.core.jobs import job_run

    job_run(job_id)


def purge_expired_sessions() -> int:
    """Delete sessions past their expiry date; returns how many went."""
    return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]


@db_periodic_task(crontab(minute="17", hour="3"))
def purge_expired_sessions_daily() -> int:
    return purge_expired_sessions()


@db_periodic_task(crontab(minute="37", hour="3", day_of_week="0"))
def purge_old_audit_events_weekly() -> int:
    from rapport.audit.services import audit_purge

    return audit_purge(older_than_days=settings.AUDIT_RETENTION_DAYS)


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Proves to /healthz that a worker is consuming the periodic schedule."""
    from rapport.core.health import beat

    beat()
