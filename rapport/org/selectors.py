"""Non-trivial reads of the org app; each starts from `visible_to` (DESIGN §4)."""

from __future__ import annotations

from rapport.org.models import Team
from rapport.org.scope import scope_for


def job_description_teams(user):
    """Teams for which `user` may write job descriptions: all (admin) or the ones they lead."""
    scope = scope_for(user)
    teams = Team.objects.visible_to(user).filter(archived_at__isnull=True)
    return teams if scope.is_admin else teams.filter(pk__in=scope.led_team_ids)
