"""Menu entries of goals and KPIs."""

from django.utils.translation import gettext_lazy as _

from rapport.core.navigation import NavItem, register_nav
from rapport.org.models import Role

WORKERS = frozenset({Role.ACCOUNT_MANAGER, Role.TEAM_LEAD})
LEADS = frozenset({Role.TEAM_LEAD, Role.ADMIN, Role.QUALITY_MANAGER, Role.VIEWER})


def register() -> None:
    register_nav(NavItem(_("My dashboard"), "goals:my-dashboard", order=10, roles=WORKERS))
    register_nav(
        NavItem(_("Team dashboard"), "goals:team-dashboard-default", order=11, roles=LEADS)
    )
    register_nav(
        NavItem(_("Company dashboard"), "goals:company-dashboard", order=12, admin_only=True)
    )
    register_nav(NavItem(_("Goals"), "goals:goal-list", order=40))
    register_nav(NavItem(_("Leaderboard"), "goals:leaderboard", order=41))
    register_nav(NavItem(_("Goal settings"), "goals:settings", order=86, admin_only=True))
    register_nav(
        NavItem(
            _("Digests"),
            "goals:digest-list",
            order=42,
            roles=frozenset({Role.TEAM_LEAD, Role.ADMIN}),
        )
    )
