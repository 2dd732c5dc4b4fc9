"""Cross-city transfer in a real browser against ``hotline demo``: the platform administrator
adds a peer on the 跨市互派 page (the pair's secret shown once); a dispatcher sends an order to
it from the order page (转至他市) and sees it waiting for the peer, off its own deadline."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, Server, nav_to

pytestmark = pytest.mark.e2e


def _registered_order(server: Server) -> str:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        login = client.post("/api/v1/auth/login", json={"username": "dispatcher", "password": PASSWORD})
        client.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        created = client.post("/api/v1/work-orders", json={
            "channel": "phone", "appeal_type": "complaint", "title": "路灯不亮（跨市转办测试）",
            "content": "临河市河东区滨江路路灯一周不亮", "phone": "13911113333", "name": "赵六"})
        assert created.status_code == 201, created.text
        return str(created.json()["number"])


def test_a_peer_is_added_and_an_order_transferred_from_the_order_page(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    admin = person("admin")
    nav_to(admin, "跨市互派")
    expect(admin.locator("h1")).to_have_text("跨市互派")
    admin.fill("#f-name", "linhe")
    admin.fill("#f-display_name", "临河市")
    admin.fill("#f-url", "http://127.0.0.1:9")
    admin.get_by_role("button", name="添加").click()
    secret = admin.locator("#new-secret .mono").nth(1).inner_text().strip()
    assert re.fullmatch(r"fks_[A-Za-z0-9_-]{20,}", secret), secret
    expect(admin.locator("#federation-peers")).to_contain_text("临河市")
    admin.goto("/admin/federation")
    expect(admin.locator("body")).not_to_contain_text(secret)

    number = _registered_order(server)
    dispatcher = person("dispatcher")
    dispatcher.goto(f"/orders/{number}")
    section = dispatcher.locator("#federation")
    section.get_by_text("转至他市", exact=True).first.click()
    section.locator("textarea[name=reason]").fill("诉求地点属临河市")
    section.get_by_role("button", name="转至他市").click()
    expect(dispatcher.locator("#federation")).to_contain_text("待对方接收")
    expect(dispatcher.locator("#federation")).to_contain_text("待送达消息")
    expect(dispatcher.locator("body")).to_contain_text("已转他市")
