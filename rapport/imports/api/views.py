"""/api/v1/imports/ (upload with options, then watch the job; the error file) and
/api/v1/exports/ (a list as filtered: the file at once, or a job when large)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from rapport.core.api.jobs import JobSerializer
from rapport.core.api.viewsets import ScopedViewSet
from rapport.imports import exports, services
from rapport.imports.api.serializers import (
    ExportSerializer,
    ImportCreateSerializer,
    ImportRunActionSerializer,
    ImportRunSerializer,
)
from rapport.imports.models import ImportRun
from rapport.imports.views import error_file_response

FILE_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The file (CSV or XLSX).")


class ImportRunViewSet(mixins.CreateModelMixin, ScopedViewSet):
    """Imports you started (admins: all). POST a file with options: it is checked (dry
    run, the default) or imported as a job; poll the import or its job to watch it."""

    model = ImportRun
    serializer_class = ImportRunSerializer
    select_related = ("job", "owner", "import_for")
    filterset_fields = ["entity"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_serializer_class(self):
        if self.action == "create":
            return ImportCreateSerializer
        if self.action == "start":
            return ImportRunActionSerializer
        return ImportRunSerializer

    def _owner(self, username: str | None):
        if not username:
            return None
        owner = services.owners_for(self.request.user).filter(username=username).first()
        if owner is None:
            raise ValidationError(
                {"owner": _("You may not import records for %(user)s.") % {"user": username[:60]}}
            )
        return owner

    @extend_schema(request=ImportCreateSerializer, responses={201: ImportRunSerializer})
    def create(self, request, *args, **kwargs):
        if not ImportRun.objects.all().creatable_by(request.user):
            raise PermissionDenied()
        serializer = ImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        owner = self._owner(data.get("owner"))
        run = services.import_create(actor=request.user, entity=data["entity"], upload=data["file"])
        services.import_configure(
            actor=request.user,
            run=run,
            mapping=data.get("mapping"),
            duplicates=data["duplicates"],
            skip_bad_rows=data["skip_bad_rows"],
            import_for=owner,
        )
        services.import_start(actor=request.user, run=run, dry_run=data["dry_run"])
        fresh = self.get_queryset().get(pk=run.pk)
        return Response(
            ImportRunSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ImportRunActionSerializer, responses=ImportRunSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Run the import (dry_run false) or check it again, with the options it has."""
        run = self.get_object()
        if not ImportRun.objects.editable_by(request.user).filter(pk=run.pk).exists():
            raise PermissionDenied()
        serializer = ImportRunActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.import_start(
            actor=request.user, run=run, dry_run=serializer.validated_data["dry_run"]
        )
        fresh = self.get_queryset().get(pk=run.pk)
        return Response(ImportRunSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["csv", "xlsx"])],
        responses={200: FILE_RESPONSE},
    )
    @action(detail=True, methods=["get"], url_path="errors")
    def errors(self, request, pk=None):
        """The bad rows of the last run with their reasons (404 when there were none)."""
        run = self.get_object()
        if not run.error_file:
            raise NotFound()
        return error_file_response(run, request.query_params.get("format", "csv"))


class ExportViewSet(viewsets.ViewSet):
    """Export a list as filtered: only rows you may see, formulas neutralised, audited."""

    serializer_class = ExportSerializer

    @extend_schema(
        request=ExportSerializer,
        responses={200: FILE_RESPONSE, 202: JobSerializer},
    )
    def create(self, request):
        if not request.user.is_authenticated:
            raise PermissionDenied()
        serializer = ExportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = exports.export_start(
            actor=request.user, entity=data["entity"], fmt=data["format"], filters=data["filters"]
        )
        if isinstance(result, tuple):
            filename, content = result
            response = HttpResponse(content, content_type=exports.CONTENT_TYPES[data["format"]])
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        body = JobSerializer(result, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
