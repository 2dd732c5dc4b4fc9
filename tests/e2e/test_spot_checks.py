"""Spot checks in a real browser against ``hotline demo``: the city's supervisor draws a random
sample of the past month's orders with a seed, finds a problem on an order of the housing
bureau and requires a correction; the bureau's handler sees it under 工单抽查 and answers; the
supervisor accepts it and turns the check's problems into a rectification list in one click,
which the handler then sees with the item to report on."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from hotline.kit import clock
from tests.e2e.conftest import nav_to

pytestmark = pytest.mark.e2e


def test_a_spot_check_from_draw_to_correction_to_rectification_list(person) -> None:  # type: ignore[no-untyped-def]
    today = clock.now().astimezone(clock.CST).date()
    sup = person("supervisor")
    nav_to(sup, "工单抽查")
    expect(sup.locator("h1")).to_have_text("工单抽查")
    form = sup.locator("#draw form")
    form.locator("input[name=title]").fill("浏览器测试抽查")
    form.locator("input[name=period_start]").fill((today - dt.timedelta(days=30)).isoformat())
    form.locator("input[name=period_end]").fill(today.isoformat())
    form.locator("input[name=size]").fill("30")
    form.locator("input[name=seed]").fill("e2e-seed")
    form.locator("input[name=region_code]").fill("990100")
    form.get_by_role("button", name="抽取样本").click()
    expect(sup.locator("h1")).to_contain_text("浏览器测试抽查")
    expect(sup.locator("#seed")).to_have_text("e2e-seed")

    row = sup.locator("#items tr", has_text="住房和城乡建设局").filter(has_text="待认定").first
    ref = (row.get_attribute("id") or "")[2:]
    row.locator("summary", has_text="认定").click()
    finding = row.locator("form[action$='/finding']")
    finding.locator("select[name=finding]").select_option("problem")
    finding.locator("select[name=problem_type]").select_option("false_reply")
    finding.locator("textarea[name=note]").fill("复核发现答复内容与实际不符")
    finding.locator("textarea[name=correction]").fill("重新核实办理情况并如实答复诉求人")
    finding.get_by_role("button", name="保存结论").click()
    row = sup.locator(f"#i-{ref}")
    expect(row.locator(".sc-finding")).to_contain_text("答复不实")
    expect(row.locator(".sc-correction")).to_contain_text("待整改")

    handler = person("handler")
    nav_to(handler, "工单抽查")
    expect(handler.locator("h1")).to_have_text("抽查整改要求")
    mine = handler.locator(f"#c-{ref}")
    expect(mine).to_contain_text("重新核实办理情况")
    mine.locator("textarea[name=text]").fill("已重新核实，向诉求人说明并完成整改")
    mine.get_by_role("button", name="提交答复").click()
    expect(handler.locator(f"#c-{ref}")).to_contain_text("待确认")

    sup.reload()
    row = sup.locator(f"#i-{ref}")
    expect(row).to_contain_text("已重新核实")
    row.get_by_role("button", name="确认整改").click()
    expect(sup.locator(f"#i-{ref} .sc-correction")).to_contain_text("整改通过")
    expect(sup.locator("#unit-stats")).to_contain_text("住房和城乡建设局")

    sup.locator("#make-list").click()
    expect(sup.locator("h1")).to_contain_text("整改清单")
    expect(sup.locator("#rect-items")).to_contain_text("答复不实")

    nav_to(handler, "整改清单")
    handler.locator("#list-table a", has_text="浏览器测试抽查").click()
    item = handler.locator("#rect-items tr", has_text="答复不实").first
    item.locator("textarea[name=text]").fill("已完成整改")
    item.get_by_role("button", name="报告完成").click()
    expect(handler.locator("#rect-items")).to_contain_text("待确认")
