"""Periodic jobs of goals: the nightly KPI snapshot and the hourly digest run (times are the
site's local time)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_periodic_task

from rapport.core.jobs import job_kind, job_start
from rapport.core.tasks import local_crontab


@job_kind("goals.snapshot")
def snapshot_job(job, reporter) -> None:
    """Snapshot the given days (default: yesterday); a metric that fails (a currency
    without a rate) is logged and the others are still written."""
    from rapport.goals import catalog
    from rapport.goals.periods import DayRange, local_today
    from rapport.goals.snapshots import snapshot_range

    yesterday = local_today() - dt.timedelta(days=1)
    first = dt.date.fromisoformat(job.params.get("from") or yesterday.isoformat())
    last = dt.date.fromisoformat(job.params.get("to") or first.isoformat())
    reporter.total(len(catalog.stored_metrics()))
    result = snapshot_range(DayRange(first, last), progress=lambda metric: reporter.advance(1))
    reporter.log(
        _("%(rows)s values of %(metrics)s metrics for %(first)s – %(last)s.")
        % {"rows": result.rows, "metrics": result.metrics, "first": first, "last": last}
    )
    for key, message in result.errors.items():
        reporter.log(f"{key}: {message}")
    if result.errors:
        raise RuntimeError(
            _("Some metrics could not be computed: %(keys)s")
            % {"keys": ", ".join(sorted(result.errors))}
        )


@db_periodic_task(local_crontab(minute="40", hour="0"))
def kpi_snapshot_nightly() -> None:
    job_start(actor=None, kind="goals.snapshot", title=_("KPI snapshot of yesterday"))


@job_kind("goals.digests")
def digests_job(job, reporter) -> None:
    """Send the digests listed in the job's params (found due by the hourly task); a
    digest that fails is logged here and the others still go."""
    from rapport.goals.digest_schedule import Due
    from rapport.goals.services_digest import digests_send_due

    dues = [Due.from_params(item) for item in job.params.get("due", [])]
    reporter.total(len(dues))
    failed = 0

    def progress(done: int, outcome) -> None:
        nonlocal failed
        digest = outcome.digest
        if outcome.ok:
            reporter.log(f"{digest.email or outcome.due.user_id}: {digest.get_status_display()}")
        else:
            failed += 1
            reporter.log(
                _("User %(user)s, %(kind)s: %(error)s")
                % {"user": outcome.due.user_id, "kind": outcome.due.kind, "error": outcome.error}
            )
        reporter.advance(done, sent=done - failed, failed=failed)

    digests_send_due(dues, progress=progress)
    if failed:
        raise RuntimeError(
            _("%(failed)s of %(total)s digests could not be sent.")
            % {"failed": failed, "total": len(dues)}
        )


@db_periodic_task(local_crontab(minute="5"))
def digests_hourly() -> None:
    """Every hour: start one job for the digests whose time has come (each recipient's
    day and hour, in their time zone), if any."""
    from rapport.goals.digest_schedule import due

    found = due()
    if found:
        job_start(
            actor=None,
            kind="goals.digests",
            title=_("Digests: %(count)s to send") % {"count": len(found)},
            params={"due": [item.as_params() for item in found]},
        )
