"""core.bulk: ids drawn safely, rows as the ORM would write them, and what it refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from rapport.core.bulk import Inserter
from rapport.customers.models import Customer, OwnershipEvent, OwnershipMove
from rapport.customers.services.customers import customer_create


@pytest.fixture
def team(db):
    from rapport.org import services

    return services.team_create(actor=None, data={"name": "批量组"})


@pytest.fixture
def customer(team):
    return customer_create(actor=None, data={"name": "批量客户有限公司", "team": team})


def _event(customer, **more):
    return {
        "customer_id": customer.pk,
        "move": OwnershipMove.IMPORT,
        "occurred_at": timezone.now(),
        **more,
    }


def test_rows_get_fresh_ids_and_the_orm_continues_after_them(customer):
    with transaction.atomic():
        rows = Inserter(OwnershipEvent, batch=3)
        ids = [rows.add(_event(customer)) for _ in range(7)]
        rows.close()
    assert len(set(ids)) == 7 and ids == sorted(ids)
    assert set(OwnershipEvent.objects.filter(pk__in=ids).values_list("pk", flat=True)) == set(ids)
    later = OwnershipEvent.objects.create(**_event(customer))
    assert later.pk > max(ids)


def test_an_instance_gets_its_id_and_its_time_stamps(team):
    with transaction.atomic():
        rows = Inserter(Customer)
        fresh = rows.add_instance(Customer(name="新客户", name_key="新客户", team=team))
        rows.close()
    stored = Customer.objects.get(pk=fresh.pk)
    assert stored.name == "新客户" and stored.created_at is not None
    assert stored.created_at == fresh.created_at


def test_an_aware_datetime_into_a_date_column_is_the_local_date(team):
    late_evening_utc = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)  # 04:00 on the 2nd here
    with transaction.atomic():
        rows = Inserter(Customer)
        customer = Customer(name="日期", name_key="日期", team=team)
        customer.next_follow_up_due = late_evening_utc
        rows.add_instance(customer)
        rows.close()
    assert Customer.objects.get(name="日期").next_follow_up_due == dt.date(2026, 3, 2)


def test_what_it_refuses(customer):
    with transaction.atomic():
        rows = Inserter(OwnershipEvent)
        with pytest.raises(ValueError, match="naive"):
            rows.add(_event(customer, occurred_at=dt.datetime(2026, 3, 1, 9, 0)))
        with pytest.raises(TypeError, match="no column"):
            rows.add(_event(customer, colour="red"))


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses_to_reserve_ids():
    rows = Inserter(OwnershipEvent)
    with pytest.raises(RuntimeError, match="atomic"):
        rows.add({"move": OwnershipMove.IMPORT, "occurred_at": timezone.now()})
