"""The leaderboard (排行榜): people ranked by one metric over a period, in a team (with
its subtree) or the whole company, with the change of rank since the period before.

Rates rank only on enough volume (the company's minimum: a win rate on two deals is not
a ranking). Names of others can be hidden by a company setting; everyone still sees
their own row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _

from rapport.goals import catalog
from rapport.goals.models import GoalSettings
from rapport.goals.periods import Period
from rapport.goals.selectors import ranking_figures


@dataclass(frozen=True)
class Entry:
    rank: int | None  # None: below the minimum volume, listed after the ranked
    user_id: int | None  # None when names are hidden: an id would tell who it is
    name: str
    value: Decimal | None
    volume: Decimal | None
    change: int | None  # places gained since the previous period (negative: lost)
    is_viewer: bool
    person_id: int = 0  # for ordering only; never shown or serialized


def board_people(viewer, team) -> list:
    """Who is on the board: the team's (and subtree's) account managers and leads, or the
    company's. The viewer must belong to that team (or lead or see it) or to the company."""
    from rapport.org.models import Membership, Role, User
    from rapport.org.scope import scope_for

    scope = scope_for(viewer)
    workers = [Role.ACCOUNT_MANAGER, Role.TEAM_LEAD]
    memberships = Membership.objects.filter(role__in=workers, team__archived_at__isnull=True)
    if team is not None:
        from rapport.goals.selectors import team_subtree

        if not scope.is_admin and team.pk not in scope.team_ids | scope.book_team_ids:
            raise Http404
        memberships = memberships.filter(team_id__in=team_subtree(team.pk))
    elif not (scope.is_admin or scope.member_team_ids):
        raise Http404
    ids = memberships.values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username"))


def _ranked(metric, figures: dict, minimum: int) -> dict[int, int]:
    """{user id: rank} (1 = best), ties sharing a rank; rates below the volume left out."""
    values = []
    for user_id, row in figures.items():
        figure = row[metric.key]
        if figure.value is None:
            continue
        if metric.is_rate and (figure.volume or 0) < minimum:
            continue
        values.append((figure.value, user_id))
    values.sort(key=lambda item: item[0], reverse=metric.higher_is_better)
    ranks, previous, rank = {}, None, 0
    for position, (value, user_id) in enumerate(values, start=1):
        if value != previous:
            rank, previous = position, value
        ranks[user_id] = rank
    return ranks


def _order(entry: Entry, hide: bool) -> tuple:
    """Ranked first; ties and the unranked by name — or, when names are hidden, by a
    keyed hash, so the order of the rows cannot be read back to the people's names."""
    if not hide:
        tie = entry.name
    else:
        import hashlib

        from django.conf import settings

        key = f"{settings.SECRET_KEY}:{entry.person_id}".encode()
        tie = hashlib.sha256(key).hexdigest()
    return (entry.rank is None, entry.rank or 0, tie)


def board(viewer, metric_key: str, period: Period, team=None) -> dict:
    metric = catalog.get(metric_key)
    if metric is None:
        raise ValueError(metric_key)
    settings = GoalSettings.current()
    people = board_people(viewer, team)
    ids = [person.pk for person in people]
    now = ranking_figures(ids, period, [metric.key])
    before = ranking_figures(ids, period.shifted(-1), [metric.key])
    ranks = _ranked(metric, now, settings.leaderboard_min_volume)
    previous = _ranked(metric, before, settings.leaderboard_min_volume)
    from rapport.org.scope import scope_for

    hide = settings.leaderboard_hide_names and not scope_for(viewer).is_admin
    entries = []
    for person in people:
        figure = now[person.pk][metric.key]
        rank = ranks.get(person.pk)
        was = previous.get(person.pk)
        mine = person.pk == viewer.pk
        entries.append(
            Entry(
                rank=rank,
                user_id=person.pk if (mine or not hide) else None,
                name=person.display_name if (mine or not hide) else _("Colleague"),
                value=figure.value,
                volume=figure.volume,
                change=(was - rank) if rank is not None and was is not None else None,
                is_viewer=mine,
                person_id=person.pk,
            )
        )
    entries.sort(key=lambda e: _order(e, hide))
    sample = next(iter(now.values()), {}).get(metric.key)
    return {
        "metric": metric,
        "period": period,
        "team": team,
        "entries": entries,
        "minimum": settings.leaderboard_min_volume if metric.is_rate else None,
        "hidden_names": hide,
        "through": sample.through if sample else None,
        "live_at": sample.live_at if sample else None,
    }
