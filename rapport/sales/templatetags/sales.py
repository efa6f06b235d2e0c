"""Template helpers of the sales app: money, totals per currency, time spent in a stage."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "JP¥", "GBP": "£"}


def format_money(amount, currency: str = "CNY") -> str:
    """¥1,234,567 (cents only when there are any)."""
    if amount is None:
        return "—"
    amount = Decimal(amount)
    digits = 0 if amount == amount.to_integral_value() else 2
    number = f"{amount:,.{digits}f}"
    return SYMBOLS.get(currency, currency + " ") + number


@register.filter
def money(amount, currency="CNY") -> str:
    return format_money(amount, currency or "CNY")


def format_totals(totals) -> str:
    """[(currency, total)] as "¥1,200 · $300", or ¥0 when empty."""
    if not totals:
        return format_money(0)
    return " · ".join(format_money(total, currency) for currency, total in totals)


@register.filter
def totals(value) -> str:
    return format_totals(value)


def format_duration(seconds) -> str:
    """Time in a stage, coarse: minutes, hours or days."""
    seconds = int(seconds or 0)
    days, rest = divmod(seconds, 86400)
    if days:
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    hours = rest // 3600
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    minutes = max(1, rest // 60) if seconds else 0
    if minutes:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return _("less than a minute")


@register.filter
def duration(seconds) -> str:
    return format_duration(seconds)
