"""Home-page panels and menu entries of the foundation. Later apps add their own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rapport.core.navigation import NavItem, Panel, register_nav, register_panel
from rapport.org.models import Role

AM = frozenset({Role.ACCOUNT_MANAGER})
LEAD = frozenset({Role.TEAM_LEAD})
QM = frozenset({Role.QUALITY_MANAGER})
ADMIN = frozenset({Role.ADMIN})
VIEWER = frozenset({Role.VIEWER})
EMPTY = "core/panels/empty.html"


def _my_team(request) -> dict:
    from rapport.org.models import Membership
    from rapport.org.scope import scope_for

    scope = scope_for(request.user)
    members = (
        Membership.objects.visible_to(request.user)
        .filter(team_id__in=scope.led_team_ids or scope.member_team_ids)
        .exclude(user_id=request.user.pk)
        .select_related("user", "team")
        .order_by("team__path", "role", "user__username")[:30]
    )
    return {"members": list(members)}


def _organisation(request) -> dict:
    from allauth.mfa.models import Authenticator

    from rapport.org.models import Membership, Team, User

    strong = Membership.objects.filter(role__in=[Role.ADMIN, Role.TEAM_LEAD]).values("user_id")
    enrolled = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
    return {
        "users": User.objects.filter(is_active=True).count(),
        "teams": Team.objects.filter(archived_at__isnull=True).count(),
        "without_2fa": User.objects.filter(is_active=True, pk__in=strong)
        .exclude(pk__in=enrolled)
        .count(),
    }


def _recent_activity(request) -> dict:
    from rapport.audit.models import AuditEvent

    return {"events": list(AuditEvent.objects.visible_to(request.user).select_related("actor")[:8])}


def _my_jobs(request) -> dict:
    from rapport.core.models import Job

    return {"jobs": list(Job.objects.visible_to(request.user).filter(owner=request.user)[:5])}


def register() -> None:
    everyone = frozenset(Role.values)
    register_nav(NavItem(_("Home"), "home", order=0))
    register_nav(
        NavItem(
            _("People"),
            "org:user-list",
            order=80,
            roles=frozenset({Role.ADMIN, Role.TEAM_LEAD, Role.QUALITY_MANAGER}),
        )
    )
    register_nav(NavItem(_("Teams"), "org:team-list", order=81))
    register_nav(NavItem(_("Job descriptions"), "org:jobdescription-list", order=82))
    register_nav(
        NavItem(
            _("Audit log"),
            "audit:event-list",
            order=90,
            roles=frozenset({Role.ADMIN, Role.TEAM_LEAD}),
        )
    )
    register_nav(NavItem(_("Jobs"), "core:job-list", order=95))

    panels = [
        Panel("lead-team", _("My team"), "core/panels/my_team.html", LEAD, 10, _my_team),
        Panel("qm-tickets", _("Open tickets and SLAs"), EMPTY, QM, 10),
        Panel("qm-surveys", _("Surveys and feedback"), EMPTY, QM, 20),
        Panel("qm-team", _("Customers in my scope"), EMPTY, QM, 30),
        Panel(
            "admin-org",
            _("Organisation"),
            "core/panels/organisation.html",
            ADMIN,
            10,
            _organisation,
        ),
        Panel(
            "admin-activity",
            _("Recent activity"),
            "core/panels/recent_activity.html",
            ADMIN | LEAD,
            50,
            _recent_activity,
        ),
        Panel("viewer-welcome", _("Welcome"), EMPTY, VIEWER, 10),
        Panel("my-jobs", _("My jobs"), "core/panels/my_jobs.html", everyone, 90, _my_jobs),
    ]
    for panel in panels:
        register_panel(panel)
