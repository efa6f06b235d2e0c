"""The kanban board and the forecast: read-only pages built from grouped queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from rapport.core.money import Currency
from rapport.sales import selectors
from rapport.sales.filters import OpportunityFilter
from rapport.sales.forms import MoveForm
from rapport.sales.models import Opportunity

# The board and the forecast filter by who and what, never by stage (stages are columns).
BOARD_FILTERS = ("q", "owner", "team", "close_from", "close_to", "amount_min", "amount_max")


def _filtered(request):
    visible = Opportunity.objects.visible_to(request.user)
    data = {key: request.GET[key] for key in BOARD_FILTERS if request.GET.get(key)}
    filterset = OpportunityFilter(data or None, queryset=visible, request=request)
    return filterset, filterset.qs


@login_required
def board(request):
    pipeline = selectors.pipeline_for(request.user, request.GET.get("pipeline"))
    filterset, queryset = _filtered(request)
    columns = selectors.board(queryset, pipeline) if pipeline else []
    card_ids = [card.pk for column in columns for card in column.cards]
    editable = set(
        Opportunity.objects.editable_by(request.user)
        .filter(pk__in=card_ids)
        .values_list("pk", flat=True)
    )
    for column in columns:
        for card in column.cards:
            card.can_move = card.pk in editable
    query = {key: request.GET[key] for key in BOARD_FILTERS if request.GET.get(key)}
    if pipeline:
        query["pipeline"] = pipeline.pk
    from django.utils.http import urlencode

    context = {
        "pipeline": pipeline,
        "pipelines": list(selectors.visible_pipelines(request.user)),
        "columns": columns,
        "filter": filterset,
        "query": urlencode(query),
        "stages": [column.stage for column in columns],
        "closed_days": selectors.BOARD_CLOSED_DAYS,
        "card_limit": selectors.BOARD_CARDS,
        "reason_max": MoveForm.base_fields["reason"].max_length,
        "can_create": Opportunity.objects.all().creatable_by(request.user),
    }
    return render(request, "sales/board.html", context)


@login_required
def forecast(request):
    filterset, queryset = _filtered(request)
    in_use = selectors.currencies_in_use(Opportunity.objects.visible_to(request.user))
    currency = request.GET.get("currency", "CNY")
    if currency not in Currency.values:
        currency = "CNY"
    figures = selectors.forecast(queryset, currency=currency)
    choices = [(code, label) for code, label in Currency.choices if code in in_use or code == "CNY"]
    return render(
        request,
        "sales/forecast.html",
        {"filter": filterset, "currencies": choices, **figures},
    )
