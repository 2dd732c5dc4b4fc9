"""The push in a real browser against ``hotline demo``: an order dispatched to the housing
bureau arrives on the demo's receiver page, masked as the bureau sees it; the city
administrator reads the delivery log, replays a delivery, and makes a subscription on the page
— its secret shown once."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Server, nav_to

pytestmark = pytest.mark.e2e


def _dispatched_order(server: Server) -> str:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        login = client.post("/api/v1/auth/login", json={"username": "dispatcher", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        number = client.post("/api/v1/work-orders", json={
            "channel": "phone", "appeal_type": "complaint", "title": "电梯停运（推送测试）",
            "content": "幸福小区3栋电梯停运三天无人维修", "phone": "13911112222", "name": "王五",
            "region_code": "990102001"}).json()["number"]
        units = client.get("/api/v1/units", params={"q": "住房", "limit": 100}).json()["items"]
        bureau = next(u["id"] for u in units if u["code"] == "990100-zj")
        dispatched = client.post(f"/api/v1/work-orders/{number}/dispatch", json={"lead_unit_id": bureau})
        assert dispatched.status_code == 200, dispatched.text
    return number


def test_a_dispatched_order_reaches_the_receiver_and_the_log(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    number = _dispatched_order(server)
    bureau = person("handler")
    bureau.goto("/demo/receiver")
    row = bureau.locator("#demo-received tr", has_text=number).first
    for _ in range(20):
        if row.count():
            break
        bureau.wait_for_timeout(500)
        bureau.reload()
    expect(row).to_contain_text("已接收")
    expect(row).to_contain_text("工单派发")
    row.get_by_text("查看").click()
    expect(row.locator("pre")).to_contain_text("139****2222")  # masked as the bureau sees it
    expect(row.locator("pre")).not_to_contain_text("13911112222")

    admin = person("qc_admin")
    nav_to(admin, "推送订阅")
    expect(admin.locator("h1")).to_have_text("推送订阅")
    admin.locator("#webhook-subscriptions").get_by_role("link", name="推送记录").first.click()
    delivered = admin.locator("#webhook-deliveries tr[data-status='delivered']").first
    expect(delivered).to_contain_text("已送达")
    delivered.get_by_role("button", name="重放").click()
    expect(admin.locator(".flash")).to_contain_text("已重新排队 1 条推送")

    nav_to(admin, "推送订阅")
    admin.fill("#f-name", "浏览器测试订阅")
    admin.fill("#f-owner", "manager")
    admin.fill("#f-url", "http://127.0.0.1:9/hook")
    admin.get_by_label("承办单位答复").check()
    admin.get_by_role("button", name="创建订阅").click()
    secret = admin.locator("#new-secret .mono").inner_text().strip()
    assert re.fullmatch(r"whsec_[A-Za-z0-9_-]{20,}", secret), secret
    expect(admin.locator("#webhook-subscriptions")).to_contain_text("浏览器测试订阅")
    admin.goto("/admin/webhooks")
    expect(admin.locator("body")).not_to_contain_text(secret)
