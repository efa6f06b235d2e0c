"""The audit log page, per-object history, and the CSV export job."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.audit.filters import AuditEventFilter
from rapport.audit.models import AuditEvent
from rapport.core.jobs import job_start
from rapport.core.views import ScopedListView


class AuditEventListView(ScopedListView):
    model = AuditEvent
    filterset_class = AuditEventFilter
    select_related = ("content_type", "actor")
    template_name = "audit/event_list.html"
    ordering = ["-occurred_at", "-id"]


@login_required
def object_history(request, label: str, pk: str):
    """History of one object: the object must be visible to the user, else 404."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404 from None
    manager = getattr(model.objects, "visible_to", None)
    if manager is None:
        raise Http404
    try:
        key = model._meta.pk.to_python(pk)
    except (ValidationError, ValueError, TypeError):
        raise Http404 from None
    obj = get_object_or_404(model.objects.visible_to(request.user), pk=key)
    events = AuditEvent.objects.history_for(obj, request.user).select_related("actor")[:200]
    return render(request, "audit/_history.html", {"events": events, "object": obj})


@login_required
@require_POST
def export_start(request):
    params = request.POST.dict()
    params.pop("csrfmiddlewaretoken", None)
    job = job_start(
        actor=request.user,
        kind="audit_export",
        title=_("Audit log export"),
        params={k: v[:200] for k, v in params.items()},
    )
    messages.info(request, _("The export is running; this page shows its progress."))
    return redirect(job.get_absolute_url())
