"""The administrator's telephony page in a real browser against ``hotline demo``: the demo's
seats and queues are listed and its simulated call stream is using its CTI key; a seat is
added with an outsourced operator and deactivated, a queue is mapped, a CTI key is issued —
shown once —, accepted by the call-event interface, and revoked."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e


def test_the_admin_manages_seats_queues_and_cti_keys(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    admin = person("admin")
    nav_to(admin, "坐席与队列")
    expect(admin.locator("h1")).to_have_text("坐席与队列")
    expect(admin.locator("#cti-seats")).to_contain_text("X001")
    expect(admin.locator("#cti-queues")).to_contain_text("企业专线")
    # the demo's live call stream posts with the demo key: it has been used
    for _ in range(30):
        last_used = admin.locator("#cti-keys tr", has_text="演示：青川市中心交换机").filter(has_text="有效") \
            .locator("td").nth(5).inner_text().strip()
        if last_used != "—":
            break
        admin.wait_for_timeout(1000)
        admin.reload()
    assert last_used.startswith("20"), last_used
    admin.fill("#f-code", "S099")
    admin.select_option("#f-kind", "enterprise")
    admin.fill("#f-region", "990100")
    admin.fill("#f-operator", "浏览器测试外包公司")
    admin.get_by_role("button", name="添加坐席").click()
    row = admin.locator("#cti-seats tr[data-code='S099']")
    expect(row).to_contain_text("启用")
    expect(row.get_by_label("S099 外包服务商")).to_have_value("浏览器测试外包公司")
    admin.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="停用").click()
    expect(admin.locator("#cti-seats tr[data-code='S099']")).to_contain_text("已停用")

    queue = admin.locator("#cti-queues tr[data-name='expert']")
    queue.get_by_label("expert 显示名称").fill("专家坐席（部门）")
    queue.get_by_role("button", name="保存").click()
    expect(admin.locator("#cti-queues tr[data-name='expert']").get_by_label("expert 显示名称")).to_have_value(
        "专家坐席（部门）")

    admin.fill("#f-key_name", "浏览器测试交换机")
    admin.fill("#f-key_unit", "C-990100")
    admin.get_by_role("button", name="签发密钥").click()
    key = admin.locator("#new-key .mono").inner_text().strip()
    assert len(key) > 30 and " " not in key
    event = {"call_id": "e2e-cti-1", "seq": 1, "type": "offered", "at": "2026-12-06T09:00:00+08:00",
             "caller": "13800138000", "called": "12345"}
    posted = httpx.post(f"{server.url}/api/v1/cti/events", json=[event], headers={"Authorization": f"Bearer {key}"})
    assert posted.status_code == 202 and posted.json()["accepted"] == 1, posted.text
    admin.goto("/cti/admin")
    row = admin.locator("#cti-keys tr", has_text="浏览器测试交换机")
    expect(row).to_contain_text("有效")
    assert key not in admin.content()
    admin.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="吊销").click()
    expect(admin.locator("#cti-keys tr", has_text="浏览器测试交换机")).to_contain_text("已吊销")
    refused = httpx.post(f"{server.url}/api/v1/cti/events", json=[event], headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401
