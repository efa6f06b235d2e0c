"""Serializer bases: unknown fields are refused instead of silently ignored."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictMixin:
    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(StrictMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer):
    """Model serializer for scoped models; exposes `version` read-only for ETags."""
