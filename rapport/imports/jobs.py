"""Job kinds of the imports app: checking or running an import, and a large export."""

from __future__ import annotations

import json

from django.db import DatabaseError, connection, connections
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core.jobs import job_kind
from rapport.imports import exports
from rapport.imports.models import ImportRun
from rapport.imports.services import import_execute


class SideProgress:
    """Progress written while the import's own transaction is open. On PostgreSQL a second
    connection writes it (with a short lock timeout, best effort), so the job page moves
    while the rows are still uncommitted. SQLite has one writer at a time: there the
    progress of a real run is written with the run and shows when it commits."""

    def __init__(self, reporter, *, inside_transaction: bool):
        self.reporter = reporter
        self.side = None
        if inside_transaction and connection.vendor == "postgresql":
            self.side = connections.create_connection("default")

    def __call__(self, done: int, counts: dict) -> None:
        job = self.reporter.job
        job.total = max(job.total, done)
        if self.side is None:
            self.reporter.advance(done, **counts)
            return
        job.progress = done
        job.counts.update(counts)
        try:
            with self.side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '200ms'")
                cursor.execute(
                    "UPDATE core_job SET progress = %s, counts = %s, updated_at = now() "
                    "WHERE id = %s",
                    [done, json.dumps(job.counts), job.pk],
                )
        except DatabaseError:
            pass  # progress is a courtesy; the import itself must not fail for it

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


@job_kind("import")
def run_import(job, reporter) -> None:
    run = ImportRun.objects.select_related("owner", "import_for").get(pk=job.params["run"])
    dry_run = bool(job.params.get("dry_run", True))
    with run.file.open("rb"):
        pass  # the file is still there (a missing file fails the job here, visibly)
    reporter.total(max(1, run.counts.get("estimated", 0), run.counts.get("rows", 0)))
    progress = SideProgress(reporter, inside_transaction=not dry_run)
    try:
        outcome = import_execute(run=run, dry_run=dry_run, progress=progress)
    finally:
        progress.close()
    run.refresh_from_db()
    if outcome is None:
        raise RuntimeError(run.error)
    job.counts.update(outcome.counts)
    reporter.total(outcome.counts["rows"])
    reporter.advance(outcome.counts["rows"], **outcome.counts)
    if run.error:
        reporter.log(run.error)
    if run.error_file:
        with run.error_file.open("rb") as handle:
            reporter.result(f"errors-{run.pk}.csv", handle.read())


@job_kind("export")
def run_export(job, reporter) -> None:
    entity, fmt = job.params["entity"], job.params["format"]
    filters = job.params.get("filters") or {}
    spec = exports.spec_for(entity)
    queryset = exports.export_queryset(user=job.owner, entity=entity, filters=filters)
    total = queryset.count()
    reporter.total(total)
    content = exports.write(
        spec, exports.rows_of(spec, queryset), fmt, progress=lambda done: reporter.advance(done)
    )
    reporter.advance(total, rows=total)
    reporter.result(exports.filename_for(entity, fmt), content)
    reporter.log(_("%(count)d rows exported.") % {"count": total})
    record(
        actor=job.owner,
        action=Action.EXPORT,
        obj=job,
        object_label=job.title,
        extra={"entity": entity, "format": fmt, "rows": total, "filters": filters},
    )
