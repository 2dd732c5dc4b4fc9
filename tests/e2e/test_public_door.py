"""The public door in a browser: an appeal (with a photo, shown back on the progress page) is
filed only with the code texted to the phone, and withdrawn only with another one (the codes are
read from the demo's SMS outbox, as the phone's owner would read them)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

PHONE = "13955556666"
TITLE = "幸福路井盖缺失"


def last_code(server: Server, template: str) -> str:
    with sqlite3.connect(server.tmp / "data" / "hotline.db") as conn:
        row = conn.execute("SELECT body FROM notification WHERE template = ? ORDER BY id DESC LIMIT 1",
                           (template,)).fetchone()
    assert row is not None, f"no {template} SMS queued"
    found = re.search(r"验证码为(\d{6})", row[0])
    assert found, row[0]
    return found.group(1)


def _photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 90, 90)).save(out, format="JPEG")
    return out.getvalue()


def test_a_citizen_files_an_appeal_with_the_sms_code_and_withdraws_it_with_another(
        browser: Browser, server: Server) -> None:
    context = browser.new_context(base_url=server.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/public")
    page.select_option("select[name=appeal_type]", "help")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=content]", "幸福路 8 号门口井盖缺失，夜里很危险")
    page.fill("input[name=phone]", PHONE)
    page.locator("#p-files").set_input_files(files=[{"name": "井盖.jpg", "mimeType": "image/jpeg", "buffer": _photo()}])
    page.get_by_role("button", name="提交诉求").click()

    expect(page.locator("#code-sent")).to_contain_text("139****6666")
    expect(page.locator("#demo-code")).to_contain_text(last_code(server, "public_code"))  # the demo texts nothing
    page.fill("input[name=code]", "000000" if last_code(server, "public_code") != "000000" else "111111")
    page.get_by_role("button", name="确认提交").click()
    expect(page.locator(".flash")).to_contain_text("还可以再试 4 次")
    page.fill("input[name=code]", last_code(server, "public_code"))
    page.get_by_role("button", name="确认提交").click()
    expect(page.locator("h1")).to_have_text("诉求已提交")
    number = page.locator("#order-number").inner_text().strip()
    assert re.fullmatch(r"HL[0-9]{14}", number)

    page.get_by_role("link", name="查询办理进度").click()
    page.fill("input[name=phone]", PHONE)
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".public-title")).to_have_text(TITLE)
    photo = page.locator(".public-files img")
    expect(photo).to_have_count(1)  # the photo sent with the appeal, through its signed link
    expect(photo).to_have_js_property("naturalWidth", 320)
    page.locator("summary", has_text="撤回这件诉求").click()
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator(".flash")).to_contain_text("验证码已发送至该手机")
    page.fill("input[name=code]", last_code(server, "public_withdrawal_code"))
    page.get_by_role("button", name="确认撤回").click()
    expect(page.locator(".flash")).to_contain_text("您的诉求已撤回")
    expect(page.locator(".public-status")).to_have_text("已撤回")
    context.close()
