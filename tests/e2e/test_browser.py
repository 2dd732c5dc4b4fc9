"""Browser tests: a real ``hotline demo`` server on SQLite, driven by Chromium through Playwright.

Run with ``pytest tests/e2e`` (or ``-m e2e``). Needs Debian's ``/usr/bin/chromium`` and a CJK font.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import PASSWORD, Server

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A fresh context per test: no cookies carried over from another test."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="登录").click()


def nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="主导航")


def test_admin_logs_in_and_opens_the_unit_admin_page(page: Page, server: Server) -> None:
    page.goto("/")
    expect(page).to_have_url(f"{server.url}/login?next=/")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(f"{server.url}/")
    expect(page.locator("h1")).to_have_text("工作台")

    nav(page).get_by_role("link", name="单位管理").click()
    expect(page).to_have_url(f"{server.url}/admin/units")
    expect(page.locator("h1")).to_have_text("单位管理")
    table = page.locator("main table")
    expect(table.get_by_role("cell", name="示范省12345政务服务便民热线中心", exact=True)).to_be_visible()
    expect(table.locator("tr")).to_have_count(101)  # header and a full page of 100 units
    expect(page.locator(".pager")).to_contain_text("下一页")

    shot = server.tmp / "units.png"
    page.screenshot(path=str(shot), full_page=False)
    # A page of Chinese text in a CJK font makes a sizeable PNG; tofu boxes or a blank page would not.
    assert shot.stat().st_size > 50_000
    # Missing glyphs would all be drawn as the same tofu box; real CJK glyphs differ from each other.
    glyphs = page.evaluate("""() => ['单', '位', '管'].map((ch) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 40;
        const ctx = canvas.getContext('2d');
        ctx.font = '32px ' + getComputedStyle(document.body).fontFamily;
        ctx.textBaseline = 'top';
        ctx.fillText(ch, 2, 2);
        return Array.from(ctx.getImageData(0, 0, 40, 40).data).join(',');
    })""")
    assert len(set(glyphs)) == 3, "CJK characters render as identical boxes: no CJK font"


def test_wrong_password_shows_a_generic_error(page: Page, server: Server) -> None:
    log_in(page, "admin", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(f"{server.url}/login")
    expect(page.locator("#username")).to_have_value("admin")
    expect(page.locator("#password")).to_have_value("")


def test_admin_creates_a_region_and_sees_a_field_error_for_a_bad_code(page: Page, server: Server) -> None:
    log_in(page, "admin")
    expect(page.locator("h1")).to_have_text("工作台")
    page.goto("/admin/regions")
    add = page.get_by_role("button", name="新增", exact=True)

    page.locator("#f-code").fill("12345")
    page.locator("#f-name").fill("测试")
    add.click()
    expect(page.locator(".flash.err")).to_contain_text("区划代码应为 6 位")
    code_field = page.locator(".field.error", has=page.locator("#f-code"))
    expect(code_field).to_contain_text("区划代码应为 6 位（省、市、县）或 9 位（乡镇、街道）数字")
    expect(page.locator("#f-code")).to_have_value("12345")  # the form keeps what was typed
    expect(page.locator("#f-name")).to_have_value("测试")

    page.locator("#f-code").fill("990104")
    page.locator("#f-name").fill("测试区")
    add.click()
    expect(page.locator(".flash.ok")).to_have_text("已新增区划 990104")
    row = page.locator("table tr", has=page.get_by_role("cell", name="990104", exact=True))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("测试区")
    expect(row).to_contain_text("启用")


def test_agent_cannot_open_admin_pages(page: Page, server: Server) -> None:
    log_in(page, "agent")
    expect(page.locator("h1")).to_have_text("工作台")
    expect(nav(page)).to_contain_text("单位名录")
    expect(nav(page).get_by_role("link", name="单位管理")).to_have_count(0)

    response = page.goto("/admin/units")
    assert response is not None
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("无权访问")
    expect(nav(page)).not_to_contain_text("单位管理")
    expect(nav(page)).not_to_contain_text("行政区划")
