"""Export any list as it is filtered, to XLSX or CSV: only rows the user may see
(`visible_to`), spreadsheet formulas neutralised, audited; small exports answer at once,
large ones run as a job with a download.

The registry maps an entity to its model, the list page's FilterSet (by import path, so
an app's filters can land later), the page's list view (whose defaults a page export takes,
see `page_filters`) and its columns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.audit.models import Action
from rapport.audit.services import record

INLINE_LIMIT = 5000
FORMATS = ("xlsx", "csv")
# A cell starting with one of these is read as a formula by Excel, LibreOffice and WPS.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; numbers
    and dates stay what they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _phone(value: str) -> str:
    from rapport.customers.normalize import display_phone

    return display_phone(value)


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


@dataclass(frozen=True)
class ExportSpec:
    model: str
    filterset: str
    columns: tuple[tuple[Any, str], ...]  # (header, attribute path)
    select_related: tuple[str, ...] = ()
    # The page's list view (import path): its filterset kwargs hold the page's defaults.
    list_view: str = ""
    # A list inside one record, e.g. a pool's customers: (filter key, parent model path);
    # the parent must be visible to the user and is always required.
    parent: tuple[str, str] | None = None


CUSTOMER_COLUMNS: tuple[tuple[Any, str], ...] = (
    (gettext_lazy("Name"), "name"),
    (gettext_lazy("Short name"), "short_name"),
    (gettext_lazy("Unified social credit code"), "uscc"),
    (gettext_lazy("Industry"), "industry"),
    (gettext_lazy("Province / region"), "region"),
    (gettext_lazy("City"), "city"),
    (gettext_lazy("Address"), "address"),
    (gettext_lazy("Source"), "get_source_display"),
    (gettext_lazy("Status"), "get_status_display"),
    (gettext_lazy("Tier"), "tier"),
    (gettext_lazy("Strategic account"), "strategic"),
    (gettext_lazy("Annual value"), "annual_value"),
    (gettext_lazy("Currency"), "currency"),
    (gettext_lazy("Owner"), "owner.username"),
    (gettext_lazy("Team"), "team.name"),
    (gettext_lazy("Last follow-up"), "last_follow_up_at"),
    (gettext_lazy("Contact due on"), "contact_due_on"),
    (gettext_lazy("Notes"), "notes"),
)

REGISTRY: dict[str, ExportSpec] = {
    "customers": ExportSpec(
        "rapport.customers.models.Customer",
        "rapport.customers.filters.CustomerFilter",
        CUSTOMER_COLUMNS,
        ("owner", "team"),
        list_view="rapport.customers.views.customers.CustomerListView",
    ),
    "pool-customers": ExportSpec(
        "rapport.customers.models.Customer",
        "rapport.customers.filters_pool.PoolCustomerFilter",
        (*CUSTOMER_COLUMNS, (gettext_lazy("In the pool since"), "pool_entered_at")),
        ("owner", "team"),
        parent=("pool", "rapport.customers.models.Pool"),
    ),
    "contacts": ExportSpec(
        "rapport.customers.models.Contact",
        "rapport.customers.filters.ContactFilter",
        (
            (gettext_lazy("Customer"), "customer.name"),
            (gettext_lazy("Name"), "name"),
            (gettext_lazy("Title"), "title"),
            (gettext_lazy("Buying role"), "get_buying_role_display"),
            (gettext_lazy("Mobile"), "mobile|phone"),
            (gettext_lazy("Phone"), "phone|phone"),
            (gettext_lazy("Extension"), "phone_ext"),
            (gettext_lazy("Email"), "email"),
            (gettext_lazy("WeChat ID"), "wechat"),
            (gettext_lazy("Birthday"), "birthday"),
            (gettext_lazy("Primary contact"), "is_primary"),
            (gettext_lazy("Do not contact"), "do_not_contact"),
        ),
        ("customer",),
        list_view="rapport.customers.views.contacts.ContactListView",
    ),
    "follow-ups": ExportSpec(
        "rapport.customers.models.FollowUp",
        "rapport.customers.filters.FollowUpFilter",
        (
            (gettext_lazy("Customer"), "customer.name"),
            (gettext_lazy("Type"), "get_kind_display"),
            (gettext_lazy("When"), "occurred_at"),
            (gettext_lazy("Summary"), "summary"),
            (gettext_lazy("Outcome"), "outcome"),
            (gettext_lazy("Next step"), "next_step"),
            (gettext_lazy("Next follow-up date"), "next_date"),
            (gettext_lazy("By"), "author.username"),
        ),
        ("customer", "author"),
        list_view="rapport.customers.views.followups.FollowUpListView",
    ),
    "opportunities": ExportSpec(
        "rapport.sales.models.Opportunity",
        "rapport.sales.filters.OpportunityFilter",
        (
            (gettext_lazy("Customer"), "customer.name"),
            (gettext_lazy("Name"), "name"),
            (gettext_lazy("Amount"), "amount"),
            (gettext_lazy("Currency"), "currency"),
            (gettext_lazy("Stage"), "stage.name"),
            (gettext_lazy("Expected close date"), "expected_close"),
            (gettext_lazy("Owner"), "owner.username"),
            (gettext_lazy("Won / lost reason"), "close_reason"),
        ),
        ("customer", "owner", "stage"),
        list_view="rapport.sales.views.opportunities.OpportunityListView",
    ),
}


def _load(path: str):
    module, _sep, name = path.rpartition(".")
    return getattr(import_module(module), name)


def spec_for(entity: str) -> ExportSpec:
    spec = REGISTRY.get(entity)
    if spec is None:
        raise ValidationError({"entity": _("Unknown list: %(entity)s.") % {"entity": entity}})
    return spec


def _filterset_class(spec: ExportSpec):
    try:
        return _load(spec.filterset)
    except (ImportError, AttributeError):
        return None


def page_filters(*, user, entity: str, params) -> dict[str, str]:
    """The filters of a list page as the page applies them: what the user chose plus the
    defaults the page's view adds (live rows unless `archived` is asked for). They are
    read from the view itself so that the page and its export share one definition.
    Keys the list does not filter on (page, csrf token, ...) are dropped."""
    spec = spec_for(entity)
    data = params
    if spec.list_view:
        view = _load(spec.list_view)()
        view.setup(SimpleNamespace(user=user, GET=params, method="GET"))
        data = view.get_filterset_kwargs(view.get_filterset_class())["data"]
    if not data:
        return {}
    names = set(getattr(_filterset_class(spec), "base_filters", {}))
    if spec.parent:
        names.add(spec.parent[0])
    filters = {}
    for key in data:
        values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
        if key in names and values and values[-1] != "":
            filters[key] = str(values[-1])
    return filters


def _parent(user, spec: ExportSpec, value):
    """The record a nested list lives in, when the user may see it (else as missing)."""
    key, model_path = spec.parent
    model = _load(model_path)
    value = str(value or "")
    found = model.objects.visible_to(user).filter(pk=value).first() if value.isdigit() else None
    if found is None:
        raise ValidationError(
            {
                key: _("No %(name)s with this id that you may see.")
                % {"name": model._meta.verbose_name}
            }
        )
    return found


def export_queryset(*, user, entity: str, filters: dict[str, Any]):
    """The rows of the list as the user sees it, filtered by the list's own FilterSet
    (none yet for an app whose filters have not landed: then only scope applies)."""
    spec = spec_for(entity)
    model = _load(spec.model)
    queryset = model.objects.visible_to(user).select_related(*spec.select_related)
    if spec.parent:
        key = spec.parent[0]
        queryset = queryset.filter(**{key: _parent(user, spec, filters.get(key))})
    filterset_class = _filterset_class(spec)
    if filterset_class is not None:
        request = SimpleNamespace(user=user, GET=filters, query_params=filters)
        filterset = filterset_class(filters, queryset=queryset, request=request)
        if filterset.is_bound and not filterset.is_valid():
            raise ValidationError(
                {
                    "filters": [
                        _("%(field)s: %(message)s")
                        % {"field": filterset.form[name].label or name, "message": message}
                        for name, messages in filterset.errors.items()
                        for message in messages
                    ]
                }
            )
        queryset = filterset.qs
    if not queryset.query.order_by:
        queryset = queryset.order_by("pk")
    return queryset


def _value(obj, path: str):
    path, _sep, fmt = path.partition("|")
    value = obj
    for part in path.split("."):
        value = getattr(value, part, None) if value is not None else None
    if callable(value):
        value = value()
    if fmt == "phone" and value:
        value = _phone(value)
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = _local(value)
    return value


def rows_of(spec: ExportSpec, queryset):
    for obj in queryset.iterator(chunk_size=1000):
        yield [_value(obj, path) for _header, path in spec.columns]


def write(spec: ExportSpec, rows, fmt: str, progress=None) -> bytes:
    headers = [str(header) for header, _path in spec.columns]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for done, row in enumerate(rows, 1):
            writer.writerow([_csv_text(value) for value in row])
            if progress and done % 1000 == 0:
                progress(done)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for done, row in enumerate(rows, 1):
        sheet.append([safe_cell(value) for value in row])
        if progress and done % 1000 == 0:
            progress(done)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    return safe_cell(value) if isinstance(value, str) else str(value)


def filename_for(entity: str, fmt: str) -> str:
    return f"{entity}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def export_now(*, actor, entity: str, fmt: str, filters: dict[str, Any]) -> tuple[str, bytes]:
    """A small export, written at once and audited."""
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Choose xlsx or csv.")})
    spec = spec_for(entity)
    queryset = export_queryset(user=actor, entity=entity, filters=filters)
    content = write(spec, rows_of(spec, queryset), fmt)
    rows = queryset.count()
    record(
        actor=actor,
        action=Action.EXPORT,
        object_label=entity,
        extra={"entity": entity, "format": fmt, "rows": rows, "filters": filters},
    )
    return filename_for(entity, fmt), content


def export_start(*, actor, entity: str, fmt: str, filters: dict[str, Any]):
    """Export at once when small (returns (filename, bytes)); else start a job (returns it)."""
    if fmt not in FORMATS:
        raise ValidationError({"format": _("Choose xlsx or csv.")})
    count = export_queryset(user=actor, entity=entity, filters=filters).count()
    if count <= INLINE_LIMIT:
        return export_now(actor=actor, entity=entity, fmt=fmt, filters=filters)
    from rapport.core.jobs import job_start

    return job_start(
        actor=actor,
        kind="export",
        title=_("Export of %(count)s %(entity)s") % {"count": count, "entity": entity},
        params={"entity": entity, "format": fmt, "filters": filters},
    )


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def csv_to_xlsx(content: bytes) -> bytes:
    """A CSV we wrote (UTF-8 with BOM, formulas already neutralised) as a workbook."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")):
        sheet.append([safe_cell(cell) if not cell.startswith("'") else cell for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
