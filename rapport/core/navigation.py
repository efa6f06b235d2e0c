"""Navigation and home-page panels are registries that each app adds to in ready().

Later apps (customers, sales, goals…) register their menu entries and home panels
here instead of editing the base template.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise

from rapport.org.models import Role

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    order: int = 100
    roles: frozenset[str] = ALL_ROLES  # home roles that see the entry
    admin_only: bool = False


@dataclass(frozen=True)
class Panel:
    """A home-page panel: a template rendered with `build(request)` as its context."""

    key: str
    title: str | Promise
    template: str
    roles: frozenset[str]
    order: int = 100
    build: Callable | None = None


_nav: list[NavItem] = []
_panels: list[Panel] = []


def register_nav(item: NavItem) -> None:
    if item not in _nav:
        _nav.append(item)


def register_panel(panel: Panel) -> None:
    if all(existing.key != panel.key for existing in _panels):
        _panels.append(panel)


def nav_for(scope) -> list[dict]:
    role = scope.home_role
    items = [
        item
        for item in sorted(_nav, key=lambda i: i.order)
        if (scope.is_admin or not item.admin_only)
        and (scope.is_admin or role in item.roles or bool(scope.roles & item.roles))
    ]
    return [
        {"label": item.label, "url": reverse(item.url_name), "name": item.url_name}
        for item in items
    ]


def panels_for(scope) -> list[Panel]:
    role = scope.home_role
    return [panel for panel in sorted(_panels, key=lambda p: p.order) if role in panel.roles]
