"""Job kinds of the audit app: the CSV export of the audit log."""

from __future__ import annotations

import csv
import io
import json
import zoneinfo

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.filters import AuditEventFilter
from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import record
from rapport.core.jobs import job_kind

# A cell starting with one of these is read as a formula by Excel, LibreOffice and WPS.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
HEADER = [
    "time", "actor", "action", "object_type", "object_id", "object", "changes", "ip_address",
    "request_id",
]  # fmt: skip


def _cell(value) -> str:
    """Neutralise spreadsheet formulas in exported text (a leading apostrophe)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _owner_time_zone(user) -> zoneinfo.ZoneInfo | None:
    """Times in the export are in the owner's time zone (as on their pages), with offset."""
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@job_kind("audit_export")
def export_audit_csv(job, reporter) -> None:
    """The events the job's owner may see, filtered as on the audit page, as UTF-8 CSV
    (with a BOM, so Excel reads Chinese text right)."""
    visible = AuditEvent.objects.visible_to(job.owner)
    events = AuditEventFilter(job.params, queryset=visible).qs
    # Events written while the export runs (its own audit rows, other jobs') stay out, so
    # the count and the file agree.
    last_id = events.aggregate(last=Max("pk"))["last"] or 0
    events = events.filter(pk__lte=last_id).select_related("content_type")
    events = events.order_by("-occurred_at", "-id")
    tz = _owner_time_zone(job.owner) or timezone.get_default_timezone()
    reporter.total(events.count())
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    done = 0
    for event in events.iterator(chunk_size=500):
        content_type = event.content_type
        object_type = f"{content_type.app_label}.{content_type.model}" if content_type else ""
        row = (
            timezone.localtime(event.occurred_at, tz).isoformat(),
            event.actor_label,
            event.action,
            object_type,
            event.object_id,
            event.object_label,
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else "",
            event.ip_address,
            event.request_id,
        )
        writer.writerow([_cell(value) for value in row])
        done += 1
        reporter.advance(done, rows=done)
    reporter.result(f"audit-{job.pk}.csv", ("\ufeff" + buffer.getvalue()).encode("utf-8"))
    reporter.log(_("%(count)d events exported.") % {"count": done})
    record(
        actor=job.owner, action=Action.EXPORT, obj=job, object_label=job.title, extra={"rows": done}
    )
