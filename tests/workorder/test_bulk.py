"""Bulk actions: each order through its own lifecycle rules, the result per order, all-or-nothing
on request, nothing half-written."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from tests.workbench.test_workbench import dispatched
from tests.workorder.test_api_flow import INTAKE, post

URL = "/api/v1/work-orders/bulk"


def new(api, **change) -> str:  # type: ignore[no-untyped-def]
    return str(post(api("agent"), "/api/v1/work-orders", {**INTAKE, **change}, 201)["number"])


def test_bulk_dispatch_reports_each_order(api, world, db) -> None:  # type: ignore[no-untyped-def]
    first, second = new(api, title="批量一"), new(api, title="批量二")
    done = dispatched(api, world, title="已派出")
    body = {"action": "dispatch", "numbers": [first, second, done, "HL20000101000001"],
            "lead_unit_id": world.units["990100-zj"]}
    result = post(api("dispatcher"), URL, body)
    by = {r["number"]: r for r in result["results"]}
    assert by[first]["ok"] and by[second]["ok"] and result["succeeded"] == 2 and result["failed"] == 2
    assert by[done]["status"] == 409 and not by[done]["ok"]
    assert by["HL20000101000001"]["status"] == 404
    for number in (first, second):
        order = api("dispatcher").get(f"/api/v1/work-orders/{number}").json()
        assert order["status"] == "dispatched" and order["lead_unit"] == "青川市住建局"
    events = db.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "work_order.dispatched")).scalar_one()
    assert events >= 3  # the two of the batch kept their events after the refused ones rolled back


def test_all_or_nothing_changes_nothing_when_one_is_refused(api, world) -> None:  # type: ignore[no-untyped-def]
    first = new(api, title="全有一")
    done = dispatched(api, world, title="全有二")
    body = {"action": "dispatch", "numbers": [first, done], "lead_unit_id": world.units["990100-zj"],
            "all_or_nothing": True}
    response = api("dispatcher").post(URL, json=body)
    assert response.status_code == 409 and response.json()["applied"] is False
    assert api("dispatcher").get(f"/api/v1/work-orders/{first}").json()["status"] == "registered"


def test_bulk_sign_by_a_unit_and_roles_refused(api, world) -> None:  # type: ignore[no-untyped-def]
    numbers = [dispatched(api, world, title=f"批量签收{i}") for i in range(3)]
    result = post(api("handler"), URL, {"action": "sign", "numbers": numbers})
    assert result["succeeded"] == 3
    refused = post(api("other_handler"), URL, {"action": "sign", "numbers": numbers})
    assert {r["status"] for r in refused["results"]} == {404}
    bad = api("dispatcher").post(URL, json={"action": "explode", "numbers": numbers})
    assert bad.status_code == 422 and bad.json()["field"] == "action"
    missing = api("dispatcher").post(URL, json={"action": "dispatch", "numbers": numbers})
    assert missing.status_code == 422 and missing.json()["field"] == "lead_unit_id"


def test_bulk_merge_and_the_list_page(api, world) -> None:  # type: ignore[no-untyped-def]
    main = dispatched(api, world, title="主件")
    dupes = [new(api, title=f"重复{i}") for i in range(2)]
    result = post(api("dispatcher"), URL, {"action": "merge", "numbers": [*dupes, main], "main": main})
    by = {r["number"]: r for r in result["results"]}
    assert all(by[d]["ok"] for d in dupes) and by[main]["status"] == 409
    assert api("dispatcher").get(f"/api/v1/work-orders/{dupes[0]}").json()["status"] == "merged"
    client = api("dispatcher")
    page = client.get("/orders?tab=pending")
    assert 'id="bulk-form"' in page.text
    fresh = new(api, title="页面批量")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    shown = client.post("/orders/bulk", data={"csrf_token": token, "bulk_action": "dispatch", "numbers": [fresh],
                                              "lead_unit_id": str(world.units["990100-zj"])})
    assert shown.status_code == 200 and "成功 1 件" in shown.text
