"""Errors that services raise and both pages and the API translate for the user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class StaleObjectError(Exception):
    """The record changed since the user loaded it; `changes` says what changed."""

    def __init__(self, obj, changes: list[dict]):
        super().__init__(str(_("This record was changed by someone else since you opened it.")))
        self.obj = obj
        self.changes = changes


class OutOfReachError(Exception):
    """A write would move a record out of the acting user's own scope."""

    message = _("You cannot move this record out of your own reach.")
