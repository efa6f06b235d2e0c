"""The one place where pages and API viewsets build their queryset from the user's scope."""

from __future__ import annotations

from django.db import models


class ScopedQuerysetMixin:
    """`get_queryset()` is `model.objects.visible_to(request.user)` plus declared joins, and
    (`only_fields`) the columns a busy list reads, when it reads few of many: building a
    model instance costs time per field, and each date read from SQLite is parsed."""

    model: type[models.Model] | None = None
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    only_fields: tuple[str, ...] = ()

    def get_queryset(self):
        queryset = self.model.objects.visible_to(self.request.user)
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        if self.only_fields:
            queryset = queryset.only(*self.only_fields)
        return queryset
