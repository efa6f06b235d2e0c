"""Pipeline pages: everyone reads the stages; admins add, rename and reorder them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core import views as base
from rapport.org.scope import scope_for
from rapport.sales import services
from rapport.sales.filters import PipelineFilter
from rapport.sales.forms import PipelineForm, StageForm
from rapport.sales.models import Pipeline, Stage
from rapport.sales.services import default_pipeline


class PipelineListView(base.ScopedListView):
    model = Pipeline
    filterset_class = PipelineFilter
    template_name = "sales/pipeline_list.html"


class PipelineDetailView(base.ScopedDetailView):
    model = Pipeline
    template_name = "sales/pipeline_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stage_list"] = list(self.object.stages.order_by("position"))
        if context["can_edit"]:
            context["stage_form"] = StageForm()
        return context


class PipelineCreateView(base.ScopedCreateView):
    """A new pipeline starts with a copy of the default pipeline's stages."""

    model = Pipeline
    form_class = PipelineForm
    template_name = "sales/pipeline_form.html"

    def create_object(self, *, actor, data):
        template = default_pipeline()
        stages = [
            {
                "name": stage.name,
                "english_name": stage.english_name,
                "probability": stage.probability,
                "outcome": stage.outcome,
            }
            for stage in template.stages.order_by("position")
        ]
        return services.pipeline_create(actor=actor, data=data, stages=stages)


class PipelineUpdateView(base.ScopedUpdateView):
    model = Pipeline
    form_class = PipelineForm
    template_name = "sales/pipeline_form.html"

    def update_object(self, *, actor, obj, data, expected_version):
        return services.pipeline_update(
            actor=actor, pipeline=obj, data=data, expected_version=expected_version
        )


class StageUpdateView(base.ScopedUpdateView):
    model = Stage
    form_class = StageForm
    template_name = "sales/pipeline_form.html"

    def get_success_url(self):
        return self.object.pipeline.get_absolute_url()

    def update_object(self, *, actor, obj, data, expected_version):
        return services.stage_update(
            actor=actor, stage=obj, data=data, expected_version=expected_version
        )


def _admin_pipeline(request, pk) -> Pipeline:
    pipeline = get_object_or_404(Pipeline.objects.visible_to(request.user), pk=pk)
    if not scope_for(request.user).is_admin:
        raise PermissionDenied
    return pipeline


@login_required
@require_POST
def stage_add(request, pk):
    pipeline = _admin_pipeline(request, pk)
    form = StageForm(request.POST)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in StageForm._meta.fields}
        try:
            services.stage_create(actor=request.user, pipeline=pipeline, data=data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Stage added."))
            return redirect(pipeline.get_absolute_url())
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                text = _("%(field)s: %(error)s") % {"field": label, "error": error}
                messages.error(request, text if label else error)
    stage_list = list(pipeline.stages.order_by("position"))
    context = {"object": pipeline, "stage_list": stage_list, "can_edit": True, "stage_form": form}
    return render(request, "sales/pipeline_detail.html", context, status=400)


@login_required
@require_POST
def stage_shift(request, pk, stage_pk):
    """Move one stage up or down (the page's reorder buttons)."""
    pipeline = _admin_pipeline(request, pk)
    order = list(pipeline.stages.order_by("position").values_list("pk", flat=True))
    if stage_pk not in order:
        raise PermissionDenied
    index = order.index(stage_pk)
    target = index - 1 if request.POST.get("direction") == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
        services.stage_reorder(actor=request.user, pipeline=pipeline, stage_ids=order)
    return redirect(pipeline.get_absolute_url())
