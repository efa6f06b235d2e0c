"""The import wizard (upload → columns and options → dry run → run → summary) and the
export form every list can use. Each step calls one service; runs are the uploader's."""

from __future__ import annotations

from itertools import islice

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.imports import exports, services
from rapport.imports.forms import MappingForm, UploadForm
from rapport.imports.models import ImportRun
from rapport.imports.reading import FileProblem, open_table

PREVIEW_ROWS = 3


def _run(request, pk) -> ImportRun:
    queryset = ImportRun.objects.visible_to(request.user).select_related("job", "import_for")
    return get_object_or_404(queryset, pk=pk)


def _errors_to_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def import_list(request):
    can_import = ImportRun.objects.all().creatable_by(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.import_create(
                    actor=request.user,
                    entity=form.cleaned_data["entity"],
                    upload=form.cleaned_data["file"],
                )
            except ValidationError as error:
                form.add_error("file", error.messages)
            else:
                return redirect("imports:map", pk=run.pk)
    runs = ImportRun.objects.visible_to(request.user).select_related("owner")[:50]
    context = {"form": form, "runs": runs, "can_import": can_import}
    return render(request, "imports/import_list.html", context, status=400 if form.errors else 200)


def _preview(run: ImportRun) -> list[list[str]]:
    try:
        with run.file.open("rb") as handle:
            table = open_table(handle, run.filename)
            return [cells for _line, cells in islice(table.rows, PREVIEW_ROWS)]
    except (FileProblem, OSError):
        return []


@login_required
def import_map(request, pk):
    run = _run(request, pk)
    owners = services.owners_for(request.user)
    form = MappingForm(request.POST or None, run=run, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_configure(
                actor=request.user,
                run=run,
                mapping=form.mapping(),
                duplicates=form.cleaned_data["duplicates"],
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
                import_for=form.cleaned_data["import_for"],
            )
            services.import_start(actor=request.user, run=run, dry_run=True)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return redirect("imports:detail", pk=run.pk)
    preview = _preview(run)
    samples = [
        ", ".join(row[index] for row in preview if index < len(row) and row[index])[:80]
        for index in range(len(run.headers))
    ]
    context = {
        "run": run,
        "form": form,
        "rows": zip(form.column_fields(), samples, strict=True),
        "same_file": services.same_file_before(run),
    }
    return render(request, "imports/import_map.html", context, status=400 if form.errors else 200)


@login_required
def import_detail(request, pk):
    """The run's page; while a job works, its status block polls this view with htmx."""
    run = _run(request, pk)
    context = {
        "run": run,
        "job": run.job,
        "same_file": services.same_file_before(run),
        "can_edit": ImportRun.objects.editable_by(request.user).filter(pk=run.pk).exists(),
    }
    template = "imports/_status.html" if request.htmx else "imports/import_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def import_run(request, pk):
    run = _run(request, pk)
    dry_run = request.POST.get("dry_run") == "1"
    try:
        services.import_start(actor=request.user, run=run, dry_run=dry_run)
    except ValidationError as error:
        _errors_to_messages(request, error)
    return redirect("imports:detail", pk=run.pk)


def error_file_response(run: ImportRun, fmt: str):
    if not run.error_file:
        raise Http404
    try:
        with run.error_file.open("rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404 from None
    if fmt == "xlsx":
        content = exports.csv_to_xlsx(content)
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = f'attachment; filename="errors-{run.pk}.xlsx"'
        return response
    return FileResponse(
        iter([content]),
        as_attachment=True,
        filename=f"errors-{run.pk}.csv",
        content_type=exports.CONTENT_TYPES["csv"],
    )


@login_required
def import_errors(request, pk):
    """The bad rows with their reasons (CSV, or ?format=xlsx)."""
    return error_file_response(_run(request, pk), request.GET.get("format", "csv"))


@login_required
@require_POST
def export(request):
    """The export form of a list page (entity, format, the list's own filters as hidden
    inputs): the list as the page shows it, with the page's defaults, as a file at once
    when small, else as a job whose page offers the download. POST only: an export is
    audited and may start a job, so a cross-site link must not trigger one."""
    params = request.POST.copy()
    entity = params.pop("entity", [""])[-1]
    fmt = params.pop("format", ["xlsx"])[-1]
    back = params.pop("next", [""])[-1]
    try:
        filters = exports.page_filters(user=request.user, entity=entity, params=params)
        result = exports.export_start(actor=request.user, entity=entity, fmt=fmt, filters=filters)
    except ValidationError as error:
        if back and url_has_allowed_host_and_scheme(
            back, {request.get_host()}, require_https=request.is_secure()
        ):
            _errors_to_messages(request, error)
            return redirect(back)
        return HttpResponse("; ".join(error.messages), status=400, content_type="text/plain")
    if isinstance(result, tuple):
        filename, content = result
        response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    messages.info(request, _("The export is large; it runs as a job. Download it here when done."))
    return redirect(result.get_absolute_url())
