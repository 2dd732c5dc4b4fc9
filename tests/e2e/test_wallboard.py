"""The wallboard and the call statistics in a real browser against ``hotline demo`` (its
simulated call stream off, so today's calls are the test's own): a supervisor watches
``/cti/wallboard`` while an agent signs in on a seat and the PBX posts calls (``POST
/api/v1/cti/events`` with a CTI key) — calls waiting, the longest wait, seats by state and
today's answer rate change without a reload. The history page draws its ECharts chart over
the demo's past weeks and its Excel export holds the page's figures."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, at, cti_token, demo_db, nav_to, post_events

pytestmark = pytest.mark.e2e

REFRESH = 12_000  # ms: the panel is fetched again every 5 s
HEADER = ["类别", "名称", "呼入量", "接通量", "放弃量", "5秒内放弃", "接通率", "15秒内接通", "服务水平",
          "平均等待(秒)", "平均通话(秒)", "平均话后整理(秒)", "平均处理时长(秒)", "转接", "三方通话", "企业专线",
          "产生工单", "重复来电"]


@pytest.fixture(scope="module", autouse=True)
def _no_call_stream(quiet_demo: None) -> None:
    """Before the server starts: no simulated calls."""


@pytest.fixture(scope="module")
def token(server: Server) -> Iterator[str]:
    with demo_db(server) as session:
        key = cti_token(session, username="e2e_wallboard_pbx")
    yield key


def state_count(page: Page, state: str) -> str:
    return page.locator(f"#wb-states [data-state='{state}']").inner_text().strip()


def download(page: Page, link: str, tmp: Path) -> openpyxl.Workbook:
    with page.expect_download() as info:
        page.click(link)
    target = tmp / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".xlsx", target
    return openpyxl.load_workbook(target, read_only=True)


def test_the_wallboard_follows_seats_and_calls_without_reload(  # type: ignore[no-untyped-def]
        person, server: Server, token: str) -> None:
    supervisor = person("supervisor")
    nav_to(supervisor, "话务监控")
    expect(supervisor.locator("h1")).to_have_text("话务监控")
    board = supervisor.locator("#wallboard")
    expect(supervisor.locator("#wb-waiting")).to_have_text("0")
    expect(supervisor.locator("#wb-longest")).to_have_text("—")
    expect(supervisor.locator("#wb-offered")).to_have_text("0")
    expect(supervisor.locator("#wb-answer-rate")).to_have_text("—")
    expect(board.locator("[data-seat='S001']")).to_contain_text("签出")
    ready, busy, logged_out = (int(state_count(supervisor, s)) for s in ("ready", "busy", "logged_out"))
    # the demo's duty agents are ready on ten seats; S001 (the agent's) and X001 are signed out
    assert (ready, busy, logged_out) == (10, 0, 2)
    supervisor.evaluate("window.__sameDocument = true")  # gone if the page reloads

    agent = person("agent")
    nav_to(agent, "受理台")
    agent.fill("#cti-seat-code", "S001")
    agent.get_by_role("button", name="签入坐席").click()
    expect(agent.locator("#cti-state")).to_have_text("空闲")
    expect(supervisor.locator("#wb-states [data-state='ready']")).to_have_text(str(ready + 1), timeout=REFRESH)
    expect(supervisor.locator("#wb-states [data-state='logged_out']")).to_have_text(str(logged_out - 1))
    expect(board.locator("[data-seat='S001']")).to_contain_text("话务员小王")
    expect(board.locator("[data-seat='S001']")).to_have_css("background-color", "rgb(233, 247, 239)")  # green

    # two callers queue: one for half a minute already, one for ten seconds
    now = dt.datetime.now(dt.UTC)
    post_events(server, token, [
        {"call_id": "e2e-wb-a", "seq": 1, "type": "offered", "at": at(now, -40), "caller": "13700452001",
         "called": "12345"},
        {"call_id": "e2e-wb-a", "seq": 2, "type": "queued", "at": at(now, -35), "queue": "general"},
        {"call_id": "e2e-wb-b", "seq": 1, "type": "offered", "at": at(now, -12), "caller": "13700452002",
         "called": "12345"},
        {"call_id": "e2e-wb-b", "seq": 2, "type": "queued", "at": at(now, -10), "queue": "enterprise"},
    ])
    expect(supervisor.locator("#wb-waiting")).to_have_text("2", timeout=REFRESH)
    longest = float(supervisor.locator("#wb-longest").inner_text())
    assert 35 <= longest < 35 + 60, longest  # the first caller's wait, not the second's
    expect(supervisor.locator("#wb-offered")).to_have_text("2")
    expect(supervisor.locator("#wb-answer-rate")).to_have_text("0.0%")
    general = supervisor.locator("#wb-queues tr[data-queue='general'] td")
    expect(general.nth(0)).to_have_text("综合话务")  # the queue's label, not the PBX's name
    expect(general.nth(1)).to_have_text("1")

    # the agent on S001 takes the first call; the second caller hangs up after 12 s of waiting
    now = dt.datetime.now(dt.UTC)
    post_events(server, token, [
        {"call_id": "e2e-wb-a", "seq": 3, "type": "answered", "at": at(now, 0), "seat": "S001"},
        {"call_id": "e2e-wb-b", "seq": 3, "type": "ended", "at": at(now, 0), "reason": "abandoned"},
    ])
    expect(supervisor.locator("#wb-waiting")).to_have_text("0", timeout=REFRESH)
    expect(supervisor.locator("#wb-longest")).to_have_text("—")
    expect(supervisor.locator("#wb-answered")).to_have_text("1")
    expect(supervisor.locator("#wb-answer-rate")).to_have_text("50.0%")  # 1 / (2 − 0 short abandons)
    expect(supervisor.locator("#wb-states [data-state='busy']")).to_have_text("1")
    expect(supervisor.locator("#wb-states [data-state='ready']")).to_have_text(str(ready))
    expect(board.locator("[data-seat='S001']")).to_contain_text("通话中")
    expect(board.locator("[data-seat='S001']")).to_have_css("background-color", "rgb(232, 240, 250)")  # blue

    # the call ends: the agent is in wrap-up
    post_events(server, token, [
        {"call_id": "e2e-wb-a", "seq": 4, "type": "ended", "at": at(dt.datetime.now(dt.UTC), 0),
         "reason": "completed"},
    ])
    expect(supervisor.locator("#wb-states [data-state='wrap_up']")).to_have_text("1", timeout=REFRESH)
    expect(supervisor.locator("#wb-states [data-state='busy']")).to_have_text("0")
    assert supervisor.evaluate("window.__sameDocument === true")

    # today's statistics say the same, and so does their export
    nav_to(supervisor, "话务统计")
    total = supervisor.locator("#cti-stats-total")
    expect(total.locator("[data-figure='offered']")).to_have_text("2")
    expect(total.locator("[data-figure='answered']")).to_have_text("1")
    expect(total.locator("[data-figure='abandoned']")).to_have_text("1")
    expect(total.locator("[data-figure='answer_rate']")).to_have_text("50.0%")
    queues = supervisor.locator("#cti-stats-queues")
    expect(queues.locator("tr", has_text="企业专线").locator("td").nth(3)).to_have_text("1")  # 放弃量
    expect(queues).not_to_contain_text("enterprise")
    book = download(supervisor, "#cti-stats-export", server.tmp)
    rows = [list(r) for r in book["话务统计"].iter_rows(values_only=True)]
    assert rows[0] == HEADER
    by_name = {(r[0], r[1]): dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    assert by_name["合计", "全部"]["呼入量"] == 2 and by_name["合计", "全部"]["接通量"] == 1
    assert by_name["合计", "全部"]["接通率"] == pytest.approx(0.5)
    assert by_name["队列", "综合话务"]["接通量"] == 1
    assert by_name["队列", "企业专线"]["放弃量"] == 1 and by_name["队列", "企业专线"]["企业专线"] == 1


def test_the_history_page_draws_its_chart_and_exports_the_same_figures(  # type: ignore[no-untyped-def]
        person, server: Server) -> None:
    supervisor = person("supervisor")
    supervisor.goto("/cti/stats")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    first = today - dt.timedelta(days=7)
    supervisor.fill("#f-from", f"{first:%Y-%m-%d}T00:00")
    supervisor.fill("#f-to", f"{today:%Y-%m-%d}T00:00")
    supervisor.select_option("#f-group", "day")
    supervisor.get_by_role("button", name="查看").click()
    expect(supervisor).to_have_url(re.compile(r"/cti/stats\?from="))

    chart = supervisor.locator("[data-chart='cti']")
    expect(chart.locator("canvas")).to_have_count(1)
    days = supervisor.evaluate(
        "() => echarts.getInstanceByDom(document.querySelector('[data-chart=cti]')).getOption().xAxis[0].data")
    assert days == [f"{first + dt.timedelta(days=n):%Y-%m-%d}" for n in range(7)], days

    offered = int(supervisor.locator("#cti-stats-total [data-figure='offered']").inner_text())
    answered = int(supervisor.locator("#cti-stats-total [data-figure='answered']").inner_text())
    assert offered >= 7 * 50 and 0 < answered <= offered  # the demo's ~90 calls a day
    group_rows = supervisor.locator("#cti-stats-groups tbody tr")
    expect(group_rows).to_have_count(7)
    per_day = [int(group_rows.nth(n).locator("td").nth(1).inner_text()) for n in range(7)]
    assert sum(per_day) == offered

    book = download(supervisor, "#cti-stats-export", server.tmp)
    rows = [list(r) for r in book["话务统计"].iter_rows(values_only=True)]
    assert rows[0] == HEADER
    total = dict(zip(HEADER, rows[1], strict=True))
    assert (total["类别"], total["呼入量"], total["接通量"]) == ("合计", offered, answered)
    daily = [r for r in rows if r[0] == "按日"]
    assert [r[1] for r in daily] == days and [r[2] for r in daily] == per_day
