"""Writes with rules for people and organisation. Pages, API and commands call these."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.audit.models import Action
from rapport.audit.services import record, snapshot
from rapport.core import services as core
from rapport.org.models import ApiToken, Membership, Team
from rapport.org.scope import forget_scope

User = get_user_model()

USER_FIELDS = ["username", "email", "full_name", "english_name", "phone", "language", "time_zone"]


# --- users ------------------------------------------------------------------------------------
@transaction.atomic
def user_create(*, actor, data: dict[str, Any], password: str | None = None) -> User:
    data = dict(data)
    is_superuser = bool(data.pop("is_superuser", False))
    user = User(**data, is_superuser=is_superuser, is_staff=is_superuser)
    if password:
        from django.contrib.auth.password_validation import validate_password

        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=user,
        changes={k: [None, v] for k, v in snapshot(user, USER_FIELDS).items() if v},
    )
    return user


def user_update(*, actor, user: User, data: dict[str, Any], expected_version=None) -> User:
    unknown = set(data) - set(USER_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed here.") for name in unknown})
    return core.update_object(actor=actor, obj=user, data=data, expected_version=expected_version)


def _end_sessions(user: User) -> int:
    """Delete every server-side session of `user` (the session table has no user column,
    so decode; allauth's usersessions index lets us go straight to the keys)."""
    from allauth.usersessions.models import UserSession

    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    ended = Session.objects.filter(session_key__in=keys).delete()[0]
    UserSession.objects.filter(user=user).delete()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_deactivate(*, actor, user: User, reason: str = "") -> User:
    """Deactivate a user: their sessions and API tokens end at once."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError({"is_active": _("You cannot deactivate yourself.")})
    if not user.is_active:
        return user
    core.bump_version(user, None)
    user.is_active = False
    user.save(update_fields=["is_active", "updated_at", "version"])
    now = timezone.now()
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    sessions = _end_sessions(user)
    record(
        actor=actor,
        action=Action.DEACTIVATE,
        obj=user,
        changes={"is_active": [True, False]},
        extra={
            "reason": reason,
            "tokens_revoked": revoked,
            "sessions_ended": sessions,
            "version": user.version,
        },
    )
    return user


@transaction.atomic
def user_activate(*, actor, user: User) -> User:
    if user.is_active:
        return user
    core.bump_version(user, None)
    user.is_active = True
    user.save(update_fields=["is_active", "updated_at", "version"])
    record(
        actor=actor,
        action=Action.ACTIVATE,
        obj=user,
        changes={"is_active": [False, True]},
        extra={"version": user.version},
    )
    return user


# --- teams ------------------------------------------------------------------------------------
def _parent_path(parent: Team | None) -> str:
    return parent.path if parent is not None else "/"


def _check_parent(team: Team, parent: Team | None) -> None:
    if parent is None:
        return
    if team.pk and (parent.pk == team.pk or parent.path.startswith(team.path)):
        raise ValidationError({"parent": _("A team cannot sit under itself or its own sub-team.")})
    if parent.archived_at is not None:
        raise ValidationError({"parent": _("An archived team cannot take new sub-teams.")})


@transaction.atomic
def team_create(*, actor, data: dict[str, Any]) -> Team:
    _check_parent(Team(), data.get("parent"))
    team = core.create_object(actor=actor, model=Team, data=data)
    team.path = f"{_parent_path(team.parent)}{team.pk}/"
    team.save(update_fields=["path"])
    return team


@transaction.atomic
def team_update(*, actor, team: Team, data: dict[str, Any], expected_version=None) -> Team:
    old_path = team.path
    if "parent" in data:
        _check_parent(team, data["parent"])
    team = core.update_object(actor=actor, obj=team, data=data, expected_version=expected_version)
    new_path = f"{_parent_path(team.parent)}{team.pk}/"
    if new_path != old_path:
        # Moving a team rewrites the path of its whole subtree.
        for below in Team.objects.filter(path__startswith=old_path).only("pk", "path"):
            below.path = new_path + below.path[len(old_path) :]
            below.save(update_fields=["path"])
        team.path = new_path
    return team


@transaction.atomic
def team_archive(*, actor, team: Team, expected_version=None) -> Team:
    if Team.objects.filter(parent=team, archived_at__isnull=True).exists():
        raise ValidationError(_("Archive or move the sub-teams of this team first."))
    return core.archive_object(actor=actor, obj=team, expected_version=expected_version)


# --- memberships ------------------------------------------------------------------------------
def _demote_other_primaries(actor, user_id: int, keep_pk: int | None) -> None:
    """Audited: the user's other memberships stop being primary."""
    others = Membership.objects.filter(user_id=user_id, is_primary=True)
    if keep_pk is not None:
        others = others.exclude(pk=keep_pk)
    for other in others:
        core.update_object(actor=actor, obj=other, data={"is_primary": False})


@transaction.atomic
def membership_create(*, actor, data: dict[str, Any]) -> Membership:
    data = dict(data)
    user = data["user"]
    if not Membership.objects.filter(user=user).exists():
        data["is_primary"] = True  # a user's first team is their primary team
    elif data.get("is_primary"):
        _demote_other_primaries(actor, user.pk, None)
    membership = core.create_object(actor=actor, model=Membership, data=data)
    record(
        actor=actor,
        action=Action.ROLE,
        obj=user,
        changes={"role": [None, membership.role]},
        extra={"team": membership.team_id},
    )
    forget_scope(user)
    return membership


@transaction.atomic
def membership_update(
    *, actor, membership: Membership, data: dict[str, Any], expected_version=None
) -> Membership:
    if {"user", "team"} & set(data) and (
        data.get("user", membership.user) != membership.user
        or data.get("team", membership.team) != membership.team
    ):
        raise ValidationError(_("End this membership and add a new one to move someone."))
    data = {k: v for k, v in data.items() if k in {"role", "is_primary"}}
    old_role = membership.role
    if membership.is_primary and data.get("is_primary") is False:
        raise ValidationError(
            {"is_primary": _("Everyone keeps one primary team: make another team primary.")}
        )
    if data.get("is_primary") and not membership.is_primary:
        _demote_other_primaries(actor, membership.user_id, membership.pk)
    membership = core.update_object(
        actor=actor, obj=membership, data=data, expected_version=expected_version
    )
    if membership.role != old_role:
        record(
            actor=actor,
            action=Action.ROLE,
            obj=membership.user,
            changes={"role": [old_role, membership.role]},
            extra={"team": membership.team_id},
        )
    forget_scope(membership.user)
    return membership


@transaction.atomic
def membership_end(*, actor, membership: Membership) -> None:
    """End a membership (the audit log keeps who was where, and when)."""
    user, team_id, role = membership.user, membership.team_id, membership.role
    was_primary = membership.is_primary
    record(
        actor=actor,
        action=Action.ROLE,
        obj=user,
        changes={"role": [role, None]},
        extra={"team": team_id, "ended": True},
    )
    record(actor=actor, action=Action.DELETE, obj=membership)
    membership.delete()
    if was_primary:
        nxt = Membership.objects.filter(user=user).order_by("created_at").first()
        if nxt:
            core.update_object(actor=actor, obj=nxt, data={"is_primary": True})
    forget_scope(user)


# --- API tokens -------------------------------------------------------------------------------
TOKEN_PREFIX = "rpt_"


@transaction.atomic
def token_create(*, actor, user: User, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; only the key's hash is stored."""
    if not user.is_active:
        raise ValidationError({"user": _("Inactive users cannot have API tokens.")})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip() or _("API token"),
        key_prefix=key[:10],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    record(
        actor=actor,
        action=Action.TOKEN_CREATE,
        obj=token,
        extra={"user": user.pk, "name": token.name},
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        record(actor=actor, action=Action.TOKEN_REVOKE, obj=token, extra={"user": token.user_id})
    return token
