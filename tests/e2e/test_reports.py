"""Reports in a real browser against ``hotline demo``: the supervisor finds last month's issued
analysis in the archive, drafts another from the form, rewrites its suggestions, sees the
charts drawn, issues it, and the dispatcher reads it in the archive."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import nav_to

pytestmark = pytest.mark.e2e


def test_a_supervisor_drafts_edits_and_issues_a_monthly_report(person) -> None:  # type: ignore[no-untyped-def]
    supervisor = person("supervisor")
    nav_to(supervisor, "分析报告")
    expect(supervisor.locator("#archive")).to_contain_text("月度分析报告")
    form = supervisor.locator("#new-report")
    form.locator("#f-kind").select_option("monthly")
    form.get_by_role("button", name="生成草稿").click()
    supervisor.wait_for_url("**/reports/*")
    expect(supervisor.locator("#section-overview")).to_contain_text("共受理诉求")
    chart = supervisor.locator("#section-overview img").first
    expect(chart).to_be_visible()
    assert supervisor.evaluate("img => img.naturalWidth", chart.element_handle()) > 0
    supervisor.locator("#section-suggestions textarea").fill("1. 浏览器测试：加强路灯巡查。")
    supervisor.locator("#edit-form").get_by_role("button", name="保存修改").click()
    expect(supervisor.locator(".flash")).to_contain_text("已保存修改")
    expect(supervisor.locator("#section-suggestions")).to_contain_text("已修改")
    supervisor.locator("#issue-form").get_by_role("button", name="印发").click()
    expect(supervisor.locator(".flash")).to_contain_text("报告已印发并归档")
    expect(supervisor.locator("#section-suggestions")).to_contain_text("浏览器测试：加强路灯巡查。")

    dispatcher = person("dispatcher")
    nav_to(dispatcher, "分析报告")
    expect(dispatcher.locator("#archive tr")).to_have_count(3)  # header, the demo's, this one
    expect(dispatcher.locator("#new-report")).to_have_count(0)


def test_the_sector_department_reads_the_daily_ledger(person) -> None:  # type: ignore[no-untyped-def]
    sector = person("sector")
    nav_to(sector, "每日台账")
    expect(sector.locator("h1")).to_contain_text("突发事件与涉稳风险日报")
    expect(sector.locator("#daily-docx")).to_be_visible()
