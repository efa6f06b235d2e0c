"""Saved views of list pages: a named filter and sort, for oneself or shared with a team.

A list page registers itself once (`register_list("customers", "customers:customer-list",
keys)`) and includes `core/_saved_views.html` with `saved_views_context(request, key)`.
Only the registered query keys are stored, so a saved view can never carry anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.audit.models import Action
from rapport.audit.services import record
from rapport.core import services as core
from rapport.core.models import SavedView


@dataclass(frozen=True)
class SavedList:
    key: str
    url_name: str
    keys: frozenset[str]


_lists: dict[str, SavedList] = {}


def register_list(key: str, url_name: str, keys) -> None:
    _lists[key] = SavedList(key, url_name, frozenset(keys) - {"page"})


def clean_query(list_key: str, query: QueryDict | dict) -> str:
    """The query string of a list, kept to its registered filter and sort keys."""
    saved = _lists.get(list_key)
    if saved is None:
        return ""
    if not isinstance(query, QueryDict):
        query = QueryDict(urlencode(query, doseq=True))
    pairs = [
        (key, value[:200])
        for key in sorted(saved.keys)
        for value in query.getlist(key)
        if value != ""
    ]
    return urlencode(pairs)[:2000]


def share_teams(user):
    """Teams a saved view may be shared with: the ones the user is in or leads."""
    from rapport.org.models import Team
    from rapport.org.scope import scope_for

    return Team.objects.filter(pk__in=scope_for(user).team_ids, archived_at__isnull=True)


@transaction.atomic
def saved_view_create(
    *, actor, list_key: str, name: str, query: str, team=None, everyone: bool = False
) -> SavedView:
    """Save a list's filters for `actor`, or shared with one of their teams (or, for an
    admin, with everyone). The same name again replaces the actor's earlier view."""
    from rapport.org.scope import scope_for

    if list_key not in _lists:
        raise ValidationError({"list_key": _("Unknown list.")})
    if everyone and not scope_for(actor).is_admin:
        raise ValidationError({"team": _("Only an admin may share a view with everyone.")})
    if team is not None and not share_teams(actor).filter(pk=team.pk).exists():
        raise ValidationError({"team": _("You may share a view only with your own teams.")})
    name = " ".join((name or "").split())
    data = {
        "owner": actor,
        "list_key": list_key,
        "name": name,
        "query": clean_query(list_key, QueryDict(query)),
        "shared": bool(team) or everyone,
        "team": team,
    }
    existing = SavedView.objects.filter(owner=actor, list_key=list_key, name=name).first()
    if existing is not None:
        data.pop("owner")
        return core.update_object(actor=actor, obj=existing, data=data)
    return core.create_object(actor=actor, model=SavedView, data=data)


@transaction.atomic
def saved_view_delete(*, actor, view: SavedView) -> None:
    if not SavedView.objects.editable_by(actor).filter(pk=view.pk).exists():
        raise PermissionDenied
    record(
        actor=actor,
        action=Action.DELETE,
        obj=view,
        changes={"name": [view.name, None], "query": [view.query, None]},
    )
    view.delete()


def saved_views_context(request, list_key: str) -> dict:
    from rapport.org.scope import scope_for

    views = list(
        SavedView.objects.visible_to(request.user)
        .filter(list_key=list_key)
        .select_related("owner", "team")
        .order_by("name", "id")
    )
    for view in views:
        view.mine = view.owner_id == request.user.pk
    return {
        "saved_views": views,
        "saved_list_key": list_key,
        "saved_query": clean_query(list_key, request.GET),
        "saved_share_teams": list(share_teams(request.user)),
        "saved_can_share_all": scope_for(request.user).is_admin,
    }


class SavedViewsMixin:
    """For a list page registered with `register_list`: its saved views in the context
    (the template includes `core/_saved_views.html`)."""

    saved_list_key = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(saved_views_context(self.request, self.saved_list_key))
        return context


def _back(list_key: str, query: str = "") -> str:
    saved = _lists.get(list_key)
    if saved is None:
        raise Http404
    url = reverse(saved.url_name)
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def saved_view_save(request):
    from rapport.org.models import Team

    list_key = request.POST.get("list_key", "")
    back = _back(list_key, clean_query(list_key, QueryDict(request.POST.get("query", ""))))
    share = request.POST.get("share", "")
    team = None
    if share.isdigit():
        team = Team.objects.filter(pk=int(share)).first()
    try:
        view = saved_view_create(
            actor=request.user,
            list_key=list_key,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            team=team,
            everyone=share == "all",
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(back)
    messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
    return redirect(_back(list_key, view.query))


@login_required
@require_POST
def saved_view_remove(request, pk: int):
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=pk)
    saved_view_delete(actor=request.user, view=view)
    messages.success(request, _("Deleted the view “%(name)s”.") % {"name": view.name})
    return redirect(_back(view.list_key))
