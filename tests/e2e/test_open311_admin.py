"""The administrator's Open311 page in a real browser against ``hotline demo``: a key is issued
and shown once, works against the GeoReport v2 endpoint, and is revoked; a service's extra
questions are edited."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e


def test_the_admin_issues_uses_and_revokes_an_open311_key(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    admin = person("admin")
    nav_to(admin, "开放311接口")
    expect(admin.locator("h1")).to_have_text("开放311接口")
    expect(admin.locator("#open311-services")).to_contain_text("城市公共设施")
    admin.fill("#f-name", "浏览器测试门户")
    admin.get_by_role("button", name="签发密钥").click()
    key = admin.locator("#new-key .mono").inner_text().strip()
    assert re.fullmatch(r"o311_[A-Za-z0-9_-]{40,}", key)
    services = httpx.get(f"{server.url}/open311/v2/services.json").json()
    code = next(s["service_code"] for s in services if s["service_name"] == "环境卫生")
    posted = httpx.post(f"{server.url}/open311/v2/requests.json", data={
        "api_key": key, "service_code": code, "lat": "30.683", "long": "104.103", "description": "路边垃圾堆积"})
    assert posted.status_code == 200, posted.text
    admin.goto("/admin/open311")
    row = admin.locator("#open311-keys tr", has_text="浏览器测试门户")
    expect(row).to_contain_text("有效")
    assert key not in admin.content()
    admin.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="吊销").click()
    expect(admin.locator("#open311-keys tr", has_text="浏览器测试门户")).to_contain_text("已吊销")
    refused = httpx.post(f"{server.url}/open311/v2/requests.json", data={
        "api_key": key, "service_code": code, "lat": "30.683", "long": "104.103"})
    assert refused.status_code == 403


def test_the_admin_edits_a_services_extra_questions(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    admin = person("admin")
    admin.goto("/admin/open311")
    admin.locator("#open311-services tr", has_text="园林绿化").get_by_role("link", name="编辑").click()
    admin.fill("#f-attributes", "TREE|singlevaluelist|是|问题|fallen=树木倒伏;branch=枝叶遮挡")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator("#f-attributes")).to_have_value("TREE|singlevaluelist|是|问题|fallen=树木倒伏;branch=枝叶遮挡")
    services = httpx.get(f"{server.url}/open311/v2/services.json").json()
    code = next(s["service_code"] for s in services if s["service_name"] == "园林绿化")
    definition = httpx.get(f"{server.url}/open311/v2/services/{code}.json").json()
    assert [a["code"] for a in definition["attributes"]] == ["TREE"]
