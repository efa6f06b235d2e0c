"""Base classes every business model builds on, and the Job record for long work.

`BaseModel` gives created/updated stamps and a `version` counter used for optimistic
locking (ETag / If-Match on the API, a hidden field on forms). `ScopedQuerySet` is the one
scope mechanism of DESIGN §5: every business model's manager answers `visible_to(user)`
and `editable_by(user)`, and every view, API endpoint, export and job starts from it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows who may see and change its rows.

    Subclasses implement `visible_to`; `editable_by` defaults to "visible and the user
    may write business data at all" and is narrowed where a model needs it.
    """

    def visible_to(self, user) -> ScopedQuerySet:  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.model.__name__} must define visible_to(user)")

    def editable_by(self, user) -> ScopedQuerySet:
        from rapport.org.scope import scope_for

        if not scope_for(user).can_write:
            return self.none()
        return self.visible_to(user)

    def creatable_by(self, user) -> bool:
        """May `user` create rows of this model at all (field rules come later)."""
        from rapport.org.scope import scope_for

        return scope_for(user).can_write


class BaseModel(models.Model):
    """Created/updated stamps and a version counter for stale-write detection."""

    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f'"{self._meta.label_lower}-{self.pk}-v{self.version}"'


class ArchivableModel(BaseModel):
    """Business records are archived, never deleted (DESIGN §6)."""

    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class JobQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> JobQuerySet:
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if scope.is_admin:
            return self.all()
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def editable_by(self, user) -> JobQuerySet:
        return self.visible_to(user)


class Job(BaseModel):
    """A long piece of work a user started or watches: status, progress, log, result file.

    Visible to the user who started it and to admins.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="jobs",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    log = models.TextField(_("log"), blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="core_job_owner_created")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("core:job-detail", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.progress * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}


class SavedViewQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> SavedViewQuerySet:
        """Your own views, and views shared with a team you are in (or below)."""
        from rapport.org.scope import scope_for

        if not user.is_authenticated:
            return self.none()
        scope = scope_for(user)
        return self.filter(
            models.Q(owner_id=user.pk)
            | models.Q(shared=True, team_id__in=scope.ancestor_team_ids | scope.team_ids)
            | models.Q(shared=True, team__isnull=True)
        )

    def editable_by(self, user) -> SavedViewQuerySet:
        from rapport.org.scope import scope_for

        if scope_for(user).is_admin:
            return self.visible_to(user)
        return self.filter(owner_id=user.pk) if user.is_authenticated else self.none()

    def creatable_by(self, user) -> bool:
        return bool(user.is_authenticated)


class SavedView(BaseModel):
    """A named filter and sort of a list page, for its owner or shared with a team
    (everyone when no team is given)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list_key = models.CharField(_("list"), max_length=64)
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    shared = models.BooleanField(_("shared"), default=False)
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("shared with team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["list_key", "name"]
        constraints = [
            models.UniqueConstraint("owner", "list_key", "name", name="core_savedview_unique"),
        ]
        indexes = [models.Index(fields=["list_key", "owner"], name="core_savedview_list")]

    def __str__(self) -> str:
        return self.name
