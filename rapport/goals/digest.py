"""The digest's content (周报/月报): built for one recipient from the existing selectors, with
the recipient as the viewer so nothing outside their scope appears, then rendered as
HTML and plain text in their language.

    content = build(user, DigestKind.WEEKLY_TEAM, team=team, day=day)
    subject, html, text = render(content)

Weekly (a team lead, one team and the teams below it): the team's and its members'
targets and pace, the members behind pace, the top movers of last week against the week
before, overdue follow-ups by account manager, and key customers at risk. Monthly (an
admin, the whole company): the same over the month, for company and top-level team goals.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from rapport.goals.dashboards.base import fmt, metric_label
from rapport.goals.dashboards.personal import live_goals
from rapport.goals.dashboards.team import members_of
from rapport.goals.digest_risks import (
    Listing,
    overdue_by_owner,
    slipping_deals,
    tier_a_overdue,
)
from rapport.goals.digest_schedule import period_for
from rapport.goals.models import DigestKind, KeyResult, OwnerKind
from rapport.goals.pace import PaceStatus
from rapport.goals.periods import DayRange
from rapport.goals.progress import progress_for
from rapport.goals.selectors import people_figures, team_subtree

MOVER_METRICS = ["revenue_won", "follow_ups"]
MOVERS_PER_METRIC = 3
TARGET_LIMIT = 40
BEHIND = (PaceStatus.AT_RISK, PaceStatus.OFF_TRACK)
BADGES = {
    PaceStatus.ON_TRACK: "background:#dcfce7;color:#166534;",
    PaceStatus.AT_RISK: "background:#fef3c7;color:#92400e;",
    PaceStatus.OFF_TRACK: "background:#fee2e2;color:#991b1b;",
    PaceStatus.NO_DATA: "background:#f3f4f6;color:#4b5563;",
}


def language_of(user) -> str:
    return user.language or settings.LANGUAGE_CODE


def base_url() -> str:
    return settings.SITE_URL.rstrip("/")


@dataclass(frozen=True)
class TargetRow:
    owner: str
    goal: str
    key_result: str
    actual: str
    target: str
    expected: str
    attainment: str
    status: str
    status_label: str
    url: str

    @property
    def badge(self) -> str:
        """The status badge's inline style (mail clients drop style sheets)."""
        return BADGES.get(self.status, BADGES[PaceStatus.NO_DATA])


@dataclass(frozen=True)
class Mover:
    name: str
    metric: str
    now: str
    before: str
    change: str
    up: bool


@dataclass
class DigestContent:
    kind: str
    recipient_name: str
    scope_name: str  # the team, or the company
    day: dt.date
    period: DayRange
    previous: DayRange
    targets: list[TargetRow] = field(default_factory=list)
    targets_more: int = 0
    behind: list[str] = field(default_factory=list)  # owners (people, teams) behind pace
    movers: list[Mover] = field(default_factory=list)
    overdue: Listing = field(default_factory=lambda: Listing([], 0))
    tier_a: Listing = field(default_factory=lambda: Listing([], 0))
    slipping: Listing = field(default_factory=lambda: Listing([], 0))
    links: dict = field(default_factory=dict)

    @property
    def weekly(self) -> bool:
        return self.kind == DigestKind.WEEKLY_TEAM


def _previous(kind: str, period: DayRange) -> DayRange:
    return period_for(kind, period.first)


def _people(viewer, team) -> list:
    """The people whose figures the digest shows: the team's members (the team and the
    teams below it), or everyone who works in a team for the company digest."""
    if team is not None:
        return members_of(team.pk)
    from rapport.org.models import Membership, Role, User

    ids = Membership.objects.filter(
        role__in=[Role.ACCOUNT_MANAGER, Role.TEAM_LEAD], team__archived_at__isnull=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("full_name", "username"))


def _goals(viewer, team, people: list, day: dt.date):
    goals = live_goals(viewer, day)
    if team is not None:
        return goals.filter(
            Q(owner_team_id__in=team_subtree(team.pk)) | Q(owner_user_id__in=[p.pk for p in people])
        )
    from rapport.org.models import Team

    top = [t.pk for t in Team.objects.filter(archived_at__isnull=True) if t.depth <= 1]
    return goals.filter(Q(owner_kind=OwnerKind.COMPANY) | Q(owner_team_id__in=top))


def _targets(viewer, team, people: list, day: dt.date, site: str) -> tuple[list, int, list]:
    """(rows, how many more, the owners behind pace by name): team goals first, then
    each person's, in name order."""
    krs = list(
        KeyResult.objects.filter(goal__in=_goals(viewer, team, people, day))
        .select_related("goal", "goal__owner_team", "goal__owner_user")
        .order_by("goal__owner_kind", "goal__owner_team__path", "goal_id", "position", "pk")
    )
    order = {p.pk: index for index, p in enumerate(people)}
    krs.sort(
        key=lambda kr: (kr.goal.owner_kind == OwnerKind.USER, order.get(kr.goal.owner_user_id, -1))
    )
    progress = progress_for(viewer, krs, day)
    rows, behind = [], []
    for kr in krs:
        item = progress[kr.pk]
        p, unit = item.pace, item.unit
        owner = kr.goal.owner_label
        if p.status in BEHIND and owner not in behind:
            behind.append(owner)
        rows.append(
            TargetRow(
                owner=owner,
                goal=kr.goal.title,
                key_result=kr.title,
                actual=fmt(p.actual, unit),
                target=fmt(p.target, unit),
                expected=fmt(p.expected, unit),
                attainment=fmt(p.attainment, "percent"),
                status=p.status,
                status_label=str(p.status_label),
                url=f"{site}{kr.get_absolute_url()}",
            )
        )
    return rows[:TARGET_LIMIT], max(len(rows) - TARGET_LIMIT, 0), behind


def _movers(viewer, people: list, period: DayRange, previous: DayRange) -> list[Mover]:
    """For each key metric, the people whose figure changed most between the periods."""
    ids = [p.pk for p in people]
    now = people_figures(viewer, ids, period, MOVER_METRICS)
    before = people_figures(viewer, ids, previous, MOVER_METRICS)
    names = {p.pk: p.display_name for p in people}
    result = []
    for key in MOVER_METRICS:
        changes = []
        for pk in now:
            a, b = now[pk][key], before.get(pk, {}).get(key)
            if a.value is None and (b is None or b.value is None):
                continue
            this, last = a.value or Decimal(0), (b.value if b is not None else None) or Decimal(0)
            if this != last:
                changes.append((abs(this - last), names[pk], pk, this, last, a.metric.unit))
        changes.sort(key=lambda c: (-c[0], c[1], c[2]))
        for _size, name, _pk, this, last, unit in changes[:MOVERS_PER_METRIC]:
            sign = "+" if this > last else "−"
            result.append(
                Mover(
                    name,
                    metric_label(key),
                    fmt(this, unit),
                    fmt(last, unit),
                    f"{sign}{fmt(abs(this - last), unit)}",
                    this > last,
                )
            )
    return result


def build(user, kind: str, *, team=None, day: dt.date) -> DigestContent:
    """The digest of `kind` that `user` gets on `day` (their local day), read as `user`."""
    from rapport.customers.models import Customer
    from rapport.sales.models import Opportunity

    site = base_url()
    period = period_for(kind, day)
    previous = _previous(kind, period)
    people = _people(user, team)
    customers = Customer.objects.visible_to(user).filter(archived_at__isnull=True)
    deals = Opportunity.objects.visible_to(user)
    params = {}
    if team is not None:
        subtree = team_subtree(team.pk)
        customers = customers.filter(team_id__in=subtree)
        deals = deals.filter(team_id__in=subtree)
        params = {"team": team.pk}
    targets, more, behind = _targets(user, team, people, day, site)
    names = {p.pk: p.display_name for p in people}
    if team is not None:
        dashboard = reverse("goals:team-dashboard", args=[team.pk])
    else:
        dashboard = reverse("goals:company-dashboard")
    return DigestContent(
        kind=kind,
        recipient_name=user.display_name,
        scope_name=team.name if team is not None else _("Company"),
        day=day,
        period=period,
        previous=previous,
        targets=targets,
        targets_more=more,
        behind=behind,
        movers=_movers(user, people, period, previous),
        overdue=overdue_by_owner(user, customers, day, site, names),
        tier_a=tier_a_overdue(customers, day, site, params),
        slipping=slipping_deals(deals, day, site, params),
        links={
            "dashboard": f"{site}{dashboard}",
            "digests": f"{site}{reverse('goals:digest-list')}",
            "settings": f"{site}{reverse('goals:digest-settings')}",
        },
    )


def subject_of(content: DigestContent) -> str:
    if content.weekly:
        return _("Weekly digest of %(team)s, %(first)s – %(last)s") % {
            "team": content.scope_name,
            "first": content.period.first.isoformat(),
            "last": content.period.last.isoformat(),
        }
    return _("Monthly company digest, %(month)s") % {"month": f"{content.period.first:%Y-%m}"}


def render(content: DigestContent) -> tuple[str, str, str]:
    """(subject, HTML, plain text), in the active language. The HTML template escapes
    every value (names and titles are user input)."""
    context = {"d": content, "subject": subject_of(content)}
    html = render_to_string("goals/email/digest.html", context)
    text = render_to_string("goals/email/digest.txt", context)
    # The text template keeps its tags on lines of their own; drop the gaps they leave.
    text = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", text)).strip() + "\n"
    return context["subject"], html, text


def build_and_render(user, kind: str, *, team=None, day: dt.date) -> tuple[str, str, str, str]:
    """(language, subject, HTML, text) in the recipient's language."""
    language = language_of(user)
    with translation.override(language):
        return (language, *render(build(user, kind, team=team, day=day)))
