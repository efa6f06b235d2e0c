"""The header search box in a real browser: Ctrl+K, results as you type (pinyin, phone),
arrow keys and Enter, in English and Chinese, on a laptop and a phone (issue #3 §9)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.steps import has_horizontal_overflow, path_of, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def book(personas):
    from rapport.sales.models import Pipeline, Stage
    from rapport.search.tests import builders as b

    if not Pipeline.objects.filter(is_default=True).exists():  # flushed with the database
        pipeline = Pipeline.objects.create(name="默认销售流程", is_default=True)
        Stage.objects.create(pipeline=pipeline, name="初步接洽", position=1, probability=10)
    p = personas
    bjkj = b.customer(p.am_a1, "北京科技有限公司", short_name="北科", uscc=b.USCC_1)
    b.customer(p.am_a1, "北京数据服务有限公司")
    b.customer(p.am_b1, "北京机械制造有限公司")  # another team's: never shown to am_a1
    b.contact(p.am_a1, bjkj, "张伟", mobile="13800138000", email="zhang.wei@bjkj.cn")
    b.opportunity(p.am_a1, bjkj, "北京数据平台项目")
    return bjkj


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_search_box_finds_by_pinyin_and_phone(open_session, personas, book, language):
    session = open_session(suffix=language)
    page = session.page
    sign_in(session, "am_a1", shoot=False)
    if language == "zh-hans":
        page.get_by_test_id("lang-switch").click()
        page.wait_for_load_state()

    box = page.get_by_test_id("search-box")
    page.keyboard.press("Control+k")
    expect(box).to_be_focused()
    box.press_sequentially("bjkj", delay=40)
    suggest = page.get_by_test_id("search-suggest")
    expect(suggest).to_contain_text("北京科技有限公司")
    expect(suggest).not_to_contain_text("北京机械制造")
    expect(suggest.locator("mark").first).to_have_text("北京科技")
    session.shot("pinyin", full_page=False)

    box.fill("")
    box.press_sequentially("138-0013", delay=40)
    expect(suggest.locator("mark").first).to_have_text("138 0013")
    expect(suggest).to_contain_text("张伟")
    expect(suggest).not_to_contain_text("北京数据平台项目")
    session.shot("phone", full_page=False)

    box.press("ArrowDown")
    expect(suggest.locator(".search-active")).to_have_count(1)
    box.press("Enter")
    page.wait_for_load_state()
    assert path_of(session) != "/", "Enter opens the chosen result"

    session.goto("/search/?q=%E5%8C%97%E4%BA%AC")  # 北京
    expect(page.get_by_test_id("search-results")).to_contain_text("北京数据平台项目")
    expect(page.get_by_test_id("search-results")).not_to_contain_text("北京机械制造")
    session.shot("results-page")
    session.assert_clean_console()
    assert session.external_requests == []


def test_search_box_on_a_phone(open_session, personas, book):
    session = open_session(viewport=PHONE)
    page = session.page
    sign_in(session, "am_a1", shoot=False)
    box = page.get_by_test_id("search-box")
    expect(box).to_be_visible()
    box.press_sequentially("beijing", delay=40)
    expect(page.get_by_test_id("search-suggest")).to_contain_text("北京科技有限公司")
    session.shot("phone-suggest", full_page=False)
    assert not has_horizontal_overflow(page)
    session.assert_clean_console()
