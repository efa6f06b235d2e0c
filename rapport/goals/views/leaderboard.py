"""The leaderboard page: one metric, one period, a team or the company."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from rapport.goals import catalog
from rapport.goals.dashboards import charts
from rapport.goals.dashboards.base import fmt, freshness
from rapport.goals.leaderboard import board
from rapport.goals.views.dashboards import chosen_period, period_choices

DEFAULT_METRIC = "revenue_won"


def board_teams(user):
    from rapport.org.models import Team
    from rapport.org.scope import scope_for

    scope = scope_for(user)
    teams = Team.objects.filter(archived_at__isnull=True).order_by("path")
    if not scope.is_admin:
        teams = teams.filter(pk__in=scope.team_ids | scope.book_team_ids)
    return list(teams)


def chosen_board(request):
    """(metric key, period, team or None) from the query; 404 for a team out of reach."""
    key = request.GET.get("metric") or DEFAULT_METRIC
    if catalog.get(key) is None:
        key = DEFAULT_METRIC
    period = chosen_period(request, default_kind="month")
    team = None
    if request.GET.get("team"):
        teams = {str(t.pk): t for t in board_teams(request.user)}
        team = teams.get(request.GET["team"])
        if team is None:
            raise Http404
    return key, period, team


@login_required
def leaderboard(request):
    key, period, team = chosen_board(request)
    data = board(request.user, key, period, team)
    metric = data["metric"]
    ranked = [e for e in data["entries"] if e.rank is not None]
    chart = (
        charts.bars(
            [e.name for e in reversed(ranked[:15])],
            [
                {
                    "name": str(metric.name),
                    "data": [{"value": float(e.value)} for e in reversed(ranked[:15])],
                }
            ],
            percent=metric.unit == catalog.Unit.PERCENT,
            horizontal=True,
        )
        if ranked
        else None
    )
    rows = [
        {
            "entry": e,
            "value": fmt(e.value, metric.unit),
            "volume": fmt(e.volume) if e.volume is not None else "",
        }
        for e in data["entries"]
    ]
    return render(
        request,
        "goals/leaderboard.html",
        {
            **data,
            "rows": rows,
            "chart": chart,
            "metrics": catalog.metrics(),
            "teams": board_teams(request.user),
            "periods": period_choices(period),
            "note": freshness(data["through"], data["live_at"]),
            "title": _("Leaderboard"),
        },
    )
