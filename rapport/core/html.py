"""Small helpers for HTML built in Python on hot paths, where the template engine's cost
per variable adds up (a list page renders thousands of them; ADR 0012)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.urls import reverse

# Digits only, so that it satisfies an <int:pk> converter, and long enough never to occur
# by chance elsewhere in a URL.
_MARKER = 9_876_543_210


def pk_url(viewname: str) -> Callable[[int], str]:
    """`reverse(viewname, args=[pk])` for many pks at the cost of one reverse."""
    head, _sep, tail = reverse(viewname, args=[_MARKER]).rpartition(str(_MARKER))
    return lambda pk: f"{head}{pk}{tail}"


def choice_labels(choices: Iterable[tuple[str, object]]) -> dict[str, str]:
    """A choices enum's labels translated once (get_FOO_display translates per call)."""
    return {value: str(label) for value, label in choices}
