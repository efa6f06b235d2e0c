"""The jobs API: read-only, scoped to the job's owner and admins. Poll one to watch it."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from rapport.core.api.viewsets import ScopedViewSet
from rapport.core.models import Job


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    result_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "title", "status", "progress", "total", "percent", "counts", "log",
            "error", "result_url", "page_url", "created_at", "started_at", "finished_at",
        ]  # fmt: skip

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_result_url(self, obj) -> str | None:
        if not obj.result_file:
            return None
        return self._absolute(reverse("core:job-download", args=[obj.pk]))

    def get_page_url(self, obj) -> str:
        return self._absolute(obj.get_absolute_url())


class JobViewSet(ScopedViewSet):
    """Long-running jobs the user started (admins see all). Poll one to watch progress."""

    model = Job
    serializer_class = JobSerializer
    filterset_fields = ["status", "kind"]
    ordering_fields = ["created_at"]
