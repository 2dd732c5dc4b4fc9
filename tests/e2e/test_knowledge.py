"""The knowledge base in a real browser against ``hotline demo``: items appear beside the
intake form while the agent types, and one click answers the caller and closes the order;
the public assistant answers with a cited item, or hands the question over to the appeal form.

Run with ``pytest tests/e2e`` (or ``-m e2e``). Needs Debian's ``/usr/bin/chromium``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e


def test_agent_answers_a_call_with_one_click_from_a_suggested_item(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    agent = person("agent")
    nav_to(agent, "受理台")
    agent.fill("#f-phone", "13800138000")
    agent.fill("#f-title", "公积金贷款额度")
    agent.locator("#f-content").type("来电人在青川市买房，想问住房公积金贷款最高能贷多少钱")
    panel = agent.locator("#kb-suggestions")
    expect(panel.locator(".kb-hit").first).to_contain_text("住房公积金贷款")
    first = panel.locator(".kb-hit").first
    question = first.locator(".kb-q").inner_text()
    first.get_by_role("button", name="一键答复并办结").click()
    expect(agent.locator(".flash")).to_contain_text("HL")
    expect(agent.locator("body")).to_contain_text("已办结")
    expect(agent.locator("#answered-by")).to_contain_text(question)


def test_the_public_assistant_cites_its_source_or_hands_over_to_an_appeal(browser: Browser, server: Server) -> None:
    context = browser.new_context(base_url=server.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/public/assistant")
    page.fill("#chat-q", "我要去外省看病，异地就医备案怎么办理")
    page.keyboard.press("Enter")
    reply = page.locator(".chat-bot[data-answered]").last
    expect(reply).to_have_attribute("data-answered", "yes")
    expect(reply.locator(".chat-source")).to_contain_text("来源")
    expect(page.locator("#chat-q")).to_have_value("")
    question = "我家楼下的烧烤店每天半夜油烟很大，熏得没法开窗"
    page.fill("#chat-q", question)
    page.get_by_role("button", name="发送").click()
    reply = page.locator(".chat-bot[data-answered]").last
    expect(reply).to_have_attribute("data-answered", "no")
    reply.get_by_role("link", name="把这个问题提交为诉求").click()
    expect(page.locator("h1")).to_have_text("我要反映")
    expect(page.locator("textarea[name=content]")).to_have_value(question)
    context.close()
