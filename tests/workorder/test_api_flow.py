"""The closed loop through the API: intake → dispatch → sign → reply → review → callback →
re-handle → close; a rejected return; an extension; a coordination case; withdrawal."""

from sqlalchemy import select

from hotline.notify.models import Notification

INTAKE = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮",
          "content": "幸福路 12 号小区门口路灯坏了一个月", "phone": "13911112222", "name": "王五",
          "category_code": "010101", "region_code": "990102001", "address": "幸福路12号"}


def post(client, path, body=None, status=200):
    response = client.post(path, json=body or {})
    assert response.status_code == status, response.text
    return response.json()


def new_order(api, **change):
    return post(api("agent"), "/api/v1/work-orders", {**INTAKE, **change}, 201)


def test_the_whole_loop_with_a_re_handling(api, world, db):
    order = new_order(api)
    number = order["number"]
    assert order["status"] == "registered" and number.startswith("HL")
    full = api("agent").get(f"/api/v1/work-orders/{number}").json()
    assert full["citizen"] == {"name": "王五", "phone": "13911112222", "masked": False}

    dispatcher = api("dispatcher")
    suggestions = dispatcher.get(f"/api/v1/work-orders/{number}/suggestions").json()
    assert suggestions[0]["unit_id"] == world.units["990100-zj"]
    order = post(dispatcher, f"/api/v1/work-orders/{number}/dispatch",
                 {"lead_unit_id": world.units["990100-zj"], "version": order["version"]})
    assert order["status"] == "dispatched" and order["due_at"] and order["lead_unit"] == "青川市住建局"

    handler = api("handler")
    inbox = handler.get("/api/v1/work-orders", params={"inbox": True}).json()
    assert [o["number"] for o in inbox] == [number]
    post(handler, f"/api/v1/work-orders/{number}/sign")
    post(handler, f"/api/v1/work-orders/{number}/reply", {"result": "resolved", "text": "已更换灯泡"})
    order = post(dispatcher, f"/api/v1/work-orders/{number}/review", {"accept": True})
    assert order["status"] == "callback"

    agent = api("agent")
    order = post(agent, f"/api/v1/work-orders/{number}/callback",
                 {"reached": True, "resolved": False, "verdict": "dissatisfied", "note": "灯又坏了"})
    assert order["status"] == "handling" and order["rehandle_count"] == 1

    post(handler, f"/api/v1/work-orders/{number}/reply", {"result": "resolved", "text": "已更换整套灯具"})
    post(dispatcher, f"/api/v1/work-orders/{number}/review", {"accept": True})
    order = post(agent, f"/api/v1/work-orders/{number}/callback",
                 {"reached": True, "resolved": True, "verdict": "satisfied"})
    assert order["status"] == "closed" and order["final_verdict"] == "satisfied"

    events = [e["event"] for e in agent.get(f"/api/v1/work-orders/{number}/timeline").json()]
    assert events == [
        "work_order.registered", "work_order.dispatched", "work_order.signed", "work_order.replied",
        "work_order.reply_accepted", "work_order.callback_recorded", "work_order.rehandle",
        "work_order.replied", "work_order.reply_accepted", "work_order.callback_recorded", "work_order.closed",
    ]
    sms = db.scalars(select(Notification.template).where(Notification.work_order_id == db.scalar(
        select(Notification.work_order_id).order_by(Notification.id.desc())))).all()
    assert sms.count("order_replied") == 2 and "order_accepted" in sms


def test_a_second_dissatisfied_callback_marks_the_order_for_supervision(api, world):
    number = new_order(api)["number"]
    dispatcher, handler, agent = api("dispatcher"), api("handler"), api("agent")
    post(dispatcher, f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    post(handler, f"/api/v1/work-orders/{number}/sign")
    for _ in range(2):
        post(handler, f"/api/v1/work-orders/{number}/reply", {"result": "not_resolved", "text": "无法解决"})
        post(dispatcher, f"/api/v1/work-orders/{number}/review", {"accept": True})
        order = post(agent, f"/api/v1/work-orders/{number}/callback",
                     {"reached": True, "resolved": False, "verdict": "dissatisfied", "unit_fault": True})
    assert order["status"] == "closed" and order["supervision_flag"] is True
    assert order["dissatisfied_count"] == 2


def test_a_rejected_return_counts_against_the_unit_and_sends_it_back(api, world):
    number = new_order(api)["number"]
    dispatcher, handler = api("dispatcher"), api("handler")
    post(dispatcher, f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    order = post(handler, f"/api/v1/work-orders/{number}/return", {"reason": "路灯归城管局管"})
    assert order["status"] == "returned" and order["return_count"] == 1
    order = post(dispatcher, f"/api/v1/work-orders/{number}/return/reject", {"reason": "路灯属住建局职责"})
    assert order["status"] == "dispatched" and order["lead_unit"] == "青川市住建局"
    post(handler, f"/api/v1/work-orders/{number}/sign")


def test_an_extension_moves_the_deadline(api, world):
    number = new_order(api)["number"]
    dispatcher, handler = api("dispatcher"), api("handler")
    order = post(dispatcher, f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    post(handler, f"/api/v1/work-orders/{number}/sign")
    post(handler, f"/api/v1/work-orders/{number}/extension", {"working_days": 3, "reason": "需采购灯具"}, 201)
    again = handler.post(f"/api/v1/work-orders/{number}/extension", json={"working_days": 3, "reason": "再延"})
    assert again.status_code == 409
    extended = post(dispatcher, f"/api/v1/work-orders/{number}/extension/decide", {"approve": True})
    assert extended["due_at"] > order["due_at"]


def test_a_coordination_case_binds_the_named_unit(api, world):
    number = new_order(api)["number"]
    dispatcher, handler = api("dispatcher"), api("handler")
    post(dispatcher, f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    post(handler, f"/api/v1/work-orders/{number}/return", {"reason": "非本单位职责"})
    order = post(dispatcher, f"/api/v1/work-orders/{number}/coordination",
                 {"candidate_unit_ids": [world.units["990100-zj"], world.units["G-990102"]]}, 201)
    assert order["status"] == "coordinating"
    order = post(dispatcher, f"/api/v1/work-orders/{number}/coordination/decide",
                 {"unit_id": world.units["G-990102"], "note": "属地负责"})
    assert order["status"] == "dispatched" and order["lead_unit"] == "东城区人民政府"
    assert handler.get(f"/api/v1/work-orders/{number}").status_code == 404


def test_illegal_transitions_name_the_current_status(api, world):
    number = new_order(api)["number"]
    response = api("dispatcher").post(f"/api/v1/work-orders/{number}/review", json={"accept": True})
    assert response.status_code == 409
    response = api("dispatcher").post(f"/api/v1/work-orders/{number}/return/reject", json={"reason": "x"})
    assert response.status_code == 409


def test_a_stale_version_is_refused(api, world):
    order = new_order(api)
    dispatcher = api("dispatcher")
    post(dispatcher, f"/api/v1/work-orders/{order['number']}/dispatch",
         {"lead_unit_id": world.units["990100-zj"], "version": order["version"]})
    late = dispatcher.post(f"/api/v1/work-orders/{order['number']}/dispatch",
                           json={"lead_unit_id": world.units["990100-zj"], "version": order["version"]})
    assert late.status_code == 409 and late.json()["error"] == "stale_version"


def test_a_consultation_answered_on_the_call_closes_at_once(api):
    order = new_order(api, appeal_type="consultation", answer="可在政务服务网办理")
    assert order["status"] == "closed" and order["answer"] == "可在政务服务网办理"


def test_idempotency_key_makes_retries_safe(api, world):
    agent = api("agent")
    first = agent.post("/api/v1/work-orders", json=INTAKE, headers={"Idempotency-Key": "abc-1"})
    again = agent.post("/api/v1/work-orders", json=INTAKE, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"] and again.json()["created"] is False
    other = agent.post("/api/v1/work-orders", json={**INTAKE, "title": "别的"}, headers={"Idempotency-Key": "abc-1"})
    assert other.status_code == 409


def test_the_citizen_follows_and_withdraws_with_number_and_phone(client, world, db):
    from tests.selfservice.codes import confirm_api, last_code

    created = confirm_api(client, db, {
        "appeal_type": "help", "title": "求助", "content": "家门口井盖缺失", "phone": "13600001111"})
    number = created["number"]
    assert client.get(f"/api/v1/public/appeals/{number}", params={"phone": "13600002222"}).status_code == 404
    found = client.get(f"/api/v1/public/appeals/{number}", params={"phone": "13600001111"}).json()
    assert found["status_name"] == "待派单" and found["can_withdraw"] is True
    client.post(f"/api/v1/public/appeals/{number}/withdraw/code", json={"phone": "13600001111"})
    code = last_code(db, "13600001111", "public_withdrawal_code")
    withdrawn = client.post(f"/api/v1/public/appeals/{number}/withdraw",
                            json={"phone": "13600001111", "code": code}).json()
    assert withdrawn["status_name"] == "已撤回"


def test_bad_intake_fields_are_422_and_write_nothing(api, db):
    from hotline.workorder.models import WorkOrder

    before = db.scalar(select(WorkOrder.id).order_by(WorkOrder.id.desc()).limit(1))
    agent = api("agent")
    for change, field in (({"phone": "12345"}, "phone"), ({"uscc": "91110000600037341X"}, "uscc"),
                          ({"region_code": "99"}, "region_code"), ({"category_code": "77"}, "category_code"),
                          ({"channel": "fax"}, "channel"), ({"title": ""}, "title")):
        response = agent.post("/api/v1/work-orders", json={**INTAKE, **change})
        assert response.status_code == 422 and response.json()["field"] == field, (change, response.text)
    assert db.scalar(select(WorkOrder.id).order_by(WorkOrder.id.desc()).limit(1)) == before


def test_a_catalogue_keyword_sends_the_order_straight_to_the_local_utility(api, world, db):
    from hotline.workorder.models import DirectDispatchRule, DirectTarget

    db.add(DirectDispatchRule(name="停水", category_codes=[], keywords=["停水"], target=DirectTarget.utility,
                              utility_type="water", active=True))
    db.commit()
    order = new_order(api, appeal_type="help", title="家里停水", content="从早上开始停水", category_code=None)
    assert order["status"] == "dispatched" and order["direct_dispatch"] is True
    assert order["lead_unit"] == "青川市自来水公司"
    roles = {(a["unit_name"], a["role"]) for a in order["assignments"]}
    assert ("东城区人民政府", "copy") in roles
    assert order["dispatch_seconds"] < 1
    import datetime as dt

    window = dt.datetime.fromisoformat(order["due_at"]) - dt.datetime.fromisoformat(order["dispatched_at"])
    assert window == dt.timedelta(hours=24)
