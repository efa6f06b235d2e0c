"""Job kinds of the audit app: the CSV export of the audit log."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from rapport.audit.filters import AuditEventFilter
from rapport.audit.models import AuditEvent
from rapport.core.jobs import job_kind


def _cell(value) -> str:
    """Neutralise spreadsheet formulas in exported text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@job_kind("audit_export")
def export_audit_csv(job, reporter) -> None:
    events = AuditEventFilter(job.params, queryset=AuditEvent.objects.visible_to(job.owner)).qs
    events = events.select_related("content_type").order_by("-occurred_at", "-id")
    reporter.total(events.count())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["time", "actor", "action", "object_type", "object_id", "object",
                     "changes", "ip_address", "request_id"])
    done = 0
    for event in events.iterator(chunk_size=500):
        object_type = f"{event.content_type.app_label}.{event.content_type.model}" if event.content_type_id else ""
        writer.writerow([_cell(v) for v in (
            event.occurred_at.isoformat(), event.actor_label, event.action, object_type,
            event.object_id, event.object_label, event.changes, event.ip_address, event.request_id,
        )])
        done += 1
        reporter.advance(done, rows=done)
    reporter.result(f"audit-{job.pk}.csv", ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    reporter.log(_("%(count)d events exported.") % {"count": done})
