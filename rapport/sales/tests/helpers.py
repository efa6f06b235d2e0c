"""Builders for the sales tests: customers and opportunities made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rapport.customers.services.customers import customer_create
from rapport.sales import services
from rapport.sales.models import Pipeline, Stage


def default_pipeline() -> Pipeline:
    return Pipeline.objects.get(is_default=True)


def stage(name: str, pipeline: Pipeline | None = None) -> Stage:
    return Stage.objects.get(pipeline=pipeline or default_pipeline(), name=name)


def customer(owner, name: str = "北京科技有限公司"):
    return customer_create(actor=None, data={"name": name, "owner": owner})


def opportunity(owner, name: str = "年度框架协议", *, amount="100000", cust=None, **data):
    data = {
        "customer": cust or customer(owner, name=f"{name}客户"),
        "name": name,
        "amount": Decimal(amount),
        "owner": owner,
        **data,
    }
    return services.opportunity_create(actor=owner, data=data)


def month_ahead(months: int, day: int = 15) -> dt.date:
    from django.utils import timezone

    today = timezone.localdate().replace(day=1)
    year, month = divmod(today.month - 1 + months, 12)
    return dt.date(today.year + year, month + 1, day)
