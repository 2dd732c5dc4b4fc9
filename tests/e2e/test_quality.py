"""Quality inspection (质检) in a real browser against ``hotline demo`` (its simulated call
stream off): the agent answers two calls on an outsourced seat; the supervisor (an inspector)
sets the checklist, picks one call and scores it; the agent sees the score and the feedback
and appeals once — a second appeal from a stale tab is refused —; the scorer may not decide
while the region has another inspector, who upholds the appeal; the monthly report shows the
adjusted score and exports it. The agents' figures page counts the agent's calls and talk
time and shows no caller's number; a drawn sample never takes the same work twice."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import CST, Server, at, cti_token, demo_db, nav_to, post_events

pytestmark = pytest.mark.e2e

SEAT = "S007"  # staffed by the demo's outsourced operator
OPERATOR = "蜀信外包呼叫服务有限公司"
CALLERS = ("13700453001", "13700453002")
AGENT = "话务员小王"
CHECKER = "质检员小陈"


@pytest.fixture(scope="module", autouse=True)
def _no_call_stream(quiet_demo: None) -> None:
    """Before the server starts: no simulated calls."""


@pytest.fixture(scope="module")
def work(server: Server) -> Iterator[dict[str, object]]:
    """A second inspector of 青川市; the agent on the outsourced seat answers two calls (talk
    120 s and 60 s). Returns the calls' refs and the number of orders the agent registered
    this month and today (the demo's sample orders)."""
    from sqlalchemy import func, select

    from hotline.auth import repository as auth_repository
    from hotline.auth.models import Role
    from hotline.auth.principal import Principal
    from hotline.demo.data import demo_account
    from hotline.demo.telephony import duty_username
    from hotline.telephony import seats
    from hotline.telephony.models import Call
    from hotline.workorder.models import WorkOrder

    with demo_db(server) as session:
        token = cti_token(session, username="e2e_quality_pbx")
        admin_user = auth_repository.user_by_username(session, "admin")
        agent_user = auth_repository.user_by_username(session, "agent")
        assert admin_user is not None and agent_user is not None
        agent_id = agent_user.id
        demo_account(session, Principal.of(admin_user), username="qa_checker", display_name=CHECKER,
                     role=Role.centre_supervisor, unit_id=agent_user.unit_id, phone="13700009901")
        duty = auth_repository.user_by_username(session, duty_username(SEAT))
        assert duty is not None
        seats.log_out(session, Principal.of(duty))  # the demo's duty agent hands the seat over
        seats.log_in(session, Principal.of(agent_user), seat_code=SEAT)
    now = dt.datetime.now(dt.UTC)
    events: list[dict[str, object]] = []
    for n, (call_id, start, talk) in enumerate((("e2e-qa-a", -400, 120), ("e2e-qa-b", -200, 60))):
        events += [
            {"call_id": call_id, "seq": 1, "type": "offered", "at": at(now, start), "caller": CALLERS[n],
             "called": "12345"},
            {"call_id": call_id, "seq": 2, "type": "queued", "at": at(now, start + 5), "queue": "general"},
            {"call_id": call_id, "seq": 3, "type": "answered", "at": at(now, start + 20), "seat": SEAT},
            {"call_id": call_id, "seq": 4, "type": "ended", "at": at(now, start + 20 + talk), "reason": "completed"},
        ]
    post_events(server, token, events)
    month_start = dt.datetime.now(CST).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    with demo_db(server) as session:
        refs = {row.call_id: row.ref for row in session.execute(
            select(Call.call_id, Call.ref).where(Call.call_id.in_(["e2e-qa-a", "e2e-qa-b"])))}
        answered_by = set(session.scalars(select(Call.agent_id).where(Call.call_id.in_(["e2e-qa-a", "e2e-qa-b"]))))
        assert answered_by == {agent_id}
        def registered(since: dt.datetime) -> int:
            return int(session.scalar(select(func.count()).select_from(WorkOrder).where(
                WorkOrder.created_by_id == agent_id, WorkOrder.registered_at >= since)) or 0)

        orders, today = registered(month_start), registered(dt.datetime.now(CST).replace(hour=0, minute=0, second=0,
                                                                                       microsecond=0))
    assert today > 0  # the demo's sample orders, registered by the agent at start-up
    yield {"call_a": refs["e2e-qa-a"], "call_b": refs["e2e-qa-b"], "orders": orders, "orders_today": today}


def cells(page: Page, table: str, first: str) -> list[str]:
    """The texts of the row of ``table`` whose first cell is ``first``."""
    row = page.locator(f"{table} tr").filter(has=page.locator("td:first-child", has_text=first))
    expect(row).to_have_count(1)
    return [t.strip() for t in row.locator("td").all_inner_texts()]


def score(page: Page, points: dict[str, str]) -> None:
    for name, value in points.items():
        page.get_by_label(f"{name}得分").fill(value)


def test_an_inspection_is_scored_appealed_once_decided_by_another_inspector_and_reported(  # type: ignore[no-untyped-def]
        person, server: Server, work: dict[str, object]) -> None:
    supervisor = person("supervisor")
    nav_to(supervisor, "质检")
    expect(supervisor.locator("h1")).to_have_text("质检")
    # no checklist yet: picking is refused, the checklist page offers the default one
    supervisor.get_by_label("来电编号").fill(str(work["call_a"]))
    supervisor.get_by_role("button", name="加入质检").click()
    expect(supervisor.locator(".flash.err")).to_contain_text("尚未设置质检评分表")
    supervisor.get_by_role("link", name="质检评分表").click()
    expect(supervisor.locator(".card").first).to_contain_text("尚未设置质检评分表")
    supervisor.get_by_role("button", name="保存").click()
    expect(supervisor.locator(".flash.ok")).to_contain_text("已保存第 1 版评分表")
    expect(supervisor.locator("h2").first).to_have_text("现行：第 1 版（满分 100）")
    expect(supervisor.locator("#checklist tr")).to_have_count(6)

    supervisor.get_by_role("link", name="质检记录").click()
    supervisor.get_by_label("来电编号").fill(str(work["call_a"]))
    supervisor.get_by_role("button", name="加入质检").click()
    expect(supervisor.locator("#status")).to_have_text("待质检")
    ref = supervisor.locator("h1 code").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{32}", ref), ref
    facts = supervisor.locator(".card").first
    expect(facts).to_contain_text(AGENT)
    expect(facts).to_contain_text(f"{SEAT}（{OPERATOR}）")
    call_row = supervisor.locator(".card").nth(1).locator("tr").nth(1)
    expect(call_row.locator("td").first).to_have_text(str(work["call_a"])[:8])
    expect(call_row.locator("td").nth(5)).to_have_text("120")  # talk time, s
    assert CALLERS[0] not in supervisor.content()

    # a point above an item's maximum is refused, naming the item
    score(supervisor, {"问候语规范": "12", "登记准确": "20", "分类正确": "20", "答复正确": "25", "服务态度": "15"})
    supervisor.get_by_role("button", name="提交评分").click()
    expect(supervisor.locator("#status")).to_have_text("待质检")
    expect(supervisor.locator("#scores .hint")).to_have_count(1)
    expect(supervisor.locator("#scores tr", has_text="问候语规范").locator(".hint")).to_have_text(
        "“问候语规范”的分数须在 0 到 10 之间")
    expect(supervisor.get_by_label("登记准确得分")).to_have_value("20")  # what was typed is kept
    expect(supervisor.get_by_label("问候语规范得分")).to_have_value("12")
    score(supervisor, {"问候语规范": "6"})
    supervisor.fill("#feedback", "开头未报工号，问候语不完整。")
    supervisor.get_by_role("button", name="提交评分").click()
    expect(supervisor.locator(".flash.ok")).to_contain_text("已评分")
    expect(supervisor.locator("#status")).to_have_text("已评分")
    expect(supervisor.locator("#total")).to_have_text("86（百分制 86.0）")

    # the agent sees the score and the feedback, and appeals once
    agent = person("agent")
    nav_to(agent, "我的质检")
    mine = agent.locator("#inspections")
    expect(mine.locator("tr", has_text=ref[:8])).to_contain_text("86 / 100")
    mine.get_by_role("link", name=ref[:8]).click()
    expect(agent.locator("#status")).to_have_text("已评分")
    expect(agent.get_by_text("开头未报工号，问候语不完整。")).to_be_visible()
    expect(agent.locator("#scores input")).to_have_count(0)  # no scoring for the agent
    stale = agent.context.new_page()
    stale.goto(f"/cti/quality/inspections/{ref}")
    agent.fill("#reason", "开头已报工号，请复听录音。")
    agent.get_by_role("button", name="提交申诉").click()
    expect(agent.locator(".flash.ok")).to_contain_text("已提交申诉")
    expect(agent.locator("#status")).to_have_text("申诉中")
    expect(agent.locator("#appeal-form")).to_have_count(0)
    stale.fill("#reason", "再申诉一次。")
    stale.get_by_role("button", name="提交申诉").click()
    expect(stale.locator(".flash.err")).to_be_visible()
    expect(stale.locator("#status")).to_have_text("申诉中")
    expect(stale.locator("#appeal-form")).to_have_count(0)
    agent.reload()
    expect(agent.get_by_text("开头已报工号，请复听录音。")).to_be_visible()
    expect(agent.get_by_text("再申诉一次。")).to_have_count(0)

    # the scorer may not decide: the region has another inspector
    supervisor.reload()
    expect(supervisor.locator("#status")).to_have_text("申诉中")
    supervisor.fill("#note", "维持原评分。")
    supervisor.get_by_role("button", name="驳回申诉").click()
    expect(supervisor.locator(".flash.err")).to_contain_text("申诉须由评分人以外的质检员处理")
    expect(supervisor.locator("#status")).to_have_text("申诉中")

    checker = person("qa_checker")
    checker.goto(f"/cti/quality/inspections/{ref}")
    expect(checker.get_by_text("申诉理由：开头已报工号，请复听录音。")).to_be_visible()
    expect(checker.get_by_label("问候语规范得分")).to_have_value("6")
    score(checker, {"问候语规范": "10"})
    checker.fill("#note", "复听录音，开头已报工号，问候语规范。")
    checker.get_by_role("button", name="申诉成立（按上表调整得分）").click()
    expect(checker.locator(".flash.ok")).to_contain_text("已处理申诉")
    expect(checker.locator("#status")).to_have_text("申诉成立")
    expect(checker.locator("#total")).to_have_text("90（百分制 90.0）")
    greeting = checker.locator("#scores tr", has_text="问候语规范").locator("td")
    expect(greeting.nth(2)).to_have_text("10")
    expect(greeting.nth(3)).to_have_text("6")  # the first points stay

    agent.reload()
    expect(agent.locator("#status")).to_have_text("申诉成立")
    expect(agent.locator("#total")).to_have_text("90（百分制 90.0）")
    expect(agent.get_by_text(f"（{CHECKER}，")).to_be_visible()
    expect(agent.locator("#appeal-form")).to_have_count(0)

    # the month's report and its workbook
    supervisor.get_by_role("link", name="质检月报").click()
    month = dt.datetime.now(CST).strftime("%Y-%m")
    expect(supervisor.locator("h1")).to_have_text(f"质检月报 {month}")
    assert cells(supervisor, "#by-agent", AGENT) == [AGENT, "1", "90", "100", "90.0"]
    assert cells(supervisor, "#by-operator", OPERATOR)[1:] == ["1", "90", "100", "90.0"]
    with supervisor.expect_download() as info:
        supervisor.locator("#export").click()
    target = Path(server.tmp) / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == f"质检月报-{month}.xlsx"
    book = openpyxl.load_workbook(target, read_only=True)
    assert book.sheetnames == ["坐席员", "班组", "外包服务商"]
    agents = [list(r) for r in book["坐席员"].iter_rows(values_only=True)]
    assert agents[0] == ["名称", "质检次数", "得分合计", "满分合计", "平均得分（百分制）"]
    assert [AGENT, 1, 90, 100, 90] in agents
    assert [OPERATOR, 1, 90, 100, 90] in [list(r) for r in book["外包服务商"].iter_rows(values_only=True)]


def test_the_figures_page_counts_each_agents_calls_and_shows_no_caller(  # type: ignore[no-untyped-def]
        person, work: dict[str, object]) -> None:
    supervisor = person("supervisor")
    # today: the seat's past calls (its duty agent's, on earlier days) stay out of the figures
    today = dt.datetime.now(CST).strftime("%Y-%m-%d")
    supervisor.goto(f"/cti/quality/figures?from={today}&to={today}")
    expect(supervisor.locator("h1")).to_have_text("坐席员绩效")
    row = cells(supervisor, "#by-agent", AGENT)
    # name, team, operator, calls, talk (min), mean talk (s), wrap-up (min), orders, …
    assert row[0] == AGENT and row[2] == OPERATOR
    assert (row[3], row[4], row[5]) == ("2", "3.0", "90.0"), row
    assert row[7] == str(work["orders_today"]), row
    seat = cells(supervisor, "#by-seat", SEAT)
    assert (seat[1], seat[2], seat[3]) == (OPERATOR, "2", "3.0"), seat
    operator = cells(supervisor, "#by-operator", OPERATOR)
    assert operator[2] == "2", operator
    html = supervisor.content()
    assert not any(caller in html for caller in CALLERS)
    assert not re.search(r"1[3-9][0-9]\*{4}[0-9]{4}", html)  # nor a masked one: the page is about agents

    agent = person("agent")  # an agent has no business with colleagues' figures
    response = agent.goto("/cti/quality/figures")
    assert response is not None and response.status == 403
    expect(agent.locator("body")).not_to_contain_text(CHECKER)


def test_a_drawn_sample_never_takes_the_same_work_twice(person, work: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    supervisor = person("supervisor")
    supervisor.goto("/cti/quality")
    today = dt.datetime.now(CST).strftime("%Y-%m-%d")
    supervisor.fill("#s-from", today)
    supervisor.fill("#s-to", today)
    supervisor.fill("#s-share", "100")
    supervisor.fill("#s-seed", "20261206")
    supervisor.get_by_role("button", name="抽取").click()
    flash = supervisor.locator(".flash.ok")
    expect(flash).to_contain_text("随机种子 20261206")
    drawn = re.search(r"已抽取 (\d+) 通来电、(\d+) 张工单", flash.inner_text())
    assert drawn is not None
    calls, orders = int(drawn[1]), int(drawn[2])
    assert calls == 1  # call B: call A is already inspected
    assert orders == work["orders_today"]
    rows = supervisor.locator("#inspections tr").filter(has_text="待质检")
    expect(rows).to_have_count(calls + orders)
    expect(rows.filter(has_text=AGENT)).to_have_count(calls + orders)

    supervisor.goto("/cti/quality")
    supervisor.fill("#s-from", today)
    supervisor.fill("#s-to", today)
    supervisor.fill("#s-share", "100")
    supervisor.get_by_role("button", name="抽取").click()
    expect(supervisor.locator(".flash.ok")).to_contain_text("已抽取 0 通来电、0 张工单")

    agent = person("agent")  # drawn work is the inspectors' business until it is scored
    agent.goto("/cti/quality")
    expect(agent.locator("#inspections")).not_to_contain_text("待质检")
    expect(agent.locator("#inspections tr").filter(has_text="申诉成立")).to_have_count(1)
