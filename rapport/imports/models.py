"""Import runs and remembered column mappings.

An `ImportRun` is one uploaded file on its way through the wizard (upload → map → dry run
→ run). It is visible to the user who uploaded it and to admins only: its report names
rows of the file, never rows of the database outside the importer's scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rapport.core.models import BaseModel, ScopedQuerySet
from rapport.imports.base import ENTITY_CHOICES


class OwnerOnlyQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        from rapport.org.scope import scope_for

        if not user.is_authenticated:
            return self.none()
        return self.all() if scope_for(user).is_admin else self.filter(owner_id=user.pk)

    def editable_by(self, user):
        from rapport.org.scope import scope_for

        scope = scope_for(user)
        if not user.is_authenticated or not scope.can_write:
            return self.none()
        return self.filter(owner_id=user.pk)


class Duplicates(models.TextChoices):
    SKIP = "skip", _("Skip them")
    UPDATE = "update", _("Update the existing record")
    CREATE = "create", _("Create them anyway")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Dry run in progress")
    CHECKED = "checked", _("Checked")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")


class ImportRun(BaseModel):
    """One file imported (or being checked) by one user for one kind of record."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="import_runs",
    )
    entity = models.CharField(_("records"), max_length=20, choices=ENTITY_CHOICES)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("format"), max_length=8, blank=True)
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=list, blank=True)
    duplicates = models.CharField(
        _("duplicates"), max_length=8, choices=Duplicates.choices, default=Duplicates.SKIP
    )
    skip_bad_rows = models.BooleanField(_("skip bad rows"), default=False)
    import_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of the new records"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    dry_run = models.BooleanField(_("last run was a dry run"), default=True)
    job = models.ForeignKey(
        "core.Job",
        verbose_name=_("job"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    error_file = models.FileField(_("error file"), upload_to="imports/errors/%Y/%m/", blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = OwnerOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="import_owner_created"),
            models.Index(fields=["owner", "entity", "sha256"], name="import_owner_sha"),
        ]

    def __str__(self) -> str:
        return f"{self.get_entity_display()} · {self.filename}"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_busy(self) -> bool:
        return self.status in {ImportStatus.CHECKING, ImportStatus.RUNNING}

    @property
    def can_run(self) -> bool:
        """Checked by a dry run, and either clean or set to skip the bad rows."""
        return self.status == ImportStatus.CHECKED and (
            self.skip_bad_rows or not self.counts.get("errors")
        )


class ImportMapping(BaseModel):
    """The columns a user chose for a file with these headers, offered again next time."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    entity = models.CharField(_("records"), max_length=20, choices=ENTITY_CHOICES)
    signature = models.CharField(_("header signature"), max_length=64)
    mapping = models.JSONField(_("column mapping"), default=list)

    objects = OwnerOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("import column mapping")
        verbose_name_plural = _("import column mappings")
        constraints = [
            models.UniqueConstraint("owner", "entity", "signature", name="imports_mapping_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} · {self.entity}"
