"""Service merchants in a real browser against ``hotline demo``: an agent opens an order of a
caller who needs an air-conditioner repaired, picks the service type, refers a suitable
merchant from the order page (the timeline and the referral list show it, the citizen's SMS
is queued), and the public page lists the recommended merchants without personal data."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Server, nav_to

pytestmark = pytest.mark.e2e


def _order(server: Server) -> str:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        login = client.post("/api/v1/auth/login", json={"username": "agent", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        response = client.post("/api/v1/work-orders", json={
            "channel": "phone", "appeal_type": "help", "title": "空调坏了想找维修师傅（转介测试）",
            "content": "家里空调不制冷，想找正规维修", "phone": "13911113333", "name": "赵六",
            "region_code": "990102001"})
        assert response.status_code == 201, response.text
    return str(response.json()["number"])


def test_an_agent_refers_a_merchant_from_the_order_page(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    number = _order(server)
    agent = person("agent")
    agent.goto(f"/orders/{number}")
    section = agent.locator("#merchants")
    expect(section).to_contain_text("服务企业转介")
    section.locator("#f-merchant-type").select_option("appliance_repair")
    section.locator("#find-merchants").click()
    agent.wait_for_url("**service_type=appliance_repair**")
    expect(agent.locator("#f-refer-merchant")).to_contain_text("安居家电维修")
    expect(agent.locator("#f-refer-merchant")).not_to_contain_text("搬家")
    agent.locator("#refer-form").get_by_role("button", name="转介并短信告知").click()
    expect(agent.locator("#merchant-flash")).to_contain_text("并短信告知诉求人")
    expect(agent.locator("#referrals")).to_contain_text("青川市安居家电维修服务有限公司")
    expect(agent.locator("#referrals")).to_contain_text("02881230001")
    expect(agent.locator(".wo-timeline")).to_contain_text("转介服务企业")

    nav_to(agent, "服务企业")
    expect(agent.locator("#merchant-list")).to_contain_text("青川市安居家电维修服务有限公司")

    agent.goto("/public/merchants")
    table = agent.locator("#public-merchants")
    expect(table).to_contain_text("青川市安居家电维修服务有限公司")
    expect(table).not_to_contain_text("刘建华")  # the contact person
    expect(table).not_to_contain_text("13700100001")
    expect(table).not_to_contain_text("青川市快捷开锁换锁店")  # suspended
