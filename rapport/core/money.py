"""Money is a Decimal with a currency (DESIGN §6): the choices and the field shape."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Currency(models.TextChoices):
    CNY = "CNY", _("CNY (¥)")
    USD = "USD", _("USD ($)")
    EUR = "EUR", _("EUR (€)")
    HKD = "HKD", _("HKD (HK$)")
    JPY = "JPY", _("JPY (¥)")
    GBP = "GBP", _("GBP (£)")


def amount_field(verbose_name, **kwargs) -> models.DecimalField:
    """A money amount: up to 99,999,999,999,999.99, never a float."""
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


def currency_field() -> models.CharField:
    return models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY
    )
