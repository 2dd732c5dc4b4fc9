"""The notification inbox: the fan-out job turns events into messages for the people who act on
them, each user reads and marks only their own, the bell counts the unread."""

from __future__ import annotations

from sqlalchemy import select, update

from hotline.inbox import service as inbox
from hotline.inbox.models import InboxItem
from hotline.workorder.models import WorkOrder
from tests.workbench.test_workbench import dispatched
from tests.workorder.test_api_flow import INTAKE, post


def titles(client, **params) -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/inbox", params=params)
    assert response.status_code == 200, response.text
    return [m["title"] for m in response.json()]


def test_a_dispatch_reaches_the_units_staff_once(api, world, db) -> None:  # type: ignore[no-untyped-def]
    inbox.fan_out(db)  # what came before
    number = dispatched(api, world, title="信箱测试件")
    assert inbox.fan_out(db) >= 1
    assert inbox.fan_out(db) == 0  # the cursor moved: nothing twice
    for user in ("handler", "manager"):
        found = [t for t in titles(api(user)) if number in t]
        assert found == [f"新工单：工单 {number} 信箱测试件"], user
    assert not [t for t in titles(api("other_handler")) if number in t]
    assert not [t for t in titles(api("dispatcher")) if number in t]  # the dispatcher did it
    count = api("handler").get("/api/v1/inbox/count").json()
    assert count["unread"] >= 1


def test_overdue_and_sent_back_and_returns_reach_who_acts(api, world, db) -> None:  # type: ignore[no-untyped-def]
    from hotline.audit import service as audit

    inbox.fan_out(db)
    number = dispatched(api, world, title="超期测试件")
    order = db.execute(select(WorkOrder).where(WorkOrder.number == number)).scalar_one()
    audit.record(db, None, "work_order.overdue", object_type="work_order", object_id=order.id,
                 detail={"number": number}, actor_name="system")
    db.commit()  # the audit events are chained at commit
    inbox.fan_out(db)
    assert any("超期提醒" in t and number in t for t in titles(api("handler")))
    assert any("超期提醒" in t and number in t for t in titles(api("supervisor")))
    assert not any(number in t for t in titles(api("agent")))
    post(api("handler"), f"/api/v1/work-orders/{number}/return", {"reason": "不属于本单位职责"})
    inbox.fan_out(db)
    assert any("退单待审" in t and number in t for t in titles(api("dispatcher")))


def test_each_user_reads_only_their_own_messages(api, world, db) -> None:  # type: ignore[no-untyped-def]
    inbox.fan_out(db)
    number = dispatched(api, world, title="已读测试件")
    inbox.fan_out(db)
    handler = api("handler")
    mine = [m for m in handler.get("/api/v1/inbox", params={"unread": True}).json() if number in m["title"]]
    ref = mine[0]["ref"]
    assert api("manager").post(f"/api/v1/inbox/{ref}/read").status_code == 404
    assert api("other_handler").get(f"/inbox/{ref}/open", follow_redirects=False).status_code == 404
    opened = handler.get(f"/inbox/{ref}/open", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/orders/{number}"
    assert not [m for m in handler.get("/api/v1/inbox", params={"unread": True}).json() if m["ref"] == ref]
    assert handler.post("/api/v1/inbox/read-all").json() == {"unread": 0, "capped": False}
    assert handler.get("/api/v1/inbox/count").json()["unread"] == 0
    page = api("manager").get("/inbox")
    assert page.status_code == 200 and "已读测试件" in page.text
    badge = api("manager").get("/inbox/badge")
    assert "bell-count" in badge.text


def test_confidential_titles_are_masked_for_units_and_old_read_messages_go(api, world, db) -> None:  # type: ignore[no-untyped-def]
    inbox.fan_out(db)
    order = post(api("agent"), "/api/v1/work-orders",
                 {**INTAKE, "appeal_type": "report", "is_confidential": True,
                  "title": "举报人王小二电话13912345678"}, 201)
    post(api("dispatcher"), f"/api/v1/work-orders/{order['number']}/dispatch",
         {"lead_unit_id": world.units["990100-zj"], "version": order["version"]})
    inbox.fan_out(db)
    found = [t for t in titles(api("handler")) if order["number"] in t]
    assert found and "13912345678" not in found[0]
    from hotline.kit import clock

    db.execute(update(InboxItem).values(read_at=clock.now() - inbox.KEEP_READ * 2))
    db.flush()
    assert inbox.purge(db) >= 1


def test_a_note_mentions_a_colleague_who_may_see_the_order(api, world, db) -> None:  # type: ignore[no-untyped-def]
    inbox.fan_out(db)
    number = dispatched(api, world, title="备注测试件")
    supervisor = api("supervisor")
    note = supervisor.post(f"/api/v1/work-orders/{number}/notes", json={"text": "@handler 请今天内联系群众"})
    assert note.status_code == 201, note.text
    refused = supervisor.post(f"/api/v1/work-orders/{number}/notes", json={"text": "@other_handler 请协助"})
    assert refused.status_code == 422 and refused.json()["field"] == "text"
    assert supervisor.post(f"/api/v1/work-orders/{number}/notes", json={"text": "@nobody_here 看一下"}).status_code \
        == 422
    inbox.fan_out(db)
    assert any("提到了您" in t and number in t for t in titles(api("handler")))
    assert not any(number in t and "提到了您" in t for t in titles(api("manager")))
    notes = api("handler").get(f"/api/v1/work-orders/{number}/notes").json()
    assert [n["text"] for n in notes] == ["@handler 请今天内联系群众"]
    assert api("other_handler").get(f"/api/v1/work-orders/{number}/notes").status_code == 404
    page = api("handler").get(f"/orders/{number}")
    assert "请今天内联系群众" in page.text and 'id="notes"' in page.text
