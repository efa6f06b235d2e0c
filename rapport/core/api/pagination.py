from rest_framework.pagination import PageNumberPagination

from rapport.core.pagination import DeferredJoinPaginator


class BoundedPageNumberPagination(PageNumberPagination):
    """Page-number pagination; clients may ask for up to 200 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 200


class DeepPagination(BoundedPageNumberPagination):
    """Page numbers that stay fast deep into a list (see DeferredJoinPaginator)."""

    django_paginator_class = DeferredJoinPaginator
