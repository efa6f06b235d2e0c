"""The home page per role and the job pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render

from rapport.core.models import Job
from rapport.core.navigation import panels_for
from rapport.org.models import Role
from rapport.org.scope import scope_for


@login_required
def home(request):
    scope = scope_for(request.user)
    panels = []
    for panel in panels_for(scope):
        context = panel.build(request) if panel.build else {}
        panels.append({"panel": panel, "context": context})
    context = {
        "panels": panels,
        "home_role": scope.home_role,
        "home_role_label": Role(scope.home_role).label,
    }
    return render(request, "core/home.html", context)


@login_required
def job_list(request):
    jobs = Job.objects.visible_to(request.user).select_related("owner")[:100]
    return render(request, "core/job_list.html", {"jobs": jobs})


@login_required
def job_detail(request, pk):
    """The job's page; while it runs, its progress block polls this view with htmx, which
    answers with the block alone (and stops polling once the job has finished)."""
    job = get_object_or_404(Job.objects.visible_to(request.user).select_related("owner"), pk=pk)
    template = "core/_job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk):
    """The result file, for the job's owner and admins only (404 for everyone else)."""
    job = get_object_or_404(Job.objects.visible_to(request.user), pk=pk)
    if not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = job.result_file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)
