"""Linkage in a real browser against ``hotline demo``: an agent opens an order, transfers it
to 119 as a full hand-over from the order page — the order leaves the hotline's clock — then
records the line's refusal, and the order comes back to be dispatched; the statistics page
counts the transfer."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Server, nav_to

pytestmark = pytest.mark.e2e


def _registered_order(server: Server) -> str:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        login = client.post("/api/v1/auth/login", json={"username": "agent", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        response = client.post("/api/v1/work-orders", json={
            "channel": "phone", "appeal_type": "help", "title": "楼道冒烟（联动测试）",
            "content": "幸福小区3栋楼道有烟味，疑似电动车充电起火", "phone": "13911112222", "name": "王五",
            "region_code": "990102001"})
        assert response.status_code == 201, response.text
    return str(response.json()["number"])


def test_an_agent_hands_an_order_over_to_119_from_the_order_page(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    number = _registered_order(server)
    agent = person("agent")
    agent.goto(f"/orders/{number}")
    card = agent.locator("#linkage")
    card.get_by_text("联动转接").click()
    agent.select_option("#f-linkage-line", label="119 消防救援指挥中心（应急联动）")
    agent.select_option("#f-linkage-scope", value="full")
    agent.fill("#f-linkage-ref", "XF-E2E-001")
    agent.fill("#f-linkage-note", "已三方通话转 119")
    agent.locator("#linkage-submit").click()
    expect(agent.locator(".flash")).to_contain_text("已记录联动转接")
    expect(agent.locator(".wo-head-tags")).to_contain_text("已移交联动")
    row = agent.locator("#linkage-records tr", has_text="XF-E2E-001")
    expect(row).to_contain_text("整体移交")
    expect(row).to_contain_text("已移交待确认")

    row.get_by_text("记录结果").click()
    row.locator("select[name=outcome]").select_option(value="refused")
    row.locator("input[name=note]").fill("非火情，由物业处理")
    row.get_by_role("button", name="保存").click()
    expect(agent.locator(".flash")).to_contain_text("已记录联动处置结果")
    expect(agent.locator(".wo-head-tags")).to_contain_text("待派单")
    expect(agent.locator("#linkage-records")).to_contain_text("对方拒收")

    supervisor = person("supervisor")
    nav_to(supervisor, "联动统计")
    expect(supervisor.locator("#linkage-stats-lines")).to_contain_text("119 消防救援指挥中心")
    expect(supervisor.locator("[data-chart='linkage'] canvas")).to_have_count(1)
