"""The search pages: the full results page and the as-you-type fragment of the header box."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.search.selectors import MAX_QUERY, search

PAGE_PER_TYPE = 25


@require_GET
@login_required
def results(request):
    found = search(user=request.user, q=request.GET.get("q"), limit=PAGE_PER_TYPE)
    return render(request, "search/results.html", {"results": found, "max_query": MAX_QUERY})


@require_GET
@login_required
def suggest(request):
    """The dropdown under the header box (htmx, debounced by the input's trigger)."""
    found = search(user=request.user, q=request.GET.get("q"))
    return render(request, "search/_suggest.html", {"results": found})
