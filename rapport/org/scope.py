"""Who may see what: the one scope computation behind every `visible_to(user)`.

A user's scope is computed once per request (two queries) and cached on the user
object. DESIGN §5: admin sees all; a team lead's scope is their team and every team
below it; a quality manager reads the teams of their subtree too; everyone else sees
the teams they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from rapport.org.models import ROLES_REQUIRING_2FA, Membership, Role, Team

_CACHE_ATTR = "_rapport_scope"


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    is_admin: bool = False
    roles: frozenset[str] = frozenset()
    member_team_ids: frozenset[int] = frozenset()
    led_team_ids: frozenset[int] = frozenset()  # led teams and everything below them
    quality_team_ids: frozenset[int] = frozenset()  # QM teams and everything below them
    primary_team_id: int | None = None
    team_ids: frozenset[int] = field(default=frozenset())
    viewer_team_ids: frozenset[int] = frozenset()  # teams where the user only reads
    # The user's teams and every team above them: a pool of any of these is theirs.
    ancestor_team_ids: frozenset[int] = frozenset()

    @property
    def book_team_ids(self) -> frozenset[int]:
        """Teams whose whole customer book this user reads: led and quality subtrees,
        and teams where they are a viewer. An AM's book is only what they own."""
        return self.led_team_ids | self.quality_team_ids | self.viewer_team_ids

    @property
    def is_lead(self) -> bool:
        return Role.TEAM_LEAD in self.roles

    @property
    def is_quality_manager(self) -> bool:
        return Role.QUALITY_MANAGER in self.roles

    @property
    def can_manage_team(self) -> bool:
        return self.is_admin or self.is_lead

    @property
    def can_write(self) -> bool:
        """Viewers and outsiders read only."""
        return self.is_admin or bool(self.roles - {Role.VIEWER})

    @property
    def requires_two_factor(self) -> bool:
        return self.is_admin or bool(self.roles & ROLES_REQUIRING_2FA)

    @property
    def home_role(self) -> str:
        """The role whose home page this user sees first."""
        for role in (Role.ADMIN, Role.TEAM_LEAD, Role.QUALITY_MANAGER, Role.ACCOUNT_MANAGER):
            if role in self.roles or (role == Role.ADMIN and self.is_admin):
                return role
        return Role.VIEWER


ANONYMOUS = Scope(user_id=None)


def compute_scope(user) -> Scope:
    """One query for the memberships, one more for the subtrees of led/QM teams."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS
    rows = list(
        Membership.objects.filter(user_id=user.pk, team__archived_at__isnull=True).values_list(
            "team_id", "role", "is_primary", "team__path"
        )
    )
    roles = frozenset(row[1] for row in rows)
    member = frozenset(row[0] for row in rows)
    wide = {row[0]: row[3] for row in rows if row[1] in {Role.TEAM_LEAD, Role.QUALITY_MANAGER}}
    below = _subtrees(wide)
    led = _pick(below, {row[0] for row in rows if row[1] == Role.TEAM_LEAD})
    quality = _pick(below, {row[0] for row in rows if row[1] == Role.QUALITY_MANAGER})
    primary = next((row[0] for row in rows if row[2]), None)
    ancestors = frozenset(int(part) for row in rows for part in row[3].split("/") if part)
    return Scope(
        user_id=user.pk,
        is_admin=user.is_superuser or Role.ADMIN in roles,
        roles=roles,
        member_team_ids=member,
        led_team_ids=led,
        quality_team_ids=quality,
        primary_team_id=primary,
        team_ids=member | led | quality,
        viewer_team_ids=frozenset(row[0] for row in rows if row[1] == Role.VIEWER),
        ancestor_team_ids=ancestors,
    )


def _subtrees(roots: dict[int, str]) -> dict[int, set[int]]:
    """Map each root team id (with its path) to itself and all its live descendants."""
    if not roots:
        return {}
    result: dict[int, set[int]] = {root: {root} for root in roots}
    prefix = Q()
    for path in roots.values():
        prefix |= Q(path__startswith=path)
    below = Team.objects.filter(prefix, archived_at__isnull=True).values_list("pk", "path")
    for team_id, path in below:
        for root, root_path in roots.items():
            if path.startswith(root_path):
                result[root].add(team_id)
    return result


def _pick(subtrees: dict[int, set[int]], roots: set[int]) -> frozenset[int]:
    picked: set[int] = set()
    for root in roots:
        picked |= subtrees.get(root, {root})
    return frozenset(picked)


def scope_for(user) -> Scope:
    """The cached scope of `user` for this request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = compute_scope(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_scope(user) -> None:
    """Drop the cached scope after a membership change affecting `user`."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
