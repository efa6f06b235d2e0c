"""People and organisation: users, the team tree, memberships with roles, API tokens."""

from __future__ import annotations

import hashlib
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.models import ArchivableModel, BaseModel, ScopedQuerySet


def validate_time_zone(value: str) -> None:
    """An IANA time zone name such as Asia/Shanghai (empty means the company default)."""
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("Enter an IANA time zone such as Asia/Shanghai."), code="time_zone"
        ) from None


class Role(models.TextChoices):
    """Roles are data on the membership (DESIGN §5); permissions read these properties."""

    ADMIN = "admin", _("Admin")
    TEAM_LEAD = "team_lead", _("Team lead")
    QUALITY_MANAGER = "quality_manager", _("Quality manager")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    VIEWER = "viewer", _("Viewer")


# Roles that a policy obliges to use two-factor authentication.
ROLES_REQUIRING_2FA = frozenset({Role.ADMIN, Role.TEAM_LEAD})


class AdminWritesQuerySet(ScopedQuerySet):
    """Organisation data: everyone reads within scope, only admins create and change."""

    def editable_by(self, user):
        from rapport.org.scope import scope_for

        return self.all() if scope_for(user).is_admin else self.none()

    def creatable_by(self, user) -> bool:
        from rapport.org.scope import scope_for

        return scope_for(user).is_admin


class UserQuerySet(AdminWritesQuerySet):
    def visible_to(self, user) -> UserQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        in_teams = Membership.objects.filter(team_id__in=scope.team_ids).values("user_id")
        return self.filter(Q(pk=user.pk) | Q(pk__in=in_teams))


class RapportUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A person who signs in. Logs in by username or email."""

    class Language(models.TextChoices):
        AUTO = "", _("Browser default")
        EN = "en", "English"
        ZH_HANS = "zh-hans", "简体中文"

    email = models.EmailField(_("email address"), blank=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    english_name = models.CharField(_("English name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, blank=True, default=""
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, default="", validators=[validate_time_zone]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = RapportUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~Q(email=""),
                name="org_user_email_unique_ci",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def etag(self) -> str:
        return f'"org.user-{self.pk}-v{self.version}"'

    def get_absolute_url(self) -> str:
        return reverse("org:user-detail", args=[self.pk])


class TeamQuerySet(AdminWritesQuerySet):
    def visible_to(self, user) -> TeamQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        return self.filter(pk__in=scope.team_ids)

    def subtree_of(self, team_ids) -> TeamQuerySet:
        """Teams at or below any of the given teams (materialised path prefix match)."""
        paths = Team.objects.filter(pk__in=team_ids).values_list("path", flat=True)
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(path__startswith=path)
        return self.filter(query)


class Team(ArchivableModel):
    """A team in the organisation tree. `path` ("/1/4/9/") makes subtree queries one
    indexed prefix match; it is rewritten for the whole subtree when a team moves."""

    name = models.CharField(_("name"), max_length=100)
    english_name = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True, default="")
    description = models.TextField(_("description"), blank=True, max_length=2000)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint("parent", "name", name="org_team_name_unique_in_parent"),
            models.UniqueConstraint(
                "name", condition=Q(parent__isnull=True), name="org_team_name_unique_at_root"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:team-detail", args=[self.pk])

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 2, 0)

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class MembershipQuerySet(AdminWritesQuerySet):
    def visible_to(self, user) -> MembershipQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(team_id__in=scope.team_ids) | Q(user_id=user.pk))


class Membership(BaseModel):
    """A user's role in a team. Each user has at most one primary team."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_primary = models.BooleanField(_("primary team"), default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["team__path", "user__username"]
        constraints = [
            models.UniqueConstraint("user", "team", name="org_membership_user_team_unique"),
            models.UniqueConstraint(
                "user", condition=Q(is_primary=True), name="org_membership_one_primary"
            ),
        ]
        indexes = [models.Index(fields=["team", "role"], name="org_membership_team_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.team} · {self.get_role_display()}"

    def get_absolute_url(self) -> str:
        return reverse("org:team-detail", args=[self.team_id])


class ApiTokenQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> ApiTokenQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(user_id=user.pk)

    def editable_by(self, user) -> ApiTokenQuerySet:
        return self.visible_to(user)

    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(BaseModel):
    """An API token. Only a SHA-256 hash of the key is stored; the key is shown once.
    Confidential: visible to its owner only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class JobDescriptionQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> JobDescriptionQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        return self.filter(team_id__in=scope.team_ids)

    def editable_by(self, user) -> JobDescriptionQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        return self.filter(team_id__in=scope.led_team_ids)

    def creatable_by(self, user) -> bool:
        from rapport.org.scope import scope_for

        return scope_for(user).can_manage_team


class JobDescription(ArchivableModel):
    """岗位职责: what a role in a team is responsible for. Everyone in the team reads it;
    the team's lead and admins write it. Added by following docs/adding-an-entity.md."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="job_descriptions"
    )
    title = models.CharField(_("title"), max_length=100)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    responsibilities = models.TextField(_("responsibilities"), max_length=5000)
    requirements = models.TextField(_("requirements"), max_length=5000, blank=True)

    objects = JobDescriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("job description")
        verbose_name_plural = _("job descriptions")
        ordering = ["team__path", "title"]
        constraints = [
            models.UniqueConstraint("team", "title", name="org_jobdescription_title_unique"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("org:jobdescription-detail", args=[self.pk])
