"""Shared pieces for the FilterSets of every app."""

from django import forms
from django.utils.translation import gettext_lazy as _

# The `q` box of every list: a search input with a placeholder instead of a label.
SEARCH_WIDGET = forms.TextInput(
    attrs={"type": "search", "placeholder": _("Search…"), "aria-label": _("Search")}
)
