"""API shapes of imports and exports."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rapport.core.api.jobs import JobSerializer
from rapport.core.api.serializers import StrictSerializer
from rapport.imports.base import ENTITY_CHOICES
from rapport.imports.exports import FORMATS
from rapport.imports.models import Duplicates, ImportRun


class ImportRunSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True)
    import_for = serializers.CharField(source="import_for.username", read_only=True, default=None)
    errors_url = serializers.SerializerMethodField()
    # Plain text in the schema: an enum named "status" would collide with the job's.
    status = serializers.CharField(
        read_only=True, help_text="uploaded, checking, checked, running, done or failed"
    )

    class Meta:
        model = ImportRun
        fields = [
            "id", "entity", "filename", "size", "sha256", "kind", "encoding", "headers",
            "mapping", "duplicates", "skip_bad_rows", "owner", "import_for", "status", "dry_run",
            "counts", "problems", "error", "errors_url", "job", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_errors_url(self, obj) -> str | None:
        from django.urls import reverse

        if not obj.error_file:
            return None
        request = self.context.get("request")
        path = reverse("api:import-errors", args=[obj.pk])
        return request.build_absolute_uri(path) if request is not None else path


@extend_schema_field(OpenApiTypes.STR)
class MappingField(serializers.Field):
    """A JSON list of field names, one per column of the file ('' = ignore)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError(_("Give a JSON list of field names.")) from None
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise serializers.ValidationError(_("Give a JSON list of field names."))
        return data

    def to_representation(self, value):
        return value


class ImportCreateSerializer(StrictSerializer):
    file = serializers.FileField()
    entity = serializers.ChoiceField(choices=ENTITY_CHOICES)
    duplicates = serializers.ChoiceField(choices=Duplicates.choices, default=Duplicates.SKIP)
    skip_bad_rows = serializers.BooleanField(default=False)
    owner = serializers.CharField(required=False, help_text="Username of the records' owner.")
    dry_run = serializers.BooleanField(default=True)
    mapping = MappingField(required=False, help_text="JSON list: a field name per column.")


class ImportRunActionSerializer(StrictSerializer):
    dry_run = serializers.BooleanField(default=False)


class ExportSerializer(StrictSerializer):
    entity = serializers.ChoiceField(choices=ENTITY_CHOICES)
    format = serializers.ChoiceField(choices=FORMATS, default="xlsx")
    filters = serializers.DictField(child=serializers.CharField(), required=False, default=dict)
