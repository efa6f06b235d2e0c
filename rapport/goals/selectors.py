"""Reading KPI figures: stored daily snapshots plus today's live delta, within scope.

A figure is asked for a subject (a person, a team with its subtree, or the company) and a
range of local days. Flows sum their days; stocks take their latest snapshot in the
range; derived metrics apply their formula to those. Today's flows are computed live
(one grouped query per metric, shared by everyone for a minute) when the range includes
today, and every figure carries how fresh it is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max, Q, Sum
from django.http import Http404
from django.utils import timezone

from rapport.goals import catalog
from rapport.goals.catalog import Kind
from rapport.goals.models import MetricValue
from rapport.goals.periods import DayRange, local_today
from rapport.goals.rates import Rates

LIVE_SECONDS = 60


@dataclass(frozen=True)
class Subject:
    kind: str  # "user", "team" or "company"
    id: int | None = None

    @classmethod
    def parse(cls, text: str) -> Subject:
        """ "user:5", "team:3" or "company"; anything else raises ValueError."""
        if text == "company":
            return cls("company")
        kind, _sep, pk = (text or "").partition(":")
        if kind not in ("user", "team") or not pk.isdigit():
            raise ValueError(text)
        return cls(kind, int(pk))

    def __str__(self) -> str:
        return self.kind if self.kind == "company" else f"{self.kind}:{self.id}"


def team_subtree(team_id: int) -> list[int]:
    from rapport.org.models import Team

    return list(Team.objects.subtree_of([team_id]).values_list("pk", flat=True))


def can_view(viewer, subject: Subject) -> bool:
    """An AM sees their own figures and their own teams' totals; a lead their subtree and
    its people; admins everything, and the company totals."""
    from rapport.org.models import Membership
    from rapport.org.scope import scope_for

    scope = scope_for(viewer)
    if scope.is_admin:
        return True
    if subject.kind == "company" or not viewer.is_authenticated:
        return False
    if subject.kind == "team":
        return subject.id in scope.book_team_ids | scope.member_team_ids
    if subject.id == viewer.pk:
        return True
    return Membership.objects.filter(user_id=subject.id, team_id__in=scope.book_team_ids).exists()


def require_view(viewer, subject: Subject) -> None:
    if not can_view(viewer, subject):
        raise Http404


@dataclass(frozen=True)
class Figure:
    metric: catalog.Metric
    value: Decimal | None  # None: no data (shown as such, never as zero)
    through: dt.date | None  # the last snapshot day the figure includes
    live_at: dt.datetime | None  # when today's part was computed, if included
    volume: Decimal | None = None  # how much a rate rests on (leaderboard minimum)


def _scoped(viewer, subject: Subject):
    rows = MetricValue.objects.aggregable_by(viewer)
    if subject.kind == "user":
        return rows.filter(user_id=subject.id)
    if subject.kind == "team":
        return rows.filter(team_id__in=team_subtree(subject.id))
    return rows


def snapshot_marks(keys: list[str], days: DayRange) -> dict[str, dt.date]:
    """{metric: the last day in the range its snapshot was taken}. Each snapshot writes a
    mark (a row with no person and no team, value 0) for every day it computed, so "no
    row" can be told apart from "never computed" even though zeros are not stored."""
    marks = (
        MetricValue.objects.filter(
            user__isnull=True, team__isnull=True, metric__in=keys,
            day__gte=days.first, day__lte=days.last,
        )
        .values("metric")
        .annotate(last=Max("day"))
    )  # fmt: skip
    return {r["metric"]: r["last"] for r in marks}


def _stored(rows, days: DayRange, metrics: list, by: str | None) -> tuple[dict, dict]:
    """{(group, key): [value, denominator]} from the snapshots (`by` groups by a column),
    and {key: last snapshot day} of the metrics the snapshots cover in the range. A
    covered metric with no row is a zero; an uncovered one is "no data"."""
    group = ["metric", by] if by else ["metric"]
    totals: dict = defaultdict(lambda: [Decimal(0), None])
    marks = snapshot_marks([m.key for m in metrics], days)
    flows = [m.key for m in metrics if m.kind == Kind.FLOW]
    stocks = [m.key for m in metrics if m.kind == Kind.STOCK and m.key in marks]
    in_days = rows.filter(day__gte=days.first, day__lte=days.last)
    if flows:
        for r in (
            in_days.filter(metric__in=flows)
            .values(*group)
            .annotate(v=Sum("value"), d=Sum("denominator"))
        ):
            totals[(r.get(by), r["metric"])] = [r["v"], r["d"]]
    if stocks:
        pairs = Q(pk__in=[])
        for key in stocks:
            pairs |= Q(metric=key, day=marks[key])
        for r in (
            in_days.filter(pairs).values(*group).annotate(v=Sum("value"), d=Sum("denominator"))
        ):
            totals[(r.get(by), r["metric"])] = [r["v"], r["d"]]
    return totals, marks


def live_rows(metric: catalog.Metric, today: dt.date) -> tuple[list, dt.datetime]:
    """Today's rows of a flow for everyone, computed at most once a minute."""
    key = f"kpi-live:{metric.key}:{today.isoformat()}"
    cached = cache.get(key)
    if cached is None:
        rows = list(metric.compute(DayRange(today, today), Rates.load()))
        cached = (rows, timezone.now())
        cache.set(key, cached, LIVE_SECONDS)
    return cached


def live_scope(viewer):
    """The rule of `MetricValue.aggregable_by`, for today's live rows (which are computed
    for everyone): admins all; others their own rows and those of the teams they lead,
    check, view or belong to."""
    from rapport.org.scope import scope_for

    scope = scope_for(viewer)
    if scope.is_admin:
        return lambda row: True
    teams = scope.book_team_ids | scope.member_team_ids
    return lambda row: row.user_id == viewer.pk or row.team_id in teams


def _matches(row, subject: Subject, subtree: set[int] | None) -> bool:
    if subject.kind == "user":
        return row.user_id == subject.id
    if subject.kind == "team":
        return row.team_id in subtree
    return True


def _finish(metric, stored: list | None, covered: bool) -> Decimal | None:
    if stored is None:
        if not covered:
            return None
        stored = [Decimal(0), Decimal(0)]
    value, denominator = stored
    if metric.kind == Kind.STOCK and metric.unit == catalog.Unit.PERCENT:
        return catalog.ratio(value, denominator, 100)
    return value


def _needed(keys: list[str]) -> tuple[list, dict]:
    wanted = [catalog.get(key) for key in keys]
    if None in wanted:
        raise ValueError(f"unknown metric in {keys}")
    needed = {m.key: m for m in wanted if m.stored}
    for metric in wanted:
        for key in (*metric.inputs, *metric.volume):
            needed.setdefault(key, catalog.get(key))
    return wanted, needed


def _gather(rows, match, days: DayRange, keys: list[str], by: str | None) -> dict:
    """The raw sums behind figures: {(group, key): [value, denominator]} from the
    snapshots plus today's live rows that `match`, grouped by the `by` column (or one
    group, None), with what is covered and how fresh it is."""
    wanted, needed = _needed(keys)
    stored, marks = _stored(rows, days, list(needed.values()), by)
    covered = set(marks)
    today = local_today()
    live_at = None
    if days.first <= today <= days.last:
        covered |= {key for key, metric in needed.items() if metric.kind == Kind.FLOW}
        for metric in needed.values():
            if metric.kind != Kind.FLOW:
                continue
            live, live_at = live_rows(metric, today)
            for row in live:
                group = getattr(row, by) if by else None
                if match(row) and (by is None or group is not None):
                    slot = stored.setdefault((group, metric.key), [Decimal(0), None])
                    slot[0] += row.value
    return {
        "wanted": wanted,
        "needed": needed,
        "stored": stored,
        "covered": covered,
        "through": max(marks.values()) if marks else None,
        "live_at": live_at,
    }


def _figures_of(gathered: dict, sums: dict) -> dict:
    """{key: Figure} from one group's raw sums {key: [value, denominator]}."""
    needed, covered = gathered["needed"], gathered["covered"]
    values = {key: _finish(needed[key], sums.get(key), key in covered) for key in needed}
    return {
        metric.key: Figure(
            metric,
            metric.formula(values) if metric.kind == Kind.DERIVED else values[metric.key],
            gathered["through"],
            gathered["live_at"],
            _volume(metric, values, sums.get(metric.key)),
        )
        for metric in gathered["wanted"]
    }


def _compute(rows, match, days: DayRange, keys: list[str], groups: list | None) -> dict:
    """{group: {key: Figure}}; group is a user id, or None for the subject's total when
    `groups` is None. `match(row)` says whether a live row belongs to the subject."""
    gathered = _gather(rows, match, days, keys, "user_id" if groups is not None else None)
    stored = gathered["stored"]
    result: dict = {}
    for group in groups if groups is not None else [None]:
        sums = {key: stored[(group, key)] for key in gathered["needed"] if (group, key) in stored}
        result[group] = _figures_of(gathered, sums)
    return result


def teams_figures(viewer, team_ids, days: DayRange, keys: list[str]) -> dict:
    """{team id: {key: Figure}} for several teams (each with its subtree) in one read:
    rows grouped by team, then added up along the tree. Teams the viewer may not see are
    left out."""
    from rapport.org.models import Team
    from rapport.org.scope import scope_for

    scope = scope_for(viewer)
    visible = scope.book_team_ids | scope.member_team_ids
    wanted = [t for t in dict.fromkeys(team_ids) if scope.is_admin or t in visible]
    if not wanted:
        return {}
    paths = dict(Team.objects.values_list("pk", "path"))
    below = {
        team: {pk for pk, path in paths.items() if path.startswith(paths[team])}
        for team in wanted
        if team in paths
    }
    every = set().union(*below.values())
    allowed = live_scope(viewer)
    rows = MetricValue.objects.aggregable_by(viewer).filter(team_id__in=every)
    gathered = _gather(
        rows, lambda row: row.team_id in every and allowed(row), days, keys, "team_id"
    )
    result = {}
    for team, members in below.items():
        sums: dict = {}
        for (group, key), (value, denominator) in gathered["stored"].items():
            if group in members:
                slot = sums.setdefault(key, [Decimal(0), None])
                slot[0] += value or 0
                if denominator is not None:
                    slot[1] = (slot[1] or Decimal(0)) + denominator
        result[team] = _figures_of(gathered, sums)
    return result


def _volume(metric, values: dict, stored: list | None) -> Decimal | None:
    if metric.volume:
        return sum((values.get(key) or Decimal(0) for key in metric.volume), Decimal(0))
    if metric.kind == Kind.STOCK and metric.unit == catalog.Unit.PERCENT:
        return (stored[1] or Decimal(0)) if stored else Decimal(0)
    return None


def figures(viewer, subject: Subject, days: DayRange, keys: list[str]) -> dict:
    """{metric key: Figure} for the subject over the days. Raises Http404 when the viewer
    may not see the subject's figures."""
    require_view(viewer, subject)
    subtree = set(team_subtree(subject.id)) if subject.kind == "team" else None
    rows = _scoped(viewer, subject)
    allowed = live_scope(viewer)

    def match(row) -> bool:
        return allowed(row) and _matches(row, subject, subtree)

    return _compute(rows, match, days, keys, None)[None]


def visible_people(viewer, user_ids) -> list[int]:
    """Of `user_ids`, the people whose own figures the viewer may see (one query)."""
    from rapport.org.models import Membership
    from rapport.org.scope import scope_for

    scope = scope_for(viewer)
    wanted = set(user_ids)
    if scope.is_admin:
        return sorted(wanted)
    if not viewer.is_authenticated:
        return []
    led = Membership.objects.filter(user_id__in=wanted, team_id__in=scope.book_team_ids)
    seen = set(led.values_list("user_id", flat=True)) | ({viewer.pk} & wanted)
    return sorted(seen)


def people_figures(viewer, user_ids, days: DayRange, keys: list[str]) -> dict:
    """{user id: {metric key: Figure}} for each person the viewer may see (others are
    left out, never shown as zero)."""
    people = visible_people(viewer, user_ids)
    rows = MetricValue.objects.aggregable_by(viewer).filter(user_id__in=people)
    allowed = set(people)
    in_scope = live_scope(viewer)
    return _compute(rows, lambda row: row.user_id in allowed and in_scope(row), days, keys, people)


def ranking_figures(user_ids, days: DayRange, keys: list[str]) -> dict:
    """{user id: {key: Figure}} for a leaderboard's people. Not scoped by person on
    purpose: a leaderboard publishes its ranking to everyone in the team or company it
    covers (leaderboard.board checks that the viewer belongs there, and hides names when
    the company says so). Nothing else may call this."""
    people = sorted(set(user_ids))
    allowed = set(people)
    rows = MetricValue.objects.filter(user_id__in=people)
    return _compute(rows, lambda row: row.user_id in allowed, days, keys, people)
