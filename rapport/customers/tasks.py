"""Periodic jobs of the customer book (times are the site's local time).

Thin, as DESIGN §10.9 asks: each starts a `Job` (so admins see when it ran, what it did
and any error on the Jobs page) whose handler calls the services.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_periodic_task

from rapport.core.jobs import job_kind, job_start
from rapport.core.tasks import local_crontab

log = logging.getLogger(__name__)


@job_kind("customers.reclaim")
def reclaim_job(job, reporter) -> None:
    """Reclaim what is due, then log the customers inside their warning window (the home
    panel shows owners theirs; the notify app will mail them)."""
    from rapport.customers.services.reclaim import pool_reclaim, reclaim_warnings

    moved = pool_reclaim(dry_run=bool(job.params.get("dry_run")))
    warnings = reclaim_warnings()
    reporter.total(len(moved))
    reporter.advance(len(moved), moved=len(moved), warnings=len(warnings))
    reporter.log(
        _("%(moved)s customers reclaimed; %(warned)s will be reclaimed within their warning days.")
        % {"moved": len(moved), "warned": len(warnings)}
    )
    log.info("reclaim: %d moved, %d warned", len(moved), len(warnings))


@job_kind("customers.refresh_due")
def refresh_due_job(job, reporter) -> None:
    """Recompute every customer's due and reclaim dates: the overdue lists read them."""
    from rapport.customers.services.tiers import recompute_book

    counts = recompute_book(tiers=False)
    reporter.total(counts["customers"])
    reporter.advance(counts["customers"], **counts)


@db_periodic_task(local_crontab(minute="30", hour="1"))
def refresh_due_dates_daily() -> None:
    job_start(actor=None, kind="customers.refresh_due", title=_("Refresh due and overdue dates"))


@db_periodic_task(local_crontab(minute="0", hour="2"))
def reclaim_nightly() -> None:
    job_start(
        actor=None,
        kind="customers.reclaim",
        title=_("Pool reclaim of %(day)s") % {"day": timezone.localdate().isoformat()},
    )
