"""Who gets which digest, for which period, and when one is due.

Entitlement follows the roles: a team lead gets the weekly digest of each team they lead
(a team below another team they lead is already in that one's digest), an admin the
monthly company digest. A `DigestSubscription` row changes the defaults (off, another
day or hour); times are the recipient's local time (their time zone, else the site's).

A weekly digest reviews the calendar week before the one it is sent in; a monthly one
the month before. So "this week's digest" is the same digest whatever day it is sent on,
and a second run in the same week finds it already sent.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from rapport.goals.models import Digest, DigestKind, DigestStatus, DigestSubscription
from rapport.goals.periods import DayRange, Period, PeriodKind

# A run missed (worker down) or failed is tried again by the next hourly runs, for this
# long after the scheduled hour and at most this many times.
CATCH_UP = dt.timedelta(hours=6)
MAX_ATTEMPTS = 3
DONE = (DigestStatus.SENT, DigestStatus.SKIPPED)


def period_for(kind: str, day: dt.date) -> DayRange:
    """The days a digest sent on `day` reviews: last week (Monday to Sunday), or last
    month for the company digest."""
    if kind == DigestKind.MONTHLY_COMPANY:
        month = Period.containing(day, PeriodKind.MONTH).shifted(-1)
        return DayRange(month.first, month.last)
    monday = day - dt.timedelta(days=day.weekday())
    return DayRange(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))


def user_tz(user) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else _site_tz()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return _site_tz()


def _site_tz() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_day(user, now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), user_tz(user)).date()


@dataclass(frozen=True)
class Entitlement:
    user_id: int
    kind: str
    team_id: int | None = None


def _top_led_teams(rows: list[tuple[int, int, str]]) -> dict[int, list[int]]:
    """{user id: the teams they lead that are not below another team they lead}."""
    paths: dict[int, dict[int, str]] = {}
    for user_id, team_id, path in rows:
        paths.setdefault(user_id, {})[team_id] = path
    result = {}
    for user_id, teams in paths.items():
        result[user_id] = sorted(
            team_id
            for team_id, path in teams.items()
            if not any(other != path and path.startswith(other) for other in teams.values())
        )
    return result


def entitlements(user_ids=None) -> list[Entitlement]:
    """Every digest the roles give (active users only), optionally for some users."""
    from rapport.org.models import Membership, Role, User

    leads = Membership.objects.filter(
        role=Role.TEAM_LEAD, team__archived_at__isnull=True, user__is_active=True
    )
    admins = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True)
        | Q(memberships__role=Role.ADMIN, memberships__team__archived_at__isnull=True)
    )
    if user_ids is not None:
        leads = leads.filter(user_id__in=user_ids)
        admins = admins.filter(pk__in=user_ids)
    rows = list(leads.values_list("user_id", "team_id", "team__path"))
    result = [
        Entitlement(user_id, DigestKind.WEEKLY_TEAM, team_id)
        for user_id, teams in sorted(_top_led_teams(rows).items())
        for team_id in teams
    ]
    result += [
        Entitlement(pk, DigestKind.MONTHLY_COMPANY)
        for pk in sorted(set(admins.values_list("pk", flat=True)))
    ]
    return result


def entitled(user, kind: str, team_id: int | None) -> bool:
    """May `user` get this digest (the page's and the command's check)? A weekly digest
    of any team in their led subtree, or of any team for an admin; the company one for
    admins."""
    from rapport.org.scope import scope_for

    scope = scope_for(user)
    if kind == DigestKind.MONTHLY_COMPANY:
        return scope.is_admin and team_id is None
    if kind == DigestKind.WEEKLY_TEAM and team_id is not None:
        return scope.is_admin or team_id in scope.led_team_ids
    return False


def subscription(user, kind: str, rows: dict | None = None) -> DigestSubscription:
    """The person's choice, or an unsaved row with the defaults."""
    if rows is not None:
        found = rows.get((user.pk, kind))
    else:
        found = DigestSubscription.objects.filter(user=user, kind=kind).first()
    return found or DigestSubscription(user=user, kind=kind)


def scheduled_at(sub: DigestSubscription, local_now: dt.datetime) -> dt.datetime:
    """The moment of this period's digest (this week's or this month's), local time."""
    today = local_now.date()
    if sub.kind == DigestKind.MONTHLY_COMPANY:
        day = today.replace(day=sub.day_of_month)
    else:
        day = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=sub.weekday)
    return dt.datetime.combine(day, dt.time(sub.hour), tzinfo=local_now.tzinfo)


@dataclass(frozen=True)
class Due:
    user_id: int
    kind: str
    team_id: int | None
    day: dt.date  # the recipient's local day the digest is sent on

    def as_params(self) -> dict:
        return {
            "user": self.user_id,
            "kind": self.kind,
            "team": self.team_id,
            "day": self.day.isoformat(),
        }

    @classmethod
    def from_params(cls, params: dict) -> Due:
        return cls(
            int(params["user"]),
            params["kind"],
            params["team"],
            dt.date.fromisoformat(params["day"]),
        )


def due(now: dt.datetime | None = None) -> list[Due]:
    """The digests to send at `now`: the scheduled moment has come (within CATCH_UP) and
    the period has no sent digest and fewer than MAX_ATTEMPTS failed ones. A handful of
    queries whatever the number of people."""
    from rapport.org.models import User

    now = now or timezone.now()
    wanted = entitlements()
    users = User.objects.in_bulk({e.user_id for e in wanted})
    rows = {
        (s.user_id, s.kind): s for s in DigestSubscription.objects.filter(user_id__in=list(users))
    }
    candidates = []
    for item in wanted:
        user = users[item.user_id]
        sub = subscription(user, item.kind, rows)
        if not sub.enabled:
            continue
        local_now = timezone.localtime(now, user_tz(user))
        moment = scheduled_at(sub, local_now)
        if moment <= local_now < moment + CATCH_UP:
            candidates.append(Due(item.user_id, item.kind, item.team_id, local_now.date()))
    if not candidates:
        return []
    starts = {period_for(c.kind, c.day).first for c in candidates}
    attempts: dict = {}
    history = Digest.objects.filter(
        recipient_id__in={c.user_id for c in candidates}, period_start__in=starts
    ).values_list("recipient_id", "kind", "team_id", "period_start", "status")
    for user_id, kind, team_id, start, status in history:
        slot = attempts.setdefault((user_id, kind, team_id, start), [False, 0])
        slot[0] |= status in DONE
        slot[1] += status == DigestStatus.FAILED
    result = []
    for c in candidates:
        done, failed = attempts.get(
            (c.user_id, c.kind, c.team_id, period_for(c.kind, c.day).first), [False, 0]
        )
        if not done and failed < MAX_ATTEMPTS:
            result.append(c)
    return result
