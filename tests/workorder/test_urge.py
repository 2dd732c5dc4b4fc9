"""Urging (催办): a caller asking again about an open order urges it instead of making a new
one — counted, texted to the unit, in its inbox and on the urged ledger; a merged duplicate
urges its main order; a closed order cannot be urged."""

from __future__ import annotations

from sqlalchemy import select, update

from hotline.inbox import service as inbox
from hotline.notify.models import Notification
from hotline.supervision.models import LedgerEntry, LedgerKind
from hotline.supervision.service import ledgers
from hotline.workorder.models import WorkOrder
from tests.workbench.test_workbench import dispatched
from tests.workorder.test_api_flow import INTAKE, post


def test_an_urge_counts_tells_the_unit_and_enters_the_ledger(api, world, db) -> None:  # type: ignore[no-untyped-def]
    inbox.fan_out(db)
    number = dispatched(api, world, title="催办测试件")
    agent = api("agent")
    order = post(agent, f"/api/v1/work-orders/{number}/urge", {"note": "群众第二次来电询问进度"})
    assert order["number"] == number and order["urge_count"] == 1
    assert post(agent, f"/api/v1/work-orders/{number}/urge", {})["urge_count"] == 2
    texts = db.execute(select(Notification).where(Notification.template == "unit_urged")).scalars().all()
    assert any(number in t.body and "第 2 次" in t.body for t in texts)
    timeline = agent.get(f"/api/v1/work-orders/{number}/timeline").json()
    assert sum("催办" in str(e) for e in timeline) == 2
    ledgers.project(db)
    order_id = db.execute(select(WorkOrder.id).where(WorkOrder.number == number)).scalar_one()
    assert db.execute(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.urged,
                                                LedgerEntry.work_order_id == order_id)).scalar_one()
    inbox.fan_out(db)
    messages = api("handler").get("/api/v1/inbox").json()
    assert any(m["kind"] == "urged" and number in m["title"] for m in messages)
    found = agent.get("/api/v1/work-orders/search", params={"urged": "true", "q": "催办测试"}).json()
    assert [o["number"] for o in found["items"]] == [number]
    assert api("handler").post(f"/api/v1/work-orders/{number}/urge", json={}).status_code == 403


def test_a_merged_duplicate_urges_its_main_order_and_a_closed_one_cannot_be_urged(api, world, db) -> None:  # type: ignore[no-untyped-def]
    main = dispatched(api, world, title="主工单")
    child = post(api("agent"), "/api/v1/work-orders", {**INTAKE, "title": "重复件"}, 201)
    dispatcher = api("dispatcher")
    version = dispatcher.get(f"/api/v1/work-orders/{main}").json()["version"]
    post(dispatcher, f"/api/v1/work-orders/{main}/merge", {"numbers": [child["number"]], "version": version})
    urged = post(api("agent"), f"/api/v1/work-orders/{child['number']}/urge", {})
    assert urged["number"] == main and urged["urge_count"] == 1
    db.execute(update(WorkOrder).where(WorkOrder.number == main).values(status="closed"))
    db.flush()
    refused = api("agent").post(f"/api/v1/work-orders/{main}/urge", json={})
    assert refused.status_code == 409 and "不能催办" in refused.json()["message"]


def test_the_console_history_puts_open_orders_first_with_one_click_urge(api, world) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(api, world, phone="13911117777", title="控制台催办件")
    agent = api("agent")
    history = agent.get("/console/history", params={"phone": "13911117777"})
    assert history.status_code == 200 and f'hx-post="/console/urge/{number}"' in history.text
    page = agent.get("/console")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = agent.post(f"/console/urge/{number}", headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and "已催办（第 1 次）" in done.text
    order = agent.get(f"/orders/{number}")
    assert "群众催办 1 次" in order.text
