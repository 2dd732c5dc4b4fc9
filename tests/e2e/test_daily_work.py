"""The daily work in a real browser: every role's workbench and the lists its counts open, the order
search with a saved search, an agent's draft, and a unit handler's day on a 390 px phone — the menu
behind a button, the inbox, the order, signing, a photo from the camera, replying with a photo and
asking for more time, none of it scrolling sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import PASSWORD, Server, nav_to

pytestmark = pytest.mark.e2e

UNIT = "青川市住房和城乡建设局"
#: Each role's workbench: a card it must show.
CARDS = {"agent": "card-callbacks", "dispatcher": "card-pending", "supervisor": "card-deadlines",
         "handler": "card-to_sign", "manager": "card-overdue", "sector": "card-sector_overdue",
         "auditor": "card-chain", "kb_editor": "card-documents", "kb_reviewer": "card-to_review",
         "admin": "card-messages_failed"}


def _photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (90, 140, 200)).save(out, format="JPEG")
    return out.getvalue()


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: the page is {width[0]} px wide on a {width[1]} px screen"


def _new_order(person, server: Server, title: str) -> str:  # type: ignore[no-untyped-def]
    agent = person("agent")
    nav_to(agent, "受理台")
    agent.fill("#f-phone", "13800138111")
    agent.select_option("#f-appeal_type", "complaint")
    agent.fill("#f-title", title)
    agent.fill("#f-content", "幸福路 12 号小区门口的路面塌陷，已经一周无人处理，晚上很危险。")
    agent.select_option("#f-category_code", "011003")
    agent.select_option("#f-region_code", "990100")
    agent.locator("#f-content").press("Control+Enter")
    expect(agent.locator(".flash.ok")).to_contain_text("已受理，工单号")
    number = agent.locator("h1").inner_text().strip()
    assert re.fullmatch(r"HL[0-9]{14}", number), number
    dispatcher = person("dispatcher")
    dispatcher.goto(f"{server.url}/orders/{number}")
    if dispatcher.locator(".wo-st").inner_text() == "待派单":
        lead = dispatcher.locator("#f-lead")
        value = lead.locator("option", has_text=UNIT).first.get_attribute("value")
        assert value is not None
        lead.select_option(value)
        dispatcher.locator("#act-dispatch").get_by_role("button", name="派单").click()
        expect(dispatcher.locator(".flash.ok")).to_have_text(f"已派单至 {UNIT}")
    return number


@pytest.mark.parametrize("role", sorted(CARDS))
def test_every_roles_workbench_opens_the_list_behind_its_counts(person, role: str) -> None:  # type: ignore[no-untyped-def]
    page = person(role)
    card = page.locator(f"#{CARDS[role]}")
    expect(card).to_be_visible()
    count = card.locator("a.bench-count")
    if count.count():
        href = count.get_attribute("href")
        count.click()
        expect(page).not_to_have_url(re.compile(r"/$"))
        assert href and href.split("?")[0] in page.url
        expect(page.locator("h1")).not_to_have_text("工作台")


def test_the_search_finds_an_order_by_a_word_and_saves_the_search(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    number = _new_order(person, server, "路面塌陷无人修")
    agent = person("agent")
    nav_to(agent, "工单查询")
    agent.fill("#s-q", "路面塌陷")
    agent.locator("#search-form").get_by_role("button", name="查询").click()
    expect(agent.locator("#search-results")).to_contain_text(number)
    expect(agent.locator("#result-total")).to_contain_text("件")
    agent.locator("#saved-searches input[name=name]").fill("塌陷类")
    agent.get_by_role("button", name="保存当前查询").click()
    expect(agent.locator(".flash.ok")).to_contain_text("已保存查询")
    expect(agent.locator("#saved-searches")).to_contain_text("塌陷类")


def test_an_agent_keeps_a_call_as_a_draft_and_registers_it_later(person) -> None:  # type: ignore[no-untyped-def]
    agent = person("agent")
    nav_to(agent, "受理台")
    agent.fill("#f-phone", "13800138123")
    agent.fill("#f-title", "井盖缺失待核实地址")
    agent.fill("#f-content", "来电反映路口井盖丢失，通话中断，待回拨核实具体路口。")
    agent.get_by_role("button", name="暂存草稿").click()
    expect(agent.locator(".flash.ok")).to_contain_text("草稿已暂存")
    agent.goto("/")
    drafts = agent.locator("#card-drafts")
    expect(drafts).to_contain_text("井盖缺失待核实地址")
    drafts.get_by_role("link", name="井盖缺失待核实地址").click()
    expect(agent.locator("#f-title")).to_have_value("井盖缺失待核实地址")
    agent.select_option("#f-appeal_type", "complaint")
    agent.select_option("#f-region_code", "990100")
    agent.fill("#f-address", "东华街道幸福路与人民路路口")
    agent.get_by_role("button", name="受理登记").click()
    expect(agent.locator(".flash.ok")).to_contain_text("已受理，工单号")
    agent.goto("/")
    expect(agent.locator("#card-drafts")).not_to_contain_text("井盖缺失待核实地址")


def test_a_unit_handlers_day_on_a_phone(browser: Browser, person, server: Server) -> None:  # type: ignore[no-untyped-def]
    number = _new_order(person, server, "手机端办理测试")
    context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    try:
        phone = context.new_page()
        phone.goto("/login")
        phone.fill("#username", "handler")
        phone.fill("#password", PASSWORD)
        phone.get_by_role("button", name="登录").click()
        expect(phone.locator("h1")).to_have_text("工作台")
        _no_sideways_scroll(phone)
        nav = phone.get_by_role("navigation", name="主导航")
        expect(nav).to_be_hidden()
        phone.locator("#menu-toggle").click()
        expect(nav).to_be_visible()
        nav.get_by_role("link", name="工单", exact=True).click()
        expect(phone.locator("#order-list")).to_contain_text(number)
        _no_sideways_scroll(phone)
        phone.goto("/inbox")
        expect(phone.locator("h1")).to_have_text("消息")
        _no_sideways_scroll(phone)
        phone.goto(f"/orders/{number}")
        _no_sideways_scroll(phone)
        phone.locator("#act-sign").get_by_role("button", name="签收").click()
        expect(phone.locator(".flash.ok")).to_be_visible()
        _no_sideways_scroll(phone)
        phone.locator("#act-extension summary").click()
        expect(phone.locator("#act-extension")).to_be_visible()
        _no_sideways_scroll(phone)
        upload = phone.locator("#attachments")
        upload.locator("#att-file").set_input_files(files=[{"name": "现场.jpg", "mimeType": "image/jpeg",
                                                            "buffer": _photo()}])
        upload.locator("select[name=context]").select_option("reply")
        upload.get_by_role("button", name="上传", exact=True).click()
        expect(phone.locator("#attachments img")).to_have_count(1)
        _no_sideways_scroll(phone)
        reply = phone.locator("#act-reply")
        reply.locator("#f-result").select_option("resolved")
        reply.locator("#f-reply-text").fill("已安排养护队修复塌陷路面并设置警示标志。")
        reply.locator("#f-reply-files").set_input_files(files=[{"name": "修复后.jpg", "mimeType": "image/jpeg",
                                                                "buffer": _photo()}])
        reply.get_by_label("照片群众可见").check()
        reply.get_by_role("button", name="提交答复").click()
        expect(phone.locator(".flash.ok")).to_be_visible()
        expect(phone.locator("#attachments img")).to_have_count(2)  # the photo sent with the reply too
        expect(phone.locator("#attachments")).to_contain_text("群众可见")
        _no_sideways_scroll(phone)
    finally:
        context.close()
