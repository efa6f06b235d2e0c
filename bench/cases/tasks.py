"""Bulk work timed as a whole, after every page (they change the book the pages read):
the nightly reclaim over the whole book (target ≤ 10 s on size L), the nightly refresh of
due dates, and the import of a 100,000-row customer CSV with validation and duplicate
checks (target ≥ 5,000 rows/s)."""

from __future__ import annotations

import csv
import importlib
import io

from bench.dataset import vocab
from bench.dataset.book import MOBILE_PREFIXES
from bench.registry import Case, DatasetContext, benchmark

IMPORT_ROWS = 100_000
# A smaller file for the small sizes, so `--size S` stays quick.
IMPORT_ROWS_BY_SIZE = {"S": 2_000, "M": 20_000}
HEADERS = ["客户名称", "简称", "统一社会信用代码", "行业", "省份", "城市", "客户级别", "年度价值"]
HEADERS += ["联系人", "手机"]


def _service(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


@benchmark(order=90)
def nightly(ctx: DatasetContext) -> list[Case]:
    reclaim = _service("rapport.customers.services.reclaim", "pool_reclaim")
    warnings = _service("rapport.customers.services.reclaim", "reclaim_warnings")
    recompute = _service("rapport.customers.services.tiers", "recompute_book")
    cases = []
    if reclaim is None:
        cases.append(Case("nightly reclaim", lambda: None, task=True, skip="not built yet"))
    else:

        def preview():
            return lambda: {"customers": len(reclaim(dry_run=True))}

        def run():
            def task():
                moved = reclaim()
                warned = warnings() if warnings else []
                return {"moved": len(moved), "warned": len(warned)}

            return task

        cases.append(
            Case("nightly reclaim preview (dry run)", preview, task=True, note="pool_reclaim")
        )
        cases.append(
            Case("nightly reclaim", run, task=True, note="pool_reclaim + reclaim_warnings")
        )
    if recompute is not None:
        cases.append(
            Case(
                "nightly due-date refresh",
                lambda: lambda: dict(recompute(tiers=False)),
                task=True,
                note="recompute_book(tiers=False)",
            )
        )
    return cases


def customers_csv(ctx: DatasetContext, rows: int) -> bytes:
    """A customer export as an AM's spreadsheet would give it: Chinese headers, UTF-8 with
    a BOM, phones in mixed spellings, some USCCs, and 2% rows already in the book (by
    name) so the duplicate check has work to do."""
    from rapport.customers.models import Customer

    rng = ctx.rng
    existing = list(Customer.objects.order_by("?").values_list("name", flat=True)[: rows // 50])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        facts = vocab.company(rng, two_words=True)
        name = existing[i % len(existing)] if existing and i % 50 == 0 else facts["name"]
        mobile = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7, 10**8)}"
        if i % 3 == 0:
            mobile = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
        elif i % 3 == 1:
            mobile = f"+86 {mobile}"
        writer.writerow(
            [
                name,
                "".join(facts["short_words"]),
                vocab.uscc(facts["region_code"], 500_000_000 + i) if i % 4 == 0 else "",
                facts["industry"],
                facts["region"],
                facts["city"],
                rng.choice("ABCD"),
                rng.randrange(0, 5_000_000, 1000),
                vocab.person(rng),
                mobile,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@benchmark(order=95)
def customer_import(ctx: DatasetContext) -> list[Case]:
    """The whole flow of `rapport import customers FILE --skip-bad-rows` as an admin:
    store and read the file, guess the columns, then check and write every row (validation,
    duplicates in the file and against the book) in one transaction."""
    create = _service("rapport.imports.services", "import_create")
    configure = _service("rapport.imports.services", "import_configure")
    execute = _service("rapport.imports.services", "import_execute")
    rows = IMPORT_ROWS_BY_SIZE.get(ctx.size_name, IMPORT_ROWS)
    name = f"import {rows:,} customers (CSV)"
    if None in (create, configure, execute):
        return [Case(name, lambda: None, task=True, skip="not built yet (rapport.imports)")]
    data = customers_csv(ctx, rows)

    def prepare():
        from django.core.files.uploadedfile import SimpleUploadedFile

        def task():
            upload = SimpleUploadedFile("customers.csv", data, content_type="text/csv")
            run = create(actor=ctx.admin, entity="customers", upload=upload)
            run = configure(actor=ctx.admin, run=run, duplicates="skip", skip_bad_rows=True)
            outcome = execute(run=run, dry_run=False)
            counts = dict(outcome.counts) if outcome else {"failed": run.error}
            return {"rows": rows, **{k: v for k, v in counts.items() if k != "rows"}}

        return task

    return [Case(name, prepare, task=True, note="UTF-8 BOM, Chinese headers, 2% duplicates")]
