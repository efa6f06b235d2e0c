"""Goal pages: the list with pace, a goal with its key results, shares and check-ins,
the forms, the approval actions and the split (目标分解)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.errors import StaleObjectError
from rapport.goals import services
from rapport.goals.forms import CheckInForm, GoalForm, KeyResultForm, KeyResultFormSet, ReturnForm
from rapport.goals.models import Goal, GoalStatus, KeyResult, OwnerKind
from rapport.goals.periods import local_today
from rapport.goals.progress import progress_for
from rapport.goals.smart import smart_check
from rapport.goals.views.dashboards import chosen_period, period_choices


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, found in error.message_dict.items():
            form.add_error(field if field in form.fields else None, found)
    else:
        form.add_error(None, error.messages)


@login_required
def goal_list(request):
    period = chosen_period(request)
    goals = (
        Goal.objects.visible_to(request.user)
        .live()
        .filter(period_start__lte=period.last, period_end__gte=period.first)
        .select_related("owner_team", "owner_user", "parent")
        .order_by("owner_kind", "owner_team__path", "owner_user__username", "title")
    )
    status = request.GET.get("status", "")
    if status in GoalStatus.values:
        goals = goals.filter(status=status)
    if request.GET.get("mine"):
        goals = goals.filter(owner_user=request.user)
    goals = list(goals[:200])
    krs = list(
        KeyResult.objects.filter(goal__in=[g.pk for g in goals])
        .select_related("goal")
        .order_by("position", "pk")
    )
    progress = progress_for(request.user, krs)
    by_goal: dict = {}
    for kr in krs:
        by_goal.setdefault(kr.goal_id, []).append(progress[kr.pk])
    fiscal = period.fiscal_start
    rows = [
        {"goal": goal, "progress": by_goal.get(goal.pk, []), "code": goal.period_in(fiscal).code}
        for goal in goals
    ]
    return render(
        request,
        "goals/goal_list.html",
        {
            "rows": rows,
            "period": period,
            "periods": period_choices(period),
            "statuses": GoalStatus.choices,
            "status": status,
        },
    )


def _visible_goal(request, pk: int) -> Goal:
    return get_object_or_404(
        Goal.objects.visible_to(request.user).select_related("owner_team", "owner_user", "parent"),
        pk=pk,
    )


def _share_candidates(goal: Goal) -> list:
    """Who a target of this goal may be split among: child teams, or the team's members."""
    from rapport.org.models import Membership, Role, Team, User

    if goal.owner_kind == OwnerKind.COMPANY:
        return list(
            Team.objects.filter(
                archived_at__isnull=True, parent__isnull=False, parent__parent__isnull=True
            ).order_by("path")
        ) or list(Team.objects.filter(archived_at__isnull=True).order_by("path"))
    if goal.owner_kind == OwnerKind.TEAM:
        children = list(
            Team.objects.filter(parent_id=goal.owner_team_id, archived_at__isnull=True).order_by(
                "path"
            )
        )
        members = Membership.objects.filter(
            team_id=goal.owner_team_id, role__in=[Role.ACCOUNT_MANAGER, Role.TEAM_LEAD]
        ).values("user_id")
        return children + list(
            User.objects.filter(pk__in=members, is_active=True).order_by("full_name", "username")
        )
    return []


@login_required
def goal_detail(request, pk: int):
    goal = _visible_goal(request, pk)
    krs = list(goal.key_results.select_related("goal").order_by("position", "pk"))
    manage = services.can_manage(request.user, goal)
    # Shares are other people's goals: list only those the viewer may see (a manager sees
    # them all, and only a manager is told whether they add up).
    shares = list(
        KeyResult.objects.visible_to(request.user)
        .filter(parent__in=krs, goal__archived_at__isnull=True)
        .select_related("goal", "goal__owner_user", "goal__owner_team")
    )
    progress = progress_for(request.user, krs + shares)
    candidates = _share_candidates(goal) if manage else []
    items = []
    for kr in krs:
        mine = [s for s in shares if s.parent_id == kr.pk]
        given = {(s.goal.owner_team_id, s.goal.owner_user_id): s.target for s in mine}
        split_rows = [
            {
                "owner": c,
                "field": f"share-{kr.pk}-{type(c).__name__.lower()}-{c.pk}",
                "target": given.get((c.pk, None) if type(c).__name__ == "Team" else (None, c.pk)),
            }
            for c in candidates
        ]
        items.append(
            {
                "kr": kr,
                "progress": progress[kr.pk],
                "split": services.split_status(kr, mine) if manage else None,
                "shares": [(s, progress[s.pk]) for s in mine],
                "split_rows": split_rows,
                "check_ins": list(kr.check_ins.select_related("author")[:10])
                if kr.is_manual
                else [],
            }
        )
    editable = Goal.objects.editable_by(request.user).filter(pk=goal.pk).exists()
    findings = []
    if goal.status != GoalStatus.ACTIVE:
        findings = smart_check(request.user, goal, actor_can_manage=manage or goal.top_level)
    return render(
        request,
        "goals/goal_detail.html",
        {
            "goal": goal,
            "items": items,
            "manage": manage,
            "editable": editable,
            "findings": findings,
            "can_check_in": services.can_check_in(request.user, goal),
            "can_propose": goal.owner_user_id == request.user.pk
            and goal.status in (GoalStatus.DRAFT, GoalStatus.RETURNED),
            "check_in_form": CheckInForm(),
            "return_form": ReturnForm(),
            "kr_form": KeyResultForm(prefix="kr"),
            "children": list(
                Goal.objects.visible_to(request.user)
                .live()
                .filter(parent=goal)
                .select_related("owner_user", "owner_team")
            ),
        },
    )


@login_required
def goal_create(request):
    if not Goal.objects.all().creatable_by(request.user):
        raise PermissionDenied
    form = GoalForm(
        request.POST or None,
        user=request.user,
        initial={
            "owner_kind": OwnerKind.USER,
            "period_kind": "quarter",
            "period_start": local_today(),
        },
    )
    formset = KeyResultFormSet(request.POST or None, prefix="kr")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = {
            k: v for k, v in form.cleaned_data.items() if k != "version" and v not in (None, "")
        }
        data.setdefault("top_level", form.cleaned_data.get("top_level", False))
        key_results = [
            {k: v for k, v in f.cleaned_data.items() if v not in (None, "") or k == "metric"}
            for f in formset.forms
            if f.cleaned_data.get("title")
        ]
        try:
            goal = services.goal_create(actor=request.user, data=data, key_results=key_results)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("Goal saved as a draft. Check it, then publish or propose it.")
            )
            return redirect(goal)
    return render(request, "goals/goal_form.html", {"form": form, "formset": formset})


@login_required
def goal_update(request, pk: int):
    goal = _visible_goal(request, pk)
    if not Goal.objects.editable_by(request.user).filter(pk=goal.pk).exists():
        raise PermissionDenied
    form = GoalForm(request.POST or None, instance=Goal.objects.get(pk=goal.pk), user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.changed_data if k != "version"}
        try:
            services.goal_update(
                actor=request.user,
                goal=goal,
                data=data,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        except StaleObjectError:
            form.add_error(
                None,
                _("Someone else changed this goal since you opened it. Reload it and save again."),
            )
            status = 409
        else:
            messages.success(request, _("Goal saved."))
            return redirect(goal)
    return render(request, "goals/goal_form.html", {"form": form, "goal": goal}, status=status)


ACTIONS = {
    "publish": (services.goal_publish, _("Goal published.")),
    "propose": (services.goal_propose, _("Goal proposed to your lead.")),
    "approve": (services.goal_approve, _("Goal approved and published.")),
    "archive": (services.goal_archive, _("Goal archived.")),
}


@login_required
@require_POST
def goal_action(request, pk: int, action: str):
    goal = _visible_goal(request, pk)
    try:
        if action == "return":
            form = ReturnForm(request.POST)
            comment = form.data.get("comment", "")
            services.goal_return(actor=request.user, goal=goal, comment=comment)
            messages.success(request, _("Goal sent back with your comment."))
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            service(actor=request.user, goal=goal)
            messages.success(request, done)
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(goal)


@login_required
@require_POST
def key_result_add(request, pk: int):
    goal = _visible_goal(request, pk)
    form = KeyResultForm(request.POST, prefix="kr")
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "metric"}
        try:
            services.key_result_add(actor=request.user, goal=goal, data=data)
            messages.success(request, _("Key result added."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(goal)


@login_required
@require_POST
def key_result_split(request, pk: int):
    kr = get_object_or_404(KeyResult.objects.visible_to(request.user).select_related("goal"), pk=pk)
    owners = {
        f"share-{kr.pk}-{type(c).__name__.lower()}-{c.pk}": c for c in _share_candidates(kr.goal)
    }
    shares = [
        {"owner": owner, "target": request.POST[field].strip()}
        for field, owner in owners.items()
        if request.POST.get(field, "").strip()
    ]
    try:
        with transaction.atomic():
            services.key_result_split(actor=request.user, key_result=kr, shares=shares)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        status = services.split_status(kr)
        if status["mismatch"]:
            messages.warning(
                request,
                _("Saved, but the shares add up to %(total)s, not %(target)s.")
                % {"total": f"{status['total']:,.0f}", "target": f"{kr.target:,.0f}"},
            )
        else:
            messages.success(request, _("Target split."))
    return redirect(kr.goal)


@login_required
@require_POST
def check_in(request, pk: int):
    kr = get_object_or_404(KeyResult.objects.visible_to(request.user).select_related("goal"), pk=pk)
    form = CheckInForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(kr.goal)
    try:
        services.check_in_create(actor=request.user, key_result=kr, **form.cleaned_data)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Check-in saved."))
    return redirect(kr.goal)
