"""Admonition talks and joint meetings: recorded by the centre with participants, decisions and
linked orders; on each order's timeline; seen by the centre's region and the units present."""

from tests.supervision.helpers import dispatched


def _meeting(world, order_numbers, **kw):
    body = {"kind": "admonition", "held_at": "2026-12-01T15:00:00+08:00", "place": "市热线中心三楼会议室",
            "subject": "路灯报修多次超期", "attendees": "李明 市住建局副局长\n王芳 市热线中心主任",
            "decisions": "一、住建局五个工作日内完成全部路灯修复；二、每周报送进展。", "due_on": "2026-12-08",
            "unit_ids": [world.units["990100-zj"]], "order_numbers": order_numbers}
    return {**body, **kw}


def test_an_admonition_talk_is_recorded_on_each_linked_order(api, db, world, travel):
    from tests.supervision.helpers import cst

    travel.move_to(cst(2026, 12, 2, 9))
    first, second = dispatched(db, world), dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    r = supervisor.post("/api/v1/meetings", json=_meeting(world, [first.number, second.number]))
    assert r.status_code == 201, r.text
    meeting = r.json()
    assert meeting["kind_name"] == "约谈" and meeting["units"] == ["青川市住建局"]
    assert meeting["order_numbers"] == [first.number, second.number]
    for order in (first, second):
        timeline = supervisor.get(f"/api/v1/work-orders/{order.number}/timeline").json()
        assert "work_order.meeting_held" in {e["event"] for e in timeline}

    # the admonished unit sees it; another city's unit and a unit outside it do not
    assert api("handler").get(f"/api/v1/meetings/{meeting['id']}").status_code == 200
    assert [m["id"] for m in api("handler").get("/api/v1/meetings").json()] == [meeting["id"]]
    assert api("other_handler").get(f"/api/v1/meetings/{meeting['id']}").status_code == 404
    assert api("other_handler").get("/api/v1/meetings").json() == []


def test_a_joint_meeting_needs_two_units_and_bad_input_changes_nothing(api, db, world, travel):
    from tests.supervision.helpers import cst

    travel.move_to(cst(2026, 12, 2, 9))
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    one = supervisor.post("/api/v1/meetings", json=_meeting(world, [order.number], kind="joint_meeting"))
    assert one.status_code == 422 and one.json()["field"] == "unit_ids"
    naive = supervisor.post("/api/v1/meetings", json=_meeting(world, [], held_at="2026-12-01T15:00:00"))
    assert naive.status_code == 422 and naive.json()["field"] == "held_at"
    early = supervisor.post("/api/v1/meetings", json=_meeting(world, [], due_on="2026-11-01"))
    assert early.status_code == 422 and early.json()["field"] == "due_on"
    unknown = supervisor.post("/api/v1/meetings", json=_meeting(world, ["NOPE-1"]))
    assert unknown.status_code == 404
    elsewhere = supervisor.post("/api/v1/meetings", json=_meeting(world, [], unit_ids=[world.units["990200-zj"]]))
    assert elsewhere.status_code == 422
    assert supervisor.get("/api/v1/meetings").json() == []

    two = supervisor.post("/api/v1/meetings", json=_meeting(
        world, [order.number], kind="joint_meeting", subject="路灯管护职责划分",
        unit_ids=[world.units["990100-zj"], world.units["G-990102"]]))
    assert two.status_code == 201 and two.json()["units"] == ["青川市住建局", "东城区人民政府"]


def test_only_the_centre_records_meetings(api, db, world):
    body = _meeting(world, [])
    assert api("handler").post("/api/v1/meetings", json=body).status_code == 403
    assert api("agent").post("/api/v1/meetings", json=body).status_code == 403
    assert api("sector").get("/api/v1/meetings").status_code == 403
