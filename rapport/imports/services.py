"""Imports, step by step: upload a file, choose its columns and options, check it (dry
run), import it. Pages, the API, the job and the `rapport import` command all call these.

A real run is ONE transaction: any failure, a bad row in an all-or-nothing run, or a
worker killed half-way leaves no imported row behind (DESIGN §6).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.imports import engine
from rapport.imports import mapping as mappings
from rapport.imports.base import Context, handler_for
from rapport.imports.models import Duplicates, ImportMapping, ImportRun, ImportStatus
from rapport.imports.reading import FileProblem, check_size, open_table


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for block in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(block)
    upload.seek(0)
    return digest.hexdigest()


def remembered_mapping(*, user, entity: str, headers: list[str]) -> list[str] | None:
    saved = ImportMapping.objects.filter(
        owner=user, entity=entity, signature=mappings.signature(headers)
    ).first()
    return list(saved.mapping) if saved else None


@transaction.atomic
def import_create(*, actor, entity: str, upload, filename: str = "") -> ImportRun:
    """Store an uploaded file after checking it can be read; guess its columns (or take
    the ones this user chose last time for the same headers)."""
    if not ImportRun.objects.all().creatable_by(actor):
        raise PermissionDenied
    handler = handler_for(entity)
    filename = (filename or getattr(upload, "name", "") or "upload").rsplit("/", 1)[-1][:200]
    size = getattr(upload, "size", None)
    if size is not None:
        check_size(size)
    table = open_table(upload, filename)
    headers = table.headers
    guessed = remembered_mapping(user=actor, entity=entity, headers=headers)
    guessed = (
        guessed if guessed and len(guessed) == len(headers) else mappings.guess(handler, headers)
    )
    upload.seek(0)
    run = ImportRun(
        owner=actor,
        entity=entity,
        filename=filename,
        size=size or 0,
        sha256=_sha256(upload),
        kind=table.kind,
        encoding=table.encoding,
        headers=headers,
        mapping=guessed,
        import_for=actor,
        counts={"estimated": table.estimated_rows},
    )
    run.file.save(filename, upload, save=False)
    run.save()
    record(actor=actor, action=Action.CREATE, obj=run, extra={"sha256": run.sha256})
    return run


def same_file_before(run: ImportRun) -> ImportRun | None:
    """An earlier import of the same file (by checksum) by the same user, for a warning."""
    return (
        ImportRun.objects.filter(
            owner_id=run.owner_id, entity=run.entity, sha256=run.sha256, status=ImportStatus.DONE
        )
        .exclude(pk=run.pk)
        .filter(dry_run=False)
        .order_by("-created_at")
        .first()
    )


def _editable(actor, run: ImportRun) -> ImportRun:
    if not ImportRun.objects.editable_by(actor).filter(pk=run.pk).exists():
        raise PermissionDenied
    # A run whose job died (worker killed, marked failed by jobs_fail_stale) may start again:
    # its transaction was rolled back, so nothing of it was written.
    if run.is_busy and not (run.job and run.job.status == "failed"):
        raise ValidationError(_("This import is running; wait until it has finished."))
    if run.status == ImportStatus.DONE:
        raise ValidationError(
            _("This file has been imported already; upload it again to re-import.")
        )
    return run


def owners_for(actor):
    from rapport.customers.selectors import assignable_owners

    return assignable_owners(actor)


@transaction.atomic
def import_configure(
    *,
    actor,
    run: ImportRun,
    mapping: list[str] | None = None,
    duplicates: str | None = None,
    skip_bad_rows: bool | None = None,
    import_for=None,
) -> ImportRun:
    """Set the columns and the options; the mapping is remembered for these headers."""
    _editable(actor, run)
    handler = handler_for(run.entity)
    if mapping is not None:
        run.mapping = mappings.check(handler, run.headers, mapping)
        ImportMapping.objects.update_or_create(
            owner=actor,
            entity=run.entity,
            signature=mappings.signature(run.headers),
            defaults={"mapping": run.mapping},
        )
    else:
        mappings.check(handler, run.headers, run.mapping)
    if duplicates is not None:
        if duplicates not in Duplicates.values:
            raise ValidationError({"duplicates": _("Choose skip, update or create.")})
        run.duplicates = duplicates
    if skip_bad_rows is not None:
        run.skip_bad_rows = bool(skip_bad_rows)
    if import_for is not None:
        if not owners_for(actor).filter(pk=import_for.pk).exists():
            raise ValidationError(
                {"import_for": _("You may not import records for %(user)s.") % {"user": import_for}}
            )
        run.import_for = import_for
    run.status = ImportStatus.UPLOADED
    run.save()
    return run


@transaction.atomic
def import_start(*, actor, run: ImportRun, dry_run: bool = True):
    """Check (dry run) or import the file as a background job; returns the Job."""
    from rapport.core.jobs import job_start

    _editable(actor, run)
    mappings.check(handler_for(run.entity), run.headers, run.mapping)
    if not dry_run and run.status == ImportStatus.CHECKED and not run.can_run:
        raise ValidationError(
            _("The dry run found bad rows: fix the file, or choose to skip bad rows.")
        )
    title = (_("Check %(file)s") if dry_run else _("Import %(file)s")) % {"file": run.filename}
    job = job_start(
        actor=actor, kind="import", title=title, params={"run": run.pk, "dry_run": dry_run}
    )
    run.status = ImportStatus.CHECKING if dry_run else ImportStatus.RUNNING
    run.dry_run = dry_run
    run.job = job
    run.save(update_fields=["status", "dry_run", "job", "updated_at"])
    return job


def import_execute(
    *, run: ImportRun, dry_run: bool, progress: Callable[[int, dict], None] | None = None
) -> engine.Outcome | None:
    """The work of the import job (and of the command): check or import the file."""
    handler = handler_for(run.entity)
    ctx = Context(
        actor=run.owner,
        owner=run.import_for or run.owner,
        duplicates=run.duplicates,
        dry_run=dry_run,
        run_id=run.pk,
    )
    outcome = None
    try:
        with run.file.open("rb") as handle:
            table = open_table(handle, run.filename)
            if dry_run:
                outcome = _go(table, handler, run, ctx, progress)
            else:
                with transaction.atomic():
                    outcome = _go(table, handler, run, ctx, progress)
                    if outcome.failed and not run.skip_bad_rows:
                        transaction.set_rollback(True)
                    else:
                        record(
                            actor=run.owner,
                            action=Action.UPDATE,
                            obj=run,
                            object_label=str(run),
                            extra={"imported": outcome.counts},
                        )
    except FileProblem as problem:
        run.dry_run = dry_run
        _finish(run, status=ImportStatus.FAILED, error=problem.message_text)
        return None
    run.dry_run = dry_run
    _finish_with(run, outcome, dry_run)
    return outcome


def _go(table, handler, run, ctx, progress):
    return engine.run(
        table=table,
        handler=handler,
        mapping=run.mapping,
        ctx=ctx,
        skip_bad_rows=run.skip_bad_rows,
        progress=progress,
    )


def _finish_with(run: ImportRun, outcome: engine.Outcome, dry_run: bool) -> None:
    counts = dict(outcome.counts)
    error = ""
    if dry_run:
        status = ImportStatus.CHECKED
    elif outcome.failed and not run.skip_bad_rows:
        status, error = (
            ImportStatus.FAILED,
            _(
                "Nothing was imported: %(n)s rows have problems. "
                "Fix them, or choose to skip bad rows."
            )
            % {"n": counts["errors"]},
        )
        counts["create"] = counts["update"] = 0
    else:
        status = ImportStatus.DONE
    run.problems = outcome.problems
    if outcome.bad_rows:
        run.error_file.save(
            f"errors-{run.pk}.csv", ContentFile(error_csv(run, outcome)), save=False
        )
    elif run.error_file:
        run.error_file = ""
    _finish(run, status=status, error=error, counts=counts)


def _finish(run: ImportRun, *, status: str, error: str = "", counts=None) -> None:
    run.status = status
    run.error = error
    if counts is not None:
        run.counts = counts
    run.finished_at = timezone.now()
    run.save()


def error_csv(run: ImportRun, outcome: engine.Outcome) -> bytes:
    """The bad rows as they were in the file, with the line and the reason; UTF-8 with a
    BOM so Excel opens Chinese text, formulas neutralised."""
    from rapport.imports.exports import safe_cell

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Line"), _("Reason"), *run.headers])
    for line, cells, reason in outcome.bad_rows:
        writer.writerow([line, safe_cell(reason), *(safe_cell(cell) for cell in cells)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
