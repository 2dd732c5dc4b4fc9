"""The closed loop in a real browser against ``hotline demo``: an agent takes a call in the
intake console, a dispatcher dispatches it to 青川市住房和城乡建设局 (unless the catalogue
dispatched it directly), the handler signs and replies, the dispatcher accepts the reply, the
agent records a satisfied callback, and the order reads 已办结.

Run with ``pytest tests/e2e`` (or ``-m e2e``). Needs Debian's ``/usr/bin/chromium``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e

UNIT = "青川市住房和城乡建设局"


def test_a_call_goes_round_the_whole_loop_to_closed_in_the_browser(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    # The agent takes the call in the intake console, keyboard first.
    agent = person("agent")
    nav_to(agent, "受理台")
    agent.wait_for_load_state("load")  # htmx listens to the phone field (a busy machine may type first)
    expect(agent.locator("#f-phone")).to_be_focused()
    agent.keyboard.type("13800138000")
    agent.keyboard.press("Enter")  # Enter moves on; leaving the phone field looks the caller up
    expect(agent.locator("#history")).to_contain_text("张建国")
    expect(agent.locator("#f-name")).to_have_value("张建国")  # the known name is filled in
    agent.select_option("#f-appeal_type", "complaint")
    agent.fill("#f-title", "小区物业长期不清运垃圾")
    agent.fill("#f-content", "东华街道幸福路 12 号小区物业两周未清运垃圾，气味很大，要求督促物业整改。")
    agent.select_option("#f-category_code", "011003")  # 城乡建设 › 住房保障与房地产 › 物业服务
    agent.select_option("#f-region_code", "990100")
    agent.fill("#f-address", "幸福路12号")
    agent.locator("#f-address").press("Control+Enter")
    expect(agent.locator(".flash.ok")).to_contain_text("已受理，工单号")
    number = agent.locator("h1").inner_text().strip()
    assert re.fullmatch(r"HL[0-9]{14}", number), number

    # The dispatcher sends it to the city housing bureau (unless it went out directly).
    dispatcher = person("dispatcher")
    nav_to(dispatcher, "工单")
    dispatcher.get_by_role("link", name=number).click()
    if dispatcher.locator(".wo-st").inner_text() == "待派单":
        lead = dispatcher.locator("#f-lead")
        value = lead.locator("option", has_text=UNIT).first.get_attribute("value")
        assert value is not None
        lead.select_option(value)
        dispatcher.locator("#act-dispatch").get_by_role("button", name="派单").click()
        expect(dispatcher.locator(".flash.ok")).to_have_text(f"已派单至 {UNIT}")
    expect(dispatcher.locator(".wo-st")).to_have_text("待签收")

    # The handler finds it in the unit's inbox, signs for it and replies.
    handler = person("handler")
    nav_to(handler, "工单")
    expect(handler.locator("#order-list")).to_contain_text(number)
    handler.get_by_role("link", name=number).click()
    handler.get_by_role("button", name="签收").click()
    expect(handler.locator(".flash.ok")).to_contain_text("已签收")
    expect(handler.locator(".wo-st")).to_have_text("办理中")
    handler.select_option("#f-result", "resolved")
    handler.fill("#f-reply-text", "已约谈物业公司，垃圾已全部清运，并建立每日清运台账。")
    handler.get_by_role("button", name="提交答复").click()
    expect(handler.locator(".flash.ok")).to_contain_text("答复已提交")

    # The dispatcher accepts the reply.
    dispatcher.goto("/orders?tab=replied")
    dispatcher.get_by_role("link", name=number).click()
    expect(dispatcher.locator("#act-review")).to_contain_text("已约谈物业公司")
    dispatcher.get_by_role("button", name="认定通过，转回访").click()
    expect(dispatcher.locator(".flash.ok")).to_contain_text("答复认定通过")

    # The agent calls back from the queue: reached, resolved, satisfied.
    nav_to(agent, "回访")
    card = agent.locator(f"#cb-{number}")
    expect(card).to_contain_text("已约谈物业公司")
    expect(card).to_contain_text("13800138000")
    card.get_by_label("已解决").check()
    card.get_by_label("满意", exact=True).check()
    card.get_by_role("button", name="记录回访").click()
    expect(agent.locator(".flash.ok")).to_have_text(f"{number} 回访已记录（满意），工单已办结")

    agent.goto(f"/orders/{number}")
    expect(agent.locator(".wo-st")).to_have_text("已办结")
    expect(agent.locator(".wo-timeline")).to_contain_text("办结")
    agent.screenshot(path=str(server.tmp / "closed-order.png"), full_page=True)
