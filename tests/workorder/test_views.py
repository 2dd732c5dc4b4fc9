"""The work-order pages: the intake console, the lists by role, the order page with its
action forms, and the callback queue — driven through the HTML forms as a browser would."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from hotline.kit.workcalendar import WorkCalendar
from hotline.workorder.models import WorkOrder
from hotline.workorder.views import countdown
from tests.factories import PASSWORD

INTAKE = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮",
          "content": "幸福路 12 号小区门口路灯坏了一个月", "phone": "13911112222", "name": "王五",
          "category_code": "010101", "region_code": "990102001", "address": "幸福路12号"}
NUMBER = re.compile(r"HL[0-9]{14}")


@pytest.fixture
def browser(app, world):  # type: ignore[no-untyped-def]
    """``browser(username)`` → a client logged in through the login form, like a person."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        page = client.get("/login")
        token = page.text.split('name="login_csrf" value="')[1].split('"')[0]
        response = client.post("/login", data={"username": username, "password": PASSWORD, "login_csrf": token,
                                               "next": "/"}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.close()


def csrf(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def version(html: str) -> str:
    return html.split('name="version" value="')[1].split('"')[0]


def submit(client: TestClient, page_url: str, action_url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    """Open the page, then post one of its forms with the page's CSRF token and version."""
    html = client.get(page_url).text
    fields: dict[str, object] = {"csrf_token": csrf(html)}
    if 'name="version"' in html:
        fields["version"] = version(html)
    return client.post(action_url, data={**fields, **data}, follow_redirects=False)


def new_order(api, **change: object) -> str:  # type: ignore[no-untyped-def]
    response = api("agent").post("/api/v1/work-orders", json={**INTAKE, **change})
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def dispatched_order(api, world, **change: object) -> str:  # type: ignore[no-untyped-def]
    number = new_order(api, **change)
    response = api("dispatcher").post(f"/api/v1/work-orders/{number}/dispatch",
                                      json={"lead_unit_id": world.units["990100-zj"]})
    assert response.status_code == 200, response.text
    return number


def status_of(db, number: str) -> str:  # type: ignore[no-untyped-def]
    db.expire_all()
    return str(db.scalar(select(WorkOrder.status).where(WorkOrder.number == number)).value)


# --- who opens what ----------------------------------------------------------------------------

PAGE_ROLES = {
    "/console": {"agent", "dispatcher", "supervisor"},
    "/orders": {"agent", "dispatcher", "supervisor", "handler", "manager", "sector"},
    "/callbacks": {"agent", "supervisor"},
}


@pytest.mark.parametrize("username", ["agent", "dispatcher", "supervisor", "handler", "sector", "admin", "auditor"])
def test_each_work_order_page_opens_for_the_roles_that_use_it_and_is_refused_to_others(browser, username):
    client = browser(username)
    for path, allowed in PAGE_ROLES.items():
        status = client.get(path).status_code
        assert status == (200 if username in allowed else 403), (path, status)


def test_an_order_outside_the_callers_scope_is_not_found(browser, api, world):
    number = dispatched_order(api, world)
    assert browser("other_handler").get(f"/orders/{number}").status_code == 404
    assert browser("other_admin").get(f"/orders/{number}").status_code == 404
    assert browser("handler").get(f"/orders/{number}").status_code == 200
    assert browser("agent").get("/orders/HL20990101000001").status_code == 404


def test_a_unit_cannot_look_up_callers_by_phone(browser):
    assert browser("handler").get("/console/history", params={"phone": "13812348000"}).status_code == 403


# --- the intake console ------------------------------------------------------------------------


def console_form(client: TestClient, **change: object) -> dict[str, object]:
    html = client.get("/console").text
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    return {**INTAKE, "csrf_token": csrf(html), "idempotency_key": key, "urgency": "normal", **change}


def test_the_console_registers_a_call_and_redirects_to_the_new_order(browser, db):
    agent = browser("agent")
    response = agent.post("/console", data=console_form(agent), follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    number = NUMBER.search(location).group(0)  # type: ignore[union-attr]
    page = agent.get(location)
    assert f"已受理，工单号 {number}，等待派单" in page.text
    assert "小区路灯不亮" in page.text and "王五" in page.text
    assert status_of(db, number) == "registered"


def test_submitting_the_console_form_twice_registers_the_call_once(browser, db):
    agent = browser("agent")
    form = console_form(agent)
    first = agent.post("/console", data=form, follow_redirects=False)
    again = agent.post("/console", data=form, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]
    assert db.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.title == "小区路灯不亮")) == 1


def test_a_reused_console_form_for_a_different_call_gets_a_fresh_key_instead_of_failing_forever(browser, db):
    agent = browser("agent")
    form = console_form(agent)
    agent.post("/console", data=form, follow_redirects=False)
    response = agent.post("/console", data={**form, "title": "另一件事"}, follow_redirects=False)
    assert response.status_code == 409 and "已为本次来电重新生成受理单" in response.text
    fresh = response.text.split('name="idempotency_key" value="')[1].split('"')[0]
    assert fresh != form["idempotency_key"]
    again = agent.post("/console", data={**form, "title": "另一件事", "idempotency_key": fresh},
                       follow_redirects=False)
    assert again.status_code == 303
    assert db.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.title == "另一件事")) == 1


def test_a_console_field_error_rerenders_with_the_message_and_writes_nothing(browser, db):
    agent = browser("agent")
    before = db.scalar(select(func.count()).select_from(WorkOrder))
    response = agent.post("/console", data=console_form(agent, phone="12"), follow_redirects=False)
    assert response.status_code == 422
    assert "不是有效的中国大陆电话号码" in response.text and "未受理" in response.text
    assert 'value="小区路灯不亮"' in response.text  # what was typed is kept
    assert db.scalar(select(func.count()).select_from(WorkOrder)) == before


def test_an_answer_is_refused_for_anything_but_a_consultation(browser, db):
    agent = browser("agent")
    before = db.scalar(select(func.count()).select_from(WorkOrder))
    response = agent.post("/console", data=console_form(agent, answer="已解答"))
    assert response.status_code == 422 and "只有咨询类诉求可以当场解答办结" in response.text
    assert db.scalar(select(func.count()).select_from(WorkOrder)) == before


def test_a_consultation_answered_at_the_console_is_closed_at_once(browser, db):
    agent = browser("agent")
    response = agent.post("/console", data=console_form(agent, appeal_type="consultation",
                                                        answer="可在政务服务网办理"))
    assert "已当场解答并办结" in response.text and "可在政务服务网办理" in response.text
    number = NUMBER.search(str(response.url)).group(0)  # type: ignore[union-attr]
    assert status_of(db, number) == "closed"


def test_the_history_lookup_shows_the_callers_orders_fills_the_name_and_is_audited(browser, api, db):
    number = new_order(api)
    html = browser("agent").get("/console/history", params={"phone": "139 1111 2222"}).text
    assert number in html and "王五" in html
    assert 'data-fill-value="王五"' in html
    viewed = db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "pii.viewed")).all()
    assert any(d.get("purpose") == "intake_lookup" for d in viewed)


def test_the_history_lookup_shows_a_dispatcher_the_name_masked_and_fills_nothing(browser, api):
    new_order(api)
    html = browser("dispatcher").get("/console/history", params={"phone": "13911112222"}).text
    assert "王五" not in html and "王*" in html and "data-fill-value" not in html


def test_the_history_lookup_explains_a_bad_number_and_a_new_caller(browser):
    agent = browser("agent")
    assert "不是有效的中国大陆电话号码" in agent.get("/console/history", params={"phone": "12"}).text
    assert "新来电" in agent.get("/console/history", params={"phone": "13700001111"}).text


# --- lists -----------------------------------------------------------------------------------


def test_the_dispatcher_lands_on_the_orders_waiting_for_dispatch(browser, api, world):
    waiting = new_order(api)
    dispatched = dispatched_order(api, world, title="另一件")
    html = browser("dispatcher").get("/orders").text
    assert waiting in html and dispatched not in html
    assert 'class="active" aria-current=page>待派单' in html


def test_a_unit_sees_its_inbox_with_a_deadline_countdown(browser, api, world):
    number = dispatched_order(api, world)
    html = browser("handler").get("/orders").text
    assert number in html and "本单位待办" in html
    assert "剩" in html and "wo-dl-" in html and "签收：" in html
    assert number not in browser("other_handler").get("/orders?tab=all").text


def test_searching_a_full_order_number_opens_the_order(browser, api):
    number = new_order(api)
    response = browser("agent").get("/orders", params={"q": number}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/orders/{number}"
    assert "没有找到符合条件的工单" in browser("agent").get("/orders", params={"q": "不存在的诉求"}).text


def test_the_overdue_tab_lists_orders_past_their_deadline(browser, api, world, travel):
    number = dispatched_order(api, world)
    travel.shift(dt.timedelta(days=40))
    html = browser("dispatcher").get("/orders", params={"tab": "overdue"}).text
    assert number in html and "已超期" in html


def test_the_countdown_reads_in_working_days_then_hours_then_overdue():
    calendar = WorkCalendar()
    now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # Monday 10:00 CST
    friday_end = dt.datetime(2026, 3, 6, 15, 59, 59, tzinfo=dt.UTC)  # Friday 23:59:59 CST
    assert countdown(calendar, now, friday_end) == "剩 4 个工作日"
    assert countdown(calendar, now, now + dt.timedelta(hours=5, minutes=30)) == "剩 5 小时"
    assert countdown(calendar, now, now + dt.timedelta(minutes=20)) == "剩 20 分钟"
    assert countdown(calendar, now, now - dt.timedelta(hours=3)) == "已超期 3 小时"
    assert countdown(calendar, now, now - dt.timedelta(days=2, hours=1)) == "已超期 2 天"
    saturday_noon = dt.datetime(2026, 3, 7, 4, 0, tzinfo=dt.UTC)
    friday_morning = dt.datetime(2026, 3, 6, 1, 0, tzinfo=dt.UTC)
    assert countdown(calendar, friday_morning, saturday_noon + dt.timedelta(days=1)) == "剩 51 小时"


# --- actions through the order page ------------------------------------------------------------


def test_the_dispatch_form_lists_the_suggested_unit_first_and_dispatches(browser, api, world, db):
    number = new_order(api)
    dispatcher = browser("dispatcher")
    html = dispatcher.get(f"/orders/{number}").text
    suggested = html.split("推荐（属地管理 / 谁主管谁负责）")[1]
    assert suggested.index("青川市住建局") < suggested.index("本地区承办单位")
    assert "王*" in html and "王五" not in html  # a dispatcher sees the citizen masked
    response = submit(dispatcher, f"/orders/{number}", f"/orders/{number}/dispatch",
                      {"lead_unit_id": world.units["990100-zj"], "assisting_unit_ids[]": [world.units["G-990102"]],
                       "note": "请尽快处理"})
    assert response.status_code == 303
    assert "已派单至 青川市住建局" in dispatcher.get(response.headers["location"]).text
    assert status_of(db, number) == "dispatched"
    order = db.scalar(select(WorkOrder).where(WorkOrder.number == number))
    assert {(a.unit_id, a.role.value) for a in order.assignments} == {
        (world.units["990100-zj"], "lead"), (world.units["G-990102"], "assist")}


def test_only_the_actions_the_role_and_status_allow_are_offered(browser, api, world):
    number = new_order(api)
    agent_html = browser("agent").get(f"/orders/{number}").text
    assert "撤回工单" in agent_html and f"/orders/{number}/dispatch" not in agent_html
    number = dispatched_order(api, world)
    handler_html = browser("handler").get(f"/orders/{number}").text
    assert f"/orders/{number}/sign" in handler_html and f"/orders/{number}/reply" not in handler_html
    assert f"/orders/{number}/dispatch" not in handler_html
    assert f"/orders/{number}/sign" not in browser("dispatcher").get(f"/orders/{number}").text


def test_a_unit_signs_and_replies_through_the_pages(browser, api, world, db):
    number = dispatched_order(api, world)
    handler = browser("handler")
    assert number in handler.get("/orders").text
    response = submit(handler, f"/orders/{number}", f"/orders/{number}/sign", {})
    assert response.status_code == 303 and status_of(db, number) == "handling"
    assert "已签收" in handler.get(response.headers["location"]).text
    response = submit(handler, f"/orders/{number}", f"/orders/{number}/reply",
                      {"result": "resolved", "text": "已更换灯泡"})
    assert response.status_code == 303 and status_of(db, number) == "replied"
    assert number not in handler.get("/orders?tab=handling").text


def test_an_action_field_error_rerenders_the_form_with_the_message(browser, api, world, db):
    number = dispatched_order(api, world)
    handler = browser("handler")
    submit(handler, f"/orders/{number}", f"/orders/{number}/sign", {})
    response = submit(handler, f"/orders/{number}", f"/orders/{number}/reply", {"result": "resolved", "text": ""})
    assert response.status_code == 422
    assert "请检查表单" in response.text and "不能为空" in response.text and "wo-act primary failed" in response.text
    assert status_of(db, number) == "handling"


def test_the_centre_reviews_the_reply_and_the_agent_closes_it_from_the_callback_queue(browser, api, world, db):
    number = dispatched_order(api, world)
    handler = api("handler")
    handler.post(f"/api/v1/work-orders/{number}/sign", json={})
    handler.post(f"/api/v1/work-orders/{number}/reply", json={"result": "resolved", "text": "已更换灯泡"})
    dispatcher = browser("dispatcher")
    assert number in dispatcher.get("/orders?tab=replied").text
    response = submit(dispatcher, f"/orders/{number}", f"/orders/{number}/review", {"accept": "1"})
    assert "答复认定通过" in dispatcher.get(response.headers["location"]).text
    agent = browser("agent")
    queue = agent.get("/callbacks").text
    assert number in queue and "已更换灯泡" in queue and "13911112222" in queue
    response = agent.post(f"/callbacks/{number}", data={"csrf_token": csrf(queue), "version": version(queue),
                                                        "reached": "1", "resolved": "1", "verdict": "satisfied"},
                          follow_redirects=False)
    assert response.status_code == 303
    assert f"{number} 回访已记录（满意），工单已办结" in agent.get(response.headers["location"]).text
    assert status_of(db, number) == "closed"
    assert "已办结" in agent.get(f"/orders/{number}").text


def test_a_callback_without_a_verdict_is_refused_in_the_queue(browser, api, world, db):
    number = dispatched_order(api, world)
    handler = api("handler")
    handler.post(f"/api/v1/work-orders/{number}/sign", json={})
    handler.post(f"/api/v1/work-orders/{number}/reply", json={"result": "resolved", "text": "已处理"})
    api("dispatcher").post(f"/api/v1/work-orders/{number}/review", json={"accept": True})
    agent = browser("agent")
    response = submit(agent, "/callbacks", f"/callbacks/{number}", {"reached": "1", "resolved": "1"})
    assert response.status_code == 422 and "接通后须记录满意度" in response.text
    assert status_of(db, number) == "callback"
    response = submit(agent, "/callbacks", f"/callbacks/{number}", {"reached": "0"})
    assert "未接通，已记录" in agent.get(response.headers["location"]).text


def test_a_rejected_return_goes_back_to_the_unit_through_the_pages(browser, api, world, db):
    number = dispatched_order(api, world)
    handler = browser("handler")
    response = submit(handler, f"/orders/{number}", f"/orders/{number}/return", {"reason": "路灯归城管局管"})
    assert response.status_code == 303 and status_of(db, number) == "returned"
    dispatcher = browser("dispatcher")
    html = dispatcher.get(f"/orders/{number}").text
    assert "路灯归城管局管" in html and "驳回退单" in html and "提交管辖争议协调" in html
    response = submit(dispatcher, f"/orders/{number}", f"/orders/{number}/reject_return",
                      {"reason": "路灯属住建局职责"})
    assert response.status_code == 303 and status_of(db, number) == "dispatched"
    assert "无理 1" in dispatcher.get(f"/orders/{number}").text


def test_an_extension_is_asked_and_approved_through_the_pages(browser, api, world, db):
    number = dispatched_order(api, world)
    handler = browser("handler")
    submit(handler, f"/orders/{number}", f"/orders/{number}/sign", {})
    due_before = db.scalar(select(WorkOrder.due_at).where(WorkOrder.number == number))
    response = submit(handler, f"/orders/{number}", f"/orders/{number}/extension",
                      {"working_days": "3", "reason": "需采购灯具"})
    assert response.status_code == 303
    dispatcher = browser("dispatcher")
    assert number in dispatcher.get("/orders?tab=extensions").text
    response = submit(dispatcher, f"/orders/{number}", f"/orders/{number}/extension_decision", {"approve": "1"})
    assert response.status_code == 303
    db.expire_all()
    assert db.scalar(select(WorkOrder.due_at).where(WorkOrder.number == number)) > due_before


def test_a_confidential_reporter_is_not_shown_on_the_unit_page(browser, api, world):
    number = dispatched_order(api, world, appeal_type="report", is_confidential=True, title="举报违建")
    handler_html = browser("handler").get(f"/orders/{number}").text
    assert "举报人信息依法保密" in handler_html
    assert "王五" not in handler_html and "13911112222" not in handler_html and "王*" not in handler_html
    agent_html = browser("agent").get(f"/orders/{number}").text
    assert "王五" in agent_html and "举报人身份对承办单位保密" in agent_html


def test_a_stale_version_shows_the_conflict_banner_with_the_fresh_state(browser, api, world, db):
    number = new_order(api)
    dispatcher = browser("dispatcher")
    html = dispatcher.get(f"/orders/{number}").text
    stale = {"csrf_token": csrf(html), "version": version(html), "lead_unit_id": world.units["G-990102"]}
    api("supervisor").post(f"/api/v1/work-orders/{number}/dispatch", json={"lead_unit_id": world.units["990100-zj"]})
    response = dispatcher.post(f"/orders/{number}/dispatch", data=stale, follow_redirects=False)
    assert response.status_code == 409
    assert "工单已被他人更新" in response.text and "flash warn" in response.text
    assert "待签收" in response.text and "青川市住建局" in response.text  # the fresh state
    order = db.scalar(select(WorkOrder).where(WorkOrder.number == number))
    db.refresh(order)
    assert order.lead_unit_id == world.units["990100-zj"]


def test_an_action_the_status_no_longer_allows_names_the_current_status(browser, api, world):
    number = dispatched_order(api, world)
    handler = browser("handler")
    html = handler.get(f"/orders/{number}").text
    api("handler").post(f"/api/v1/work-orders/{number}/sign", json={})
    response = handler.post(f"/orders/{number}/sign", data={"csrf_token": csrf(html)}, follow_redirects=False)
    assert response.status_code == 409 and "办理中" in response.text


def test_action_forms_need_the_csrf_token(browser, api, world):
    number = dispatched_order(api, world)
    assert browser("handler").post(f"/orders/{number}/sign", data={}).status_code == 403
