"""Public disclosure in a real browser against ``hotline demo``: the public page shows last
month's figures for 青川市 and two typical cases with no personal data; the reviewer opens the
case waiting for review and publishes it; the supervisor who chose it could not."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e


def test_the_public_reads_figures_and_anonymised_cases(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    page = person("agent")  # the public pages need no login; any browser will do
    page.goto("/public/disclosure")
    expect(page.locator(".disclosure-month").first).to_contain_text("青川市 · 2026年11月")
    cases = page.locator("#public-cases")
    expect(cases).to_contain_text("小区消防通道被私家车长期占用")
    expect(cases).to_contain_text("在建工地深夜作业噪声扰民")
    cases.get_by_text("小区消防通道被私家车长期占用").click()
    article = page.locator("#public-case")
    expect(article).to_contain_text("张某")
    expect(article).to_contain_text("[车牌号]")
    for secret in ("张建军", "13611112233", "川A12345", "幸福小区3栋", "青川市安心物业管理有限公司"):
        expect(article).not_to_contain_text(secret)
    page.goto("/public/disclosure")
    page.locator(".disclosure-month h3 a").first.click()
    expect(page.locator("#top-categories")).to_be_visible()
    expect(page.locator("#month-ranking")).to_be_visible()


def test_a_second_supervisor_publishes_the_case_in_review(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    supervisor = person("supervisor")
    nav_to(supervisor, "数据公开")
    waiting = supervisor.locator("table.case-list[data-state='in_review']")
    expect(waiting).to_contain_text("电梯停运半月无人维修")
    waiting.get_by_text("电梯停运半月无人维修").click()
    expect(supervisor.locator("#review")).to_contain_text("须由另一位值班长审核")
    path = supervisor.url.split(server.url, 1)[-1]

    reviewer = person("duty_lead")
    reviewer.goto(path)
    expect(reviewer.locator("#residue-clean")).to_be_visible()
    reviewer.locator("#approve-case").click()
    expect(reviewer.locator("#case-state")).to_contain_text("已公开")
    reviewer.goto("/public/disclosure")
    expect(reviewer.locator("#public-cases")).to_contain_text("电梯停运半月无人维修")
