"""Menu entries and home panels of the sales app: an account manager's own pipeline and
a lead's pipeline by stage, both one grouped query over the user's scope."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rapport.core.navigation import NavItem, Panel, register_nav, register_panel
from rapport.org.models import Role

AM = frozenset({Role.ACCOUNT_MANAGER})
LEAD = frozenset({Role.TEAM_LEAD})
TEMPLATE = "sales/panels/pipeline.html"


def _rows(request, *, mine: bool) -> dict:
    from rapport.sales import selectors
    from rapport.sales.models import Opportunity

    queryset = Opportunity.objects.visible_to(request.user)
    if mine:
        queryset = queryset.filter(owner_id=request.user.pk)
    rows = selectors.pipeline_by_stage(queryset)
    pipelines = {row["stage"].pipeline_id for row in rows}
    return {
        "rows": rows,
        "mine": mine,
        "several_pipelines": len(pipelines) > 1,
        "can_add": Opportunity.objects.all().creatable_by(request.user),
    }


def my_pipeline(request) -> dict:
    return _rows(request, mine=True)


def team_pipeline(request) -> dict:
    return _rows(request, mine=False)


def register() -> None:
    from rapport.core.saved_views import register_list
    from rapport.sales.filters import OpportunityFilter

    register_nav(NavItem(_("Opportunities"), "sales:opportunity-list", order=30))
    register_list("opportunities", "sales:opportunity-list", OpportunityFilter.base_filters)
    register_nav(NavItem(_("Board"), "sales:board", order=31))
    register_nav(NavItem(_("Forecast"), "sales:forecast", order=32))
    register_nav(NavItem(_("Pipelines"), "sales:pipeline-list", order=85, admin_only=True))
    register_panel(Panel("am-pipeline", _("My pipeline"), TEMPLATE, AM, 30, my_pipeline))
    register_panel(
        Panel("lead-pipeline", _("Pipeline by stage"), TEMPLATE, LEAD, 40, team_pipeline)
    )
