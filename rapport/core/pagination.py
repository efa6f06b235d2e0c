"""Pagination of the page lists (the API's is in `core.api.pagination`)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property


class DeferredJoinPaginator(Paginator):
    """Page-number pagination that stays fast deep into a list: the page's ids are read
    from the sort index alone (an index-only scan past the offset), then only those rows
    are fetched with their joins. Same queries, whatever the page number."""

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {obj.pk: obj for obj in self.object_list.filter(pk__in=ids)}
        return self._get_page([rows[pk] for pk in ids if pk in rows], number, self)

    @cached_property
    def count(self) -> int:
        # The ordering does not change the count; dropping it lets the database skip a sort.
        return self.object_list.order_by().count()
