"""API of the sales app: opportunities (with the stage move) and pipelines."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from rapport.core.api.pagination import DeepPagination
from rapport.core.api.viewsets import ArchiveActionMixin, ScopedModelViewSet
from rapport.core.services import write_in_scope
from rapport.sales import services
from rapport.sales.api import serializers as s
from rapport.sales.filters import OpportunityFilter, PipelineFilter
from rapport.sales.models import Opportunity, Pipeline, Stage, StageChange


class OpportunityViewSet(ArchiveActionMixin, ScopedModelViewSet):
    """Opportunities (商机). The owner and the leads above their team write them; stage
    moves go through POST …/move/ so that the history and the audit are kept."""

    model = Opportunity
    serializer_class = s.OpportunitySerializer
    filterset_class = OpportunityFilter
    select_related = ("customer", "owner", "stage")
    pagination_class = DeepPagination
    ordering_fields = ["created_at", "name", "amount", "expected_close", "stage_entered_at"]
    ordering = ["-created_at", "-id"]

    def create_object(self, *, actor, data):
        return services.opportunity_create(actor=actor, data=data)

    def update_object(self, *, actor, obj, data, expected_version):
        return services.opportunity_update(
            actor=actor, opportunity=obj, data=data, expected_version=expected_version
        )

    @extend_schema(request=s.MoveSerializer, responses=s.OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Move to another stage of the opportunity's pipeline. `reason` is required for a
        lost stage. Send If-Match with the ETag you read: a stale one answers 412."""
        opportunity = self.get_editable_object()
        body = s.MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        stage = Stage.objects.filter(
            pk=body.validated_data["stage"], pipeline_id=opportunity.pipeline_id
        ).first()
        if stage is None:
            raise ValidationError({"stage": _("Choose a stage of this opportunity's pipeline.")})
        expected = opportunity.version
        moved = write_in_scope(
            request.user,
            lambda: services.opportunity_move(
                actor=request.user,
                opportunity=opportunity,
                stage=stage,
                expected_version=expected,
                reason=body.validated_data.get("reason", ""),
            ),
        )
        return self._with_etag(Response(self._read(moved)), moved)

    @extend_schema(responses=s.StageChangeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="stage-changes")
    def stage_changes(self, request, pk=None):
        """The stage history, newest first, with the time spent in the previous stage."""
        opportunity = self.get_object()
        changes = (
            StageChange.objects.visible_to(request.user)
            .filter(opportunity=opportunity)
            .select_related("from_stage", "to_stage", "actor")
            .order_by("-changed_at", "-id")
        )
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(s.StageChangeSerializer(page, many=True).data)


class PipelineViewSet(ArchiveActionMixin, ScopedModelViewSet):
    """Sales pipelines with their stages. Everyone signed in reads them; admins write.
    A write may carry `stages`: every existing stage (by id) in the wanted order, plus
    new ones without an id."""

    model = Pipeline
    serializer_class = s.PipelineSerializer
    filterset_class = PipelineFilter
    prefetch_related = ("stages",)
    ordering_fields = ["name", "created_at"]
    ordering = ["-is_default", "name"]

    def create_object(self, *, actor, data):
        stages = [_stage_data(row) for row in data.pop("stages", [])]
        if not stages:
            raise ValidationError({"stages": _("List the stages of the new pipeline.")})
        return services.pipeline_create(actor=actor, data=data, stages=stages)

    def update_object(self, *, actor, obj, data, expected_version):
        stages = data.pop("stages", None)
        with transaction.atomic():
            obj = services.pipeline_update(
                actor=actor, pipeline=obj, data=data, expected_version=expected_version
            )
            if stages is not None:
                rows = [{**_stage_data(row), "id": row.get("id")} for row in stages]
                services.pipeline_set_stages(actor=actor, pipeline=obj, stages=rows)
        return obj

    @extend_schema(request=s.ReorderSerializer, responses=s.PipelineSerializer)
    @action(detail=True, methods=["post"])
    def reorder(self, request, pk=None):
        """Put the stages in the given order (every stage id once)."""
        pipeline = self.get_editable_object()
        body = s.ReorderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.stage_reorder(
            actor=request.user, pipeline=pipeline, stage_ids=body.validated_data["stages"]
        )
        return Response(self._read(pipeline))


def _stage_data(row: dict) -> dict:
    return {
        key: row[key] for key in ("name", "english_name", "probability", "outcome") if key in row
    }
