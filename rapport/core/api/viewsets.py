"""The base API viewset: scope before any handler, ETag/If-Match, writes via services.

A concrete viewset declares `queryset`-free attributes: `model`, `serializer_class`,
`filterset_class`, optional `write_serializer_class`, and overrides `create_object` /
`update_object` to call its domain service when the entity has rules.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from rapport.audit.api.serializers import AuditEventSerializer
from rapport.core import services
from rapport.core.api.errors import PreconditionFailed
from rapport.core.scoping import ScopedQuerysetMixin


def etag_matches(header: str, etag: str) -> bool:
    candidates = [value.strip() for value in header.split(",")]
    weak = [value[2:] if value.startswith("W/") else value for value in candidates]
    return "*" in weak or etag in weak


class ScopedViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Read-only base: every query starts from `model.objects.visible_to(user)`."""

    @extend_schema(responses=AuditEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """The audit history of this record (newest first), for anyone who may see it."""
        from rapport.audit.models import AuditEvent

        obj = self.get_object()
        events = AuditEvent.objects.history_for(obj, request.user).select_related("content_type")
        page = self.paginate_queryset(events)
        data = AuditEventSerializer(page, many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        response = Response(self.get_serializer(obj).data)
        return self._with_etag(response, obj)

    @staticmethod
    def _with_etag(response: Response, obj) -> Response:
        etag = getattr(obj, "etag", None)
        if etag:
            response["ETag"] = etag
        return response


class ScopedModelViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Read and write. Deleting is not offered: records are archived (DESIGN §6)."""

    write_serializer_class = None
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"} and self.write_serializer_class:
            return self.write_serializer_class
        return super().get_serializer_class()

    # --- hooks a concrete viewset overrides to call its domain service ---------------------
    def create_object(self, *, actor, data: dict[str, Any]):
        return services.create_object(actor=actor, model=self.model, data=data)

    def update_object(self, *, actor, obj, data: dict[str, Any], expected_version: int):
        return services.update_object(
            actor=actor, obj=obj, data=data, expected_version=expected_version
        )

    # --- the plumbing -----------------------------------------------------------------------
    def create(self, request, *args, **kwargs):
        if not self.model.objects.all().creatable_by(request.user):
            raise PermissionDenied()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = services.write_in_scope(
            request.user,
            lambda: self.create_object(actor=request.user, data=dict(serializer.validated_data)),
        )
        response = Response(self._read(obj), status=status.HTTP_201_CREATED)
        return self._with_etag(response, obj)

    def get_editable_object(self):
        """The object, 404 out of scope, 403 when read-only, 412 on a stale If-Match."""
        obj = self.get_object()
        if not self.model.objects.editable_by(self.request.user).filter(pk=obj.pk).exists():
            raise PermissionDenied()
        if_match = self.request.headers.get("If-Match")
        if if_match and not etag_matches(if_match, obj.etag):
            raise PreconditionFailed(changes=services.stale_changes(obj, version_of(if_match)))
        return obj

    def update(self, request, *args, partial: bool = False, **kwargs):
        obj = self.get_editable_object()
        serializer = self.get_serializer(obj, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        expected = obj.version
        obj = services.write_in_scope(
            request.user,
            lambda: self.update_object(
                actor=request.user,
                obj=obj,
                data=dict(serializer.validated_data),
                expected_version=expected,
            ),
        )
        return self._with_etag(Response(self._read(obj)), obj)

    def _read(self, obj) -> dict:
        fresh = self.get_queryset().get(pk=obj.pk)
        return self.serializer_class(fresh, context=self.get_serializer_context()).data


def version_of(etag_header: str) -> int:
    """The version number inside one of our ETags ("label-pk-vN"), or 0."""
    tail = etag_header.strip().strip('"').rsplit("-v", 1)
    try:
        return int(tail[1].strip('"')) if len(tail) == 2 else 0
    except ValueError:
        return 0


class ArchiveActionMixin:
    """Adds POST <detail>/archive/ to a ScopedModelViewSet (records are never deleted)."""

    def archive_object(self, *, actor, obj, expected_version: int):
        return services.archive_object(actor=actor, obj=obj, expected_version=expected_version)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        obj = self.get_editable_object()
        expected = obj.version
        obj = services.write_in_scope(
            request.user,
            lambda: self.archive_object(actor=request.user, obj=obj, expected_version=expected),
        )
        return self._with_etag(Response(self._read(obj)), obj)
