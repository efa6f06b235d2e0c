"""Bulk inserts without the ORM's per-object cost, for imports and the bench dataset.

`bulk_create` prepares every field of every object through the SQL compiler (`pre_save`,
`get_db_prep_save`, placeholders): about 60 µs a row for a wide model, the largest single
cost of a 100,000-row import. Here a model's columns are adapted once per column kind and
the rows go to the DB-API cursor's `executemany` in batches.

Ids are ours before the insert, so related rows (audit events, ownership events) can point
at them without RETURNING: on PostgreSQL they are drawn from the table's own sequence
(`nextval`, safe beside any concurrent writer); on SQLite writers are serialised (IMMEDIATE
transactions, settings), so inside the caller's transaction the ids past the table's
largest and its AUTOINCREMENT counter are free. Call it inside `transaction.atomic()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

BATCH = 5_000

# Columns whose Python value is already what the driver takes.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.AutoField,
    models.BigAutoField,
)


def _adapter(field) -> Callable[[Any], Any]:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):

        def moment(value):
            if value is None:
                return None
            value = field.to_python(value)
            if settings.USE_TZ and timezone.is_naive(value):
                raise ValueError(f"a naive datetime for {field.model.__name__}.{field.name}")
            return ops.adapt_datetimefield_value(value)

        return moment
    if isinstance(field, models.DateField):
        # to_python turns an aware datetime into the local date, as the ORM does.
        return lambda value: (
            None if value is None else ops.adapt_datefield_value(field.to_python(value))
        )
    if isinstance(field, models.ForeignKey) and not isinstance(
        field.target_field, models.AutoField
    ):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, _PLAIN) and not isinstance(field, models.DecimalField):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, connection)


def _check_supported(model) -> None:
    """What this writer does not do, refused rather than written wrong."""
    if not isinstance(model._meta.pk, models.AutoField):
        raise TypeError(f"{model.__name__}: Inserter needs an integer auto primary key")
    for field in model._meta.concrete_fields:
        if getattr(field, "generated", False) or field.db_default is not models.NOT_PROVIDED:
            raise TypeError(f"{model.__name__}.{field.name}: database defaults not supported")


class IdBlock:
    """Ids for new rows of one table, reserved `size` at a time."""

    def __init__(self, model, size: int):
        self.model = model
        self.size = size
        self.free: list[int] = []
        self.next_sqlite = None

    def take(self) -> int:
        if not self.free:
            self.free = self._reserve()
        return self.free.pop()

    def _reserve(self) -> list[int]:
        if not connection.in_atomic_block:
            raise RuntimeError("Inserter must run inside transaction.atomic()")
        table = self.model._meta.db_table
        column = self.model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, column, self.size],
                )
                return sorted((row[0] for row in cursor.fetchall()), reverse=True)
            if self.next_sqlite is None:
                quote = connection.ops.quote_name
                cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608
                largest = cursor.fetchone()[0] or 0
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                self.next_sqlite = max(largest, row[0] if row else 0) + 1
        first = self.next_sqlite
        self.next_sqlite += self.size
        return list(range(first + self.size - 1, first - 1, -1))


class Inserter:
    """Rows of one model, given as dicts of attribute names (`customer_id`, `name`…) or as
    unsaved instances; a field left out takes its default, computed once."""

    def __init__(self, model, batch: int = BATCH):
        _check_supported(model)
        self.model = model
        self.batch = batch
        self.fields = list(model._meta.concrete_fields)
        self.pk_name = model._meta.pk.attname
        self.names = {f.attname for f in self.fields}
        self.defaults = {
            f.attname: (None if f.primary_key else f.get_default()) for f in self.fields
        }
        # A callable default (other than the time stamps below) is called for every row.
        self.per_row = {
            f.attname: f.default
            for f in self.fields
            if f.has_default() and callable(f.default) and f.default is not timezone.now
        }
        now = timezone.now()
        self.stamped = [
            f.attname
            for f in self.fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        for name in self.stamped:
            self.defaults[name] = now
        self.adapters = [(f.attname, _adapter(f)) for f in self.fields]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.ids = IdBlock(model, batch)
        self.pending: list[tuple] = []
        self.count = 0

    def add(self, row: dict[str, Any]) -> int:
        """Queue one row; returns its id."""
        unknown = row.keys() - self.names
        if unknown:
            raise TypeError(f"{self.model.__name__} has no column {sorted(unknown)}")
        pk = self.ids.take()
        values = {**self.defaults, **{k: f() for k, f in self.per_row.items()}, **row}
        values[self.pk_name] = pk
        self.pending.append(tuple(adapt(values[name]) for name, adapt in self.adapters))
        if len(self.pending) >= self.batch:
            self.flush()
        return pk

    def add_instance(self, obj: models.Model) -> models.Model:
        """Queue an unsaved instance; it gets its id and its time stamps, as `save()` would."""
        obj._prepare_related_fields_for_save(operation_name="bulk insert")
        for name in self.stamped:
            if getattr(obj, name) is None:
                setattr(obj, name, self.defaults[name])
        obj.pk = self.add({name: getattr(obj, name) for name, _adapt in self.adapters})
        obj._state.adding = False
        obj._state.db = connection.alias
        return obj

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.pending:
            return
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, self.pending)
        self.count += len(self.pending)
        self.pending = []

    def close(self) -> int:
        """Write what is queued; returns how many rows were written."""
        self.flush()
        return self.count
