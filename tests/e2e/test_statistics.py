"""The statistics workbench in a real browser against ``hotline demo`` (a year of orders): a
dispatcher opens 统计分析, chooses a dimension and a period, sees the table and the charts
update without a reload (and the URL follow), clicks a figure, sees as many orders as the
figure says, and opens one of them."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import nav_to

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def _a_year_of_orders() -> Iterator[None]:
    """Before the server starts: the demo loads (part of) its year of orders (the other
    browser tests start without it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DEMO_YEAR_ORDERS", "500")
        yield


def test_choose_a_dimension_see_the_table_and_charts_and_drill_into_a_figure(person) -> None:  # type: ignore[no-untyped-def]
    page = person("dispatcher")
    nav_to(page, "统计分析")
    expect(page.locator("h1")).to_have_text("统计分析")
    page.select_option("#wb-dimension", "channel")
    page.select_option("#wb-period", "year")
    page.click("#wb-submit")
    expect(page).to_have_url(re.compile(r"dimension=channel.*period=year|period=year.*dimension=channel"))
    table = page.locator("#wb-table")
    expect(table.locator("thead")).to_contain_text("渠道")
    expect(table.locator("tbody tr").first).to_contain_text("12345电话")
    for chart in ("wb-trend", "wb-categories", "wb-regions"):
        expect(page.locator(f"[data-chart='{chart}'] canvas")).to_have_count(1)
    first = table.locator("tbody tr").first.locator("a.wb-cell").first
    figure = int(first.inner_text())
    assert figure > 50  # a year of phone appeals
    first.click()
    expect(page.locator("h1")).to_have_text("统计明细")
    expect(page.locator("#wb-orders-total")).to_have_text(str(figure))
    expect(page.locator("#wb-orders tbody tr")).to_have_count(50)
    page.click("#wb-next")
    expect(page.locator("#wb-orders tbody tr").first).to_be_visible()
    number = page.locator("#wb-orders tbody tr a").first.inner_text()
    page.locator("#wb-orders tbody tr a").first.click()
    expect(page).to_have_url(re.compile(f"/orders/{number}$"))
    expect(page.locator("body")).to_contain_text(number)


def test_a_unit_sees_only_its_own_figures(person) -> None:  # type: ignore[no-untyped-def]
    page = person("handler")
    nav_to(page, "统计分析")
    expect(page.locator(".wb-caption")).to_contain_text("本单位承办的工单")
    expect(page.locator("#wb-table tfoot")).to_contain_text("合计")
