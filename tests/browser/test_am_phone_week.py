"""An account manager's week from a phone (390×844), in English: import the book from an
Excel workbook with one bad row through the wizard, log a follow-up with a next date,
claim a customer from the pool, and move an opportunity with the board's "Move" menu."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.steps import has_horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

HEADERS = ["Company name", "USCC", "Industry", "City", "Tier"]
GOOD = [
    ["Hangzhou West Lake Software Co., Ltd.", "91110000600037341L", "Software", "Hangzhou", "B"],
    ["Suzhou Garden Trading", "", "Trading", "Suzhou", "C"],
]
BAD = ["Broken Code Ltd.", "12345", "Retail", "Ningbo", "C"]


def _workbook() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Customers"
    for row in [HEADERS, GOOD[0], BAD, GOOD[1]]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def week(personas, pipeline):
    """A pool customer 张敏 (am_a2) gave up, and an opportunity of 刘洋 (am_a1)."""
    from rapport.customers.services.customers import customer_create
    from rapport.customers.services.pool import customer_release, ensure_default_pools
    from rapport.sales.tests.helpers import opportunity

    ensure_default_pools(personas.admin)
    candidate = customer_create(actor=personas.am_a2, data={"name": "Wenzhou Shoe Works"})
    customer_release(actor=personas.am_a2, customer=candidate, reason="No budget this year")
    deal = opportunity(personas.am_a1, "Warehouse scanners", amount="48000")
    return candidate, deal


def _due_on(page):
    return page.locator(".facts dt", has_text="Contact due on").locator(
        "xpath=following-sibling::dd[1]"
    )


def test_account_manager_works_the_week_from_a_phone(
    open_session, personas, week, tmp_path, monkeypatch
):
    from django.utils import timezone

    from rapport.core import jobs
    from rapport.customers.models import Customer
    from rapport.imports.models import ImportRun
    from rapport.sales.models import Opportunity

    candidate, deal = week
    session = open_session(viewport=PHONE)
    page = session.page
    sign_in(session, "am_a1")

    # Upload the workbook.
    upload = tmp_path / "my-book.xlsx"
    upload.write_bytes(_workbook())
    session.goto("/imports/")
    form = page.get_by_test_id("upload-form")
    form.locator('input[type="file"]').set_input_files(str(upload))
    session.shot("import-upload")
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()

    # Map the columns: English headers are recognised; ask to skip bad rows.
    mapping = page.get_by_test_id("mapping-form")
    expect(mapping).to_be_visible()
    expect(page.locator("main")).to_contain_text("XLSX · 5 columns")
    expect(mapping.locator("select").first).to_have_value("name")
    mapping.locator('input[name="skip_bad_rows"]').check()
    session.shot("import-mapping")
    # The mapping table scrolls inside its box if it must; the page itself fits the phone.
    assert not has_horizontal_overflow(page)
    page.get_by_test_id("dry-run").click()
    page.wait_for_load_state()

    # The dry run's report: two to create, one bad row, named with its line and reason.
    counts = page.get_by_test_id("import-counts")
    expect(page.get_by_test_id("import-status")).to_have_text("Checked")
    expect(counts).to_contain_text("Would create")
    expect(counts.locator("dd").nth(1)).to_have_text("2")
    expect(counts.locator("dd").nth(4)).to_have_text("1")
    problems = page.get_by_test_id("problems")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr")).to_contain_text("3")
    run_button = page.get_by_test_id("run-import")
    expect(run_button).to_have_text("Import now (2 new)")
    session.shot("import-dry-run")
    assert not Customer.objects.filter(name__in=[row[0] for row in GOOD]).exists()

    # Run. Jobs run inline in tests, so hold this one back to see the progress bar first,
    # then hand it to the job runner as a worker would; the page polls itself to the end.
    held: list[int] = []
    enqueue = jobs._enqueue
    monkeypatch.setattr(jobs, "_enqueue", held.append)
    run_button.click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("import-status")).to_have_text("Importing")
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    expect(counts).to_contain_text("Would create")  # still the dry run's figures
    session.shot("import-progress")
    monkeypatch.setattr(jobs, "_enqueue", enqueue)
    assert len(held) == 1
    enqueue(held[0])
    expect(page.get_by_test_id("import-status")).to_have_text("Imported", timeout=10_000)
    expect(counts).to_contain_text("Created")
    expect(counts.locator("dd").nth(1)).to_have_text("2")
    expect(counts.locator("dd").nth(4)).to_have_text("1")
    expect(page.get_by_test_id("import-progress")).to_have_count(0)
    session.shot("import-summary")
    imported = Customer.objects.filter(owner=personas.am_a1, source="import")
    assert sorted(imported.values_list("name", flat=True)) == sorted(row[0] for row in GOOD)
    assert ImportRun.objects.get().status == "done"

    # The error file: the bad row as it was, with its reason.
    with page.expect_download() as download:
        page.get_by_test_id("error-file").click()
    errors = download.value.path().read_bytes().decode("utf-8-sig")
    assert "Broken Code Ltd." in errors and "12345" in errors
    assert "Hangzhou West Lake" not in errors
    assert len([line for line in errors.splitlines() if line.strip()]) == 2  # header + bad row

    # Open an imported customer from the list and log a follow-up with a next date.
    session.goto("/customers/")
    page.get_by_role("link", name=GOOD[0][0]).click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("customer-name")).to_have_text(GOOD[0][0])
    customer = Customer.objects.get(name=GOOD[0][0])
    next_date = timezone.localdate() + dt.timedelta(days=3)
    assert customer.contact_due_on > next_date
    expect(_due_on(page)).to_have_text(customer.contact_due_on.isoformat())
    page.get_by_test_id("log-followup").click()
    log = page.locator("#log").get_by_test_id("followup-form")
    expect(log).to_be_visible()
    log.locator('select[name="kind"]').select_option("call")
    log.locator('textarea[name="summary"]').fill("Called the IT director: wants a demo")
    log.locator('[name="next_step"]').fill("Demo at their office")
    log.locator('input[name="next_date"]').fill(next_date.isoformat())
    session.shot("followup-form")
    log.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("timeline")).to_contain_text("Called the IT director")
    expect(_due_on(page)).to_contain_text(next_date.isoformat())
    expect(_due_on(page)).to_contain_text(f"planned {next_date.isoformat()}")
    expect(page.locator("hgroup .badge.soon")).to_have_text(f"Due {next_date:%m-%d}")
    session.shot("customer-followed-up")
    assert not has_horizontal_overflow(page)
    customer.refresh_from_db()
    assert customer.contact_due_on == next_date

    # Claim from the pool, straight from home.
    held = Customer.objects.filter(owner=personas.am_a1, archived_at__isnull=True).count()
    session.goto("/")
    pool = page.locator('[data-panel="am-pool"]')
    expect(pool).to_contain_text(f"You hold {held} customers and claimed 0 today.")
    pool.scroll_into_view_if_needed()
    session.shot("home-pool", full_page=False)
    pool.locator("li", has_text=candidate.name).get_by_role("button", name="Claim").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("The customer is yours now.")
    expect(pool).to_contain_text(f"You hold {held + 1} customers and claimed 1 today.")
    expect(pool).not_to_contain_text(candidate.name)
    session.shot("pool-claimed")
    candidate.refresh_from_db()
    assert candidate.owner_id == personas.am_a1.pk and candidate.pool_id is None

    # Move the opportunity with its card's "Move" menu (no dragging on a phone).
    session.goto("/opportunities/board/")
    card = page.locator(f"#card-{deal.pk}")
    expect(page.get_by_test_id("column-1").locator(card)).to_have_count(1)
    menu = card.locator("form.card-move")
    expect(menu).to_be_visible()
    menu.locator("select").select_option(label="Negotiation")
    session.shot("board-move-menu")
    with page.expect_response(lambda r: "/move/" in r.url) as moved:
        menu.get_by_role("button", name="Move").click()
    assert moved.value.status == 200
    column = page.get_by_test_id("column-4")
    expect(column.locator(f"#card-{deal.pk}")).to_have_count(1)
    expect(column.locator("[data-count]")).to_have_text("1")
    expect(column.locator("[data-total]")).to_have_text("¥48,000")
    expect(page.get_by_test_id("column-1").locator("[data-count]")).to_have_text("0")
    # The board scrolls sideways on a phone: it brings the moved card into view by itself.
    expect(column.locator(f"#card-{deal.pk}")).to_be_in_viewport(ratio=0.5)
    session.shot("board-moved", full_page=False)
    assert not has_horizontal_overflow(page)
    assert Opportunity.objects.get(pk=deal.pk).stage.english_name == "Negotiation"

    session.assert_clean_console()
    assert session.external_requests == []
