"""Template filters of the customer book: phones for people, due badges, safe links."""

from __future__ import annotations

import datetime as dt

from django import template
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from rapport.customers.normalize import display_phone

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """+8613800138000 → 138 0013 8000 (the stored E.164 stays in the tel: link)."""
    return display_phone(e164 or "")


@register.filter
def due_state(due_on: dt.date | None) -> str:
    """overdue / today / soon (within a week) / "" for a customer's contact due date."""
    if not due_on:
        return ""
    today = timezone.localdate()
    if due_on < today:
        return "overdue"
    if due_on == today:
        return "today"
    if due_on <= today + dt.timedelta(days=6):
        return "soon"
    return ""


@register.filter
def days_overdue(due_on: dt.date | None) -> int:
    if not due_on:
        return 0
    return max(0, (timezone.localdate() - due_on).days)


@register.filter
def url_or_empty(obj) -> str:
    """The object's page, or "" while that page does not exist yet (another app's)."""
    try:
        return obj.get_absolute_url()
    except (NoReverseMatch, AttributeError):
        return ""


@register.filter
def due_badge(due_on: dt.date | None) -> SafeString:
    """The due or overdue badge of a customer: a filter rather than an included template,
    since the list renders it on every row (an include costs a context and a node tree)."""
    if not due_on:
        return mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant
    state = due_state(due_on)
    iso = due_on.isoformat()
    if state == "overdue":
        days = days_overdue(due_on)
        text = ngettext("%(days)s day overdue", "%(days)s days overdue", days) % {"days": days}
        return format_html('<span class="badge bad" title="{}">{}</span>', iso, text)
    if state == "today":
        return format_html('<span class="badge warn">{}</span>', gettext("Due today"))
    if state == "soon":
        text = gettext("Due %(date)s") % {"date": due_on.strftime("%m-%d")}
        return format_html('<span class="badge soon" title="{}">{}</span>', iso, text)
    return format_html('<span class="muted small">{}</span>', iso)


@register.simple_tag(takes_context=True)
def customer_rows(context, customers, can_write=False) -> SafeString:
    """The customer list's rows (built in Python: `rapport.customers.rows`)."""
    from django.template.defaultfilters import urlencode

    from rapport.customers.rows import customer_rows as rows

    next_here = urlencode(context["request"].get_full_path())
    return rows(customers, can_write=bool(can_write), next_here=next_here)
