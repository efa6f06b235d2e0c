"""Template filters of goals: figures as shown, progress bars."""

from __future__ import annotations

from django import template

from rapport.goals.dashboards.base import fmt

register = template.Library()


@register.filter
def figure(value, unit: str = "count") -> str:
    return fmt(value, unit or "count")


@register.filter
def clamp_percent(value) -> int:
    """A progress bar's value: 0..100 (over-achievement shows as a full bar)."""
    if value is None:
        return 0
    return int(max(0, min(100, value)))
