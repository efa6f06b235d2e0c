"""The rows of the customer list, built in Python (ADR 0012).

The list is the book's busiest page: 100 customers of nine cells each. Through the template
engine its rows cost about 45 ms on the reference machine, here about 6. The markup is the
one the template had; `customer_list.html` keeps the rest of the page. Every value from
the database goes through `esc` (the standard library's `html.escape`, as Django's own
`escape` does, without its lazy-string wrapper).
"""

from __future__ import annotations

from html import escape

from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

from rapport.core.html import choice_labels, pk_url
from rapport.customers.models import CustomerStatus, Tier
from rapport.customers.templatetags.customers_extras import due_badge


def esc(value) -> str:
    return escape(str(value))


class RowContext:
    """What every row needs, worked out once per page (URLs, translated labels)."""

    def __init__(self, *, can_write: bool, next_here: str):
        self.can_write = can_write
        self.detail_url = pk_url("customers:customer-detail")
        self.log_url = pk_url("customers:followup-create")
        self.next_here = next_here
        self.statuses = {k: esc(v) for k, v in choice_labels(CustomerStatus.choices).items()}
        self.tiers = {k: esc(v) for k, v in choice_labels(Tier.choices).items()}
        self.archived = esc(gettext("Archived"))
        self.pool = esc(gettext("Public pool"))
        self.log_title = esc(gettext("Log a follow-up"))
        self.log_label = esc(pgettext("verb: log a follow-up", "Log"))


def customer_rows(customers, *, can_write: bool, next_here: str) -> SafeString:
    ctx = RowContext(can_write=can_write, next_here=next_here)
    return mark_safe("".join(_row(customer, ctx) for customer in customers))  # noqa: S308 - escaped parts


def _row(c, ctx: RowContext) -> str:
    select = ""
    if ctx.can_write:
        label = esc(gettext("Select %(name)s") % {"name": c.name})
        select = (
            f'<td><input type="checkbox" name="ids" value="{c.pk}" form="bulk" '
            f'aria-label="{label}"></td>'
        )
    tier, status = esc(c.tier), esc(c.status)
    return (
        f"<tr>{select}<td>{_name(c, ctx)}</td><td>{_owner(c, ctx)}</td>"
        f'<td><span class="tier tier-{tier.lower()}">{ctx.tiers.get(c.tier, tier)}</span></td>'
        f'<td><span class="status status-{status}">{ctx.statuses.get(c.status, status)}</span></td>'
        f"<td>{due_badge(c.contact_due_on)}</td>"
        f'<td class="hide-narrow">{_last_follow_up(c)}</td>'
        f'<td class="num hide-narrow">{esc(floatformat(c.annual_value, "0g"))} '
        f'<small class="muted">{esc(c.currency)}</small></td>'
        f"<td>{_log_link(c, ctx)}</td></tr>"
    )


def _name(c, ctx: RowContext) -> str:
    html = f'<a href="{esc(ctx.detail_url(c.pk))}">{esc(c.name)}</a>'
    if c.short_name:
        html += f' <small class="muted">{esc(c.short_name)}</small>'
    if c.archived_at is not None:
        html += f' <span class="badge">{ctx.archived}</span>'
    html += "".join(f'<span class="tag">{esc(tag.name)}</span>' for tag in c.tags.all())
    if c.city or c.region:
        html += f'<br><small class="muted">{esc(c.region)} {esc(c.city)}</small>'
    return html


def _owner(c, ctx: RowContext) -> str:
    if c.owner_id:
        team = esc(c.team.name) if c.team_id else ""
        return f'{esc(c.owner.display_name)}<br><small class="muted">{team}</small>'
    html = f'<span class="badge pool">{ctx.pool}</span>'
    if c.pool_id:
        html += f'<br><small class="muted">{esc(c.pool.name)}</small>'
    return html


def _last_follow_up(c) -> str:
    if c.last_follow_up_at is None:
        return '<span class="muted">—</span>'
    moment = timezone.localtime(c.last_follow_up_at)
    return f'<time datetime="{moment.isoformat()}">{moment:%Y-%m-%d}</time>'


def _log_link(c, ctx: RowContext) -> str:
    if not (ctx.can_write and c.owner_id and c.archived_at is None):
        return ""
    url = esc(f"{ctx.log_url(c.pk)}?next={ctx.next_here}")
    return (
        f'<a href="{url}" hx-get="{url}" hx-target="#quick-log-body" data-quick-log '
        f'class="small nowrap" title="{ctx.log_title}">＋&nbsp;{ctx.log_label}</a>'
    )
