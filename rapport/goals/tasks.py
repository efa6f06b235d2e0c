"""Periodic jobs of goals: the nightly KPI snapshot (times are the site's local time)."""

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
