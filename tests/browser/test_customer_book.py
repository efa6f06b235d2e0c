"""An account manager's week in the customer book, through a real browser, in 中文:
import a GBK CSV, open a customer, log a follow-up, claim from the public pool."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.steps import has_horizontal_overflow, sign_in

pytestmark = pytest.mark.browser

GBK_CSV = (
    "客户名称,统一社会信用代码,行业,城市\n"
    "杭州云栖科技有限公司,91110000600037341L,软件,杭州\n"
    "苏州河畔贸易有限公司,,贸易,苏州\n"
).encode("gbk")


def _pool_customer(personas):
    from rapport.customers.services.customers import customer_create
    from rapport.customers.services.pool import customer_release, ensure_default_pools

    ensure_default_pools(personas.admin)
    customer = customer_create(actor=personas.am_a2, data={"name": "公海候选有限公司"})
    customer_release(actor=personas.am_a2, customer=customer, reason="无人跟进")
    return customer


def test_account_manager_imports_logs_and_claims_in_chinese(open_session, personas, tmp_path):
    from rapport.customers.models import Customer

    candidate = _pool_customer(personas)
    session = open_session(locale="zh-CN")
    page = session.page
    sign_in(session, "am_a1", shoot=False)

    # Import the book from a GBK CSV: upload, map (guessed from Chinese headers), dry run, run.
    upload = tmp_path / "客户.csv"
    upload.write_bytes(GBK_CSV)
    session.goto("/imports/")
    page.get_by_test_id("upload-form").locator('input[type="file"]').set_input_files(str(upload))
    page.get_by_test_id("upload-form").locator('button[type="submit"]').click()
    page.wait_for_load_state()
    session.shot("import-mapping")
    page.get_by_test_id("dry-run").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("run-import")).to_be_visible()
    session.shot("import-dry-run")
    page.get_by_test_id("run-import").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("import-status")).to_be_visible()
    page.wait_for_timeout(500)
    assert set(Customer.objects.filter(owner=personas.am_a1).values_list("name", flat=True)) == {
        "杭州云栖科技有限公司",
        "苏州河畔贸易有限公司",
    }

    # Open the customer and log a follow-up from its page.
    customer = Customer.objects.get(name="杭州云栖科技有限公司")
    session.goto(customer.get_absolute_url())
    expect(page.get_by_test_id("customer-name")).to_have_text("杭州云栖科技有限公司")
    page.get_by_test_id("log-followup").click()
    form = page.get_by_test_id("followup-form").first
    form.locator('textarea[name="summary"]').fill("电话沟通，客户对方案感兴趣")
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("timeline")).to_contain_text("电话沟通，客户对方案感兴趣")
    session.shot("customer-360-zh")
    assert customer.follow_ups.count() == 1

    # Claim a customer from the public pool.
    session.goto(candidate.pool.get_absolute_url())
    page.get_by_test_id(f"claim-{candidate.pk}").click()
    page.wait_for_load_state()
    candidate.refresh_from_db()
    assert candidate.owner == personas.am_a1 and candidate.pool is None
    session.shot("pool-claimed")

    # The list in Chinese at desktop width: its rows (built in Python) speak the language.
    session.goto("/customers/")
    table = page.get_by_test_id("customer-table")
    expect(table).to_contain_text("杭州云栖科技有限公司")
    expect(table.locator("[data-quick-log]").first).to_contain_text("记录")
    session.shot("customer-list-zh")

    # The list works at phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    session.goto("/customers/")
    expect(page.locator("table")).to_contain_text("杭州云栖科技有限公司")
    session.shot("customer-list-phone")
    assert not has_horizontal_overflow(page)
    session.assert_clean_console()
    assert session.external_requests == []
