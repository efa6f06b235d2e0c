"""Dashboard pages: personal, team and company, each exportable (XLSX per table, PDF)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from rapport.goals.dashboards.company import company_dashboard
from rapport.goals.dashboards.personal import personal_dashboard
from rapport.goals.dashboards.team import team_dashboard
from rapport.goals.models import GoalSettings
from rapport.goals.periods import Period, PeriodKind, local_today
from rapport.goals.selectors import Subject, require_view


def chosen_period(request, default_kind: str = PeriodKind.QUARTER) -> Period:
    """The period in ?period= (2026-11, 2026-Q3, 2026), else the current one."""
    fiscal = GoalSettings.current().fiscal_year_start
    text = request.GET.get("period", "")
    if text:
        try:
            return Period.parse(text, fiscal)
        except ValueError:
            pass
    return Period.containing(local_today(), default_kind, fiscal)


def period_choices(current: Period) -> list[dict]:
    """This month, quarter and year, and the previous ones, for the period menu."""
    today = local_today()
    fiscal = current.fiscal_start
    choices = []
    for kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
        now = Period.containing(today, kind, fiscal)
        for period in (now, now.shifted(-1)):
            choices.append(
                {"code": period.code, "label": period.code, "selected": period == current}
            )
    return choices


def _respond(request, *, title: str, subtitle: str, panels, template_extra: dict):
    export = request.GET.get("export")
    if export:
        return _export(request, export, title=title, subtitle=subtitle, panels=panels)
    context = {"title": title, "subtitle": subtitle, "panels": panels, **template_extra}
    return render(request, "goals/dashboard.html", context)


def _export(request, kind: str, *, title: str, subtitle: str, panels) -> HttpResponse:
    from rapport.goals import exports

    if kind == "pdf":
        body = exports.dashboard_pdf(title=title, subtitle=subtitle, panels=panels)
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = exports.content_disposition(title, "pdf")
        return response
    if kind == "xlsx":
        panel = next((p for p in panels if p.key == request.GET.get("panel") and p.table), None)
        if panel is None:
            raise Http404
        body = exports.panel_xlsx(panel, title=title, base_url=request.build_absolute_uri("/"))
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = exports.content_disposition(
            f"{title} {panel.title}", "xlsx"
        )
        return response
    raise Http404


@login_required
def my_dashboard(request):
    panels = personal_dashboard(request.user)
    title = _("My dashboard")
    return _respond(
        request,
        title=title,
        subtitle=request.user.display_name,
        panels=panels,
        template_extra={"kind": "personal"},
    )


def _default_team(user):
    from rapport.org.scope import scope_for

    scope = scope_for(user)
    led = sorted(scope.led_team_ids)
    if led:
        from rapport.org.models import Team

        # The highest team the user leads: the one whose subtree holds the others.
        return Team.objects.filter(pk__in=led).order_by("path").first()
    if scope.primary_team_id:
        from rapport.org.models import Team

        return Team.objects.filter(pk=scope.primary_team_id).first()
    return None


@login_required
def team_dashboard_default(request):
    team = _default_team(request.user)
    if team is None:
        raise Http404
    return redirect("goals:team-dashboard", pk=team.pk)


@login_required
def team_dashboard_view(request, pk: int):
    from rapport.org.models import Team

    team = get_object_or_404(Team.objects.visible_to(request.user), pk=pk)
    require_view(request.user, Subject("team", team.pk))
    period = chosen_period(request)
    panels = team_dashboard(request.user, team, period)
    from rapport.org.scope import scope_for

    scope = scope_for(request.user)
    teams = (
        Team.objects.filter(pk__in=scope.book_team_ids | scope.member_team_ids)
        if not scope.is_admin
        else Team.objects.all()
    )
    return _respond(
        request,
        title=_("Team dashboard: %(team)s") % {"team": team.name},
        subtitle=period.code,
        panels=panels,
        template_extra={
            "kind": "team",
            "team": team,
            "period": period,
            "periods": period_choices(period),
            "teams": teams.filter(archived_at__isnull=True).order_by("path"),
        },
    )


@login_required
def company_dashboard_view(request):
    require_view(request.user, Subject("company"))
    period = chosen_period(request)
    panels = company_dashboard(request.user, period)
    return _respond(
        request,
        title=_("Company dashboard"),
        subtitle=period.code,
        panels=panels,
        template_extra={"kind": "company", "period": period, "periods": period_choices(period)},
    )
