"""Pages reworked for issue 18, in a real browser against ``hotline demo``: the public ranking
on a desktop and on a phone."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e


def _last_month() -> str:
    first = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


@pytest.fixture(params=[(1280, 900), (390, 844)], ids=["desktop", "phone"])
def viewer(request: pytest.FixtureRequest, browser: Browser, server: Server) -> Iterator[Page]:
    width, height = request.param
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": width, "height": height},
                                  is_mobile=width < 500, has_touch=width < 500)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _ranked_page(page: Page) -> None:
    """The demo's projector folds the history into counters a moment after start."""
    deadline = time.monotonic() + 60
    while True:
        page.goto(f"/public/rankings?period={_last_month()}")
        if page.locator("#ranking-table td.rank-unit").count() or time.monotonic() > deadline:
            return
        time.sleep(2)


def test_the_public_ranking_is_readable_and_never_wider_than_the_screen(viewer: Page) -> None:
    _ranked_page(viewer)
    names = viewer.locator("#ranking-table td.rank-unit")
    expect(names.first).to_be_visible()
    font = viewer.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#ranking-table td.rank-unit')).fontSize)")
    widths = viewer.evaluate("[...document.querySelectorAll('#ranking-table td.rank-unit')]"
                             ".map(td => td.getBoundingClientRect().width)")
    assert widths and min(widths) >= 6 * font, widths
    overflow = viewer.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], overflow
    ranks = viewer.locator("#ranking-table td.rank-no").all_inner_texts()
    assert ranks[:3] == ["1", "2", "3"][:len(ranks[:3])]
    apart = viewer.locator("#ranking-unranked")
    expect(apart).to_contain_text("不参与排名")
    expect(apart).to_contain_text("本期无工单")


def test_the_category_tree_opens_loads_a_form_on_demand_and_saves(person) -> None:  # type: ignore[no-untyped-def]
    page = person("admin")
    started = time.monotonic()
    page.goto("/admin/categories")
    tree = page.locator("#category-tree")
    expect(tree).to_be_visible()
    assert time.monotonic() - started < 10  # was ~29 s with every form inlined
    assert page.locator("#category-tree form").count() == 0
    expect(page.locator("summary", has_text="城市建设和市政管理")).to_be_hidden()  # collapsed below the first level
    page.get_by_placeholder("按编码或名称筛选").fill("自来水供应")
    item = page.locator("#category-tree li:not(:has(details))", has_text="自来水供应")
    expect(item).to_be_visible()
    item.get_by_role("button", name="编辑").click()
    form = item.locator("form")
    expect(form).to_be_visible()
    form.get_by_label("名称").fill("自来水供应与水质")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".flash")).to_contain_text("已保存分类")
    expect(page.locator("#category-tree li", has_text="自来水供应与水质").last).to_be_visible()


def test_the_audit_page_reads_in_chinese_and_dates_are_typed_as_iso(person) -> None:  # type: ignore[no-untyped-def]
    page = person("auditor")
    page.goto("/audit")
    table = page.locator("#audit-table")
    expect(table).to_contain_text("登录成功")
    assert "login.succeeded" not in table.inner_text() and "\\u" not in table.inner_text()
    since = page.locator("#a-since")
    assert since.get_attribute("type") == "text" and "年-月-日" in (since.get_attribute("placeholder") or "")
    page.locator("#a-action").select_option(label="登录成功")
    since.fill("2000-01-01")
    page.get_by_role("button", name="查询").click()
    expect(table).to_contain_text("登录成功")
    with page.expect_download() as download:
        page.locator("#audit-export").click()
    assert download.value.suggested_filename.startswith("审计日志-")


@pytest.mark.parametrize("path", ["/public", "/public/track", "/public/knowledge", "/public/assistant",
                                  "/public/notices", "/public/rankings"])
def test_the_public_pages_fit_the_screen_without_scrolling_sideways(viewer: Page, path: str) -> None:
    viewer.goto(path)
    expect(viewer.locator("h1").first).to_be_visible()
    width, screen = viewer.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, (path, width, screen)
    if path == "/public":  # the appeal form itself: every field within the screen
        right = viewer.evaluate("Math.max(...[...document.querySelectorAll('form input, form textarea, form select,"
                                " form button')].map(e => e.getBoundingClientRect().right))")
        assert right <= screen, right
