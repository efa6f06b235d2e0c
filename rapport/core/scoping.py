"""The one place where pages and API viewsets build their queryset from the user's scope."""

from __future__ import annotations

from django.db import models


class ScopedQuerysetMixin:
    """`get_queryset()` is `model.objects.visible_to(request.user)` plus declared joins."""

    model: type[models.Model] | None = None
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset
