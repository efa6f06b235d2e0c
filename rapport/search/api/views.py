"""GET /api/v1/search/?q= — the search box over the API, same selector as the page."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.search.api.serializers import SearchQuerySerializer, SearchResultsSerializer
from rapport.search.selectors import search


class SearchView(APIView):
    """Customers, contacts and opportunities you may see matching `q`: name, short name,
    phone in any spelling, email, USCC, pinyin (full or initials). Up to `limit` per type."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="search",
        parameters=[
            OpenApiParameter("q", str, description="What to look for."),
            OpenApiParameter("limit", int, description="Results per type, 1–50 (default 10)."),
        ],
        responses=SearchResultsSerializer,
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        results = search(
            user=request.user,
            q=params.validated_data.get("q", ""),
            limit=params.validated_data["limit"],
        )
        body = {"query": results.query.raw}
        for name, hits in results.groups:
            body[name] = [asdict(hit) for hit in hits]
        return Response(SearchResultsSerializer(body).data)
