"""查看联系方式 in a real browser: the handler sees the caller masked on the order page, gives a
reason, and the contact card is swapped in place with the number (ADR 0004)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e

UNIT = "青川市住房和城乡建设局"


def test_a_handler_reveals_the_callers_contact_with_a_reason(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    agent = person("agent")
    nav_to(agent, "受理台")
    agent.fill("#f-phone", "13800138000")
    agent.fill("#f-name", "张建国")
    agent.select_option("#f-appeal_type", "complaint")
    agent.fill("#f-title", "楼道灯不亮")
    agent.fill("#f-content", "幸福路 12 号 3 栋楼道灯坏了两周，晚上上下楼很危险。")
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

    handler = person("handler")
    handler.goto(f"{server.url}/orders/{number}")
    card = handler.locator("#citizen-contact")
    expect(card).to_contain_text("138****8000")
    expect(card).not_to_contain_text("13800138000")
    card.locator("#reveal-reason").fill("需电话联系诉求人确认具体楼层")
    card.get_by_role("button", name="查看联系方式").click()
    expect(handler.locator("#citizen-contact")).to_contain_text("13800138000")
    expect(handler.locator("#citizen-contact")).to_contain_text("已记入审计日志")
    expect(handler.locator("h1")).to_have_text(number)  # swapped in place, still the order page
