from __future__ import annotations

from rest_framework import serializers

from rapport.core.api.viewsets import ScopedViewSet
from rapport.core.models import Job


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    result_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "title", "status", "progress", "total", "percent", "counts", "log",
            "error", "result_url", "created_at", "started_at", "finished_at",
        ]

    def get_result_url(self, obj) -> str | None:
        if not obj.result_file:
            return None
        from django.urls import reverse

        return reverse("core:job-download", args=[obj.pk])


class JobViewSet(ScopedViewSet):
    """Long-running jobs the user started (admins see all). Poll one to watch progress."""

    model = Job
    serializer_class = JobSerializer
    filterset_fields = ["status", "kind"]
    ordering_fields = ["created_at"]
