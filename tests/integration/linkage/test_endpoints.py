"""The linkage API: the register of lines, transfers and outcomes on orders, with bad input
(422 naming the field), illegal or stale changes (409), roles (403) and scopes (404)."""

from tests.integration.linkage.conftest import API
from tests.workorder.test_api_flow import new_order, post

ORDERS = "/api/v1/work-orders"


def _dispatched(api, world):
    order = new_order(api)
    return post(api("dispatcher"), f"{ORDERS}/{order['number']}/dispatch",
                {"lead_unit_id": world.units["990100-zj"]})


def test_an_agent_hands_an_order_over_to_119_and_it_leaves_the_clock(api, world, lines):
    order = _dispatched(api, world)
    number = order["number"]
    agent = api("agent")
    record = post(agent, f"{ORDERS}/{number}/linkage", {"line": lines["119"]["ref"], "scope": "full",
                                                        "other_ref": "119-JJ-0001", "note": "楼道冒烟",
                                                        "version": order["version"]}, 201)
    assert record["line_number"] == "119" and record["scope"] == "full" and record["outcome"] == "handed_over"
    assert record["operator"] == "agent" and record["order_status"] == "handed_over"
    shown = agent.get(f"{ORDERS}/{number}").json()
    assert shown["status"] == "handed_over" and shown["status_name"] == "已移交联动"
    assert shown["due_at"] is None and shown["deadline_state"] is None
    # the housing bureau no longer holds it
    assert api("handler").get(f"{ORDERS}/{number}").status_code == 404
    timeline = [e["event"] for e in agent.get(f"{ORDERS}/{number}/timeline").json()
                if e["event"].startswith("work_order.")]
    assert timeline[-1] == "work_order.handed_over"
    assert [r["ref"] for r in agent.get(f"{ORDERS}/{number}/linkage").json()] == [record["ref"]]
    done = agent.patch(f"{API}/records/{record['ref']}", json={"outcome": "completed", "version": record["version"]})
    assert done.status_code == 200, done.text
    assert done.json()["order_status"] == "closed"


def test_a_partial_hand_over_keeps_the_unit_and_the_deadline(api, world, lines):
    order = _dispatched(api, world)
    record = post(api("agent"), f"{ORDERS}/{order['number']}/linkage",
                  {"line": lines["110"]["ref"], "scope": "partial"}, 201)
    assert record["order_status"] == "dispatched"
    shown = api("handler").get(f"{ORDERS}/{order['number']}").json()
    assert shown["due_at"] == order["due_at"] and shown["status"] == "dispatched"


def test_bad_transfers_name_the_field(api, world, lines):
    number = new_order(api)["number"]
    agent = api("agent")
    for body, field in (
        ({"line": "0" * 32}, "line"),
        ({"line": "1"}, "line"),
        ({"line": lines["119"]["ref"], "scope": "some"}, "scope"),
        ({"line": lines["119"]["ref"], "other_ref": "单号 1"}, "other_ref"),
        ({"line": lines["119"]["ref"], "call_mode": "conference"}, "call_mode"),
        ({"line": lines["119"]["ref"], "call_mode": "three_way"}, "call_mode"),  # the order has no call
        ({"line": lines["119"]["ref"], "note": "x" * 501}, "note"),
    ):
        response = agent.post(f"{ORDERS}/{number}/linkage", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field, response.json()
    assert agent.get(f"{ORDERS}/{number}/linkage").json() == []
    assert agent.get(f"{ORDERS}/{number}").json()["status"] == "registered"


def test_a_line_of_another_city_is_not_offered(api, world, lines):
    other = api("other_admin").post(f"{API}/lines", json={"name": "云岭 110", "number": "110", "kind": "emergency",
                                                          "service": "police"})
    assert other.status_code == 201
    number = new_order(api)["number"]
    response = api("agent").post(f"{ORDERS}/{number}/linkage", json={"line": other.json()["ref"]})
    assert response.status_code == 422 and response.json()["field"] == "line"


def test_illegal_and_stale_changes_are_409(api, world, lines):
    order = new_order(api)
    number = order["number"]
    agent = api("agent")
    stale = agent.post(f"{ORDERS}/{number}/linkage", json={"line": lines["119"]["ref"], "version": 99})
    assert stale.status_code == 409
    record = post(agent, f"{ORDERS}/{number}/linkage", {"line": lines["119"]["ref"]}, 201)
    again = agent.post(f"{ORDERS}/{number}/linkage", json={"line": lines["120"]["ref"]})
    assert again.status_code == 409  # already handed over
    partial = agent.post(f"{ORDERS}/{number}/linkage", json={"line": lines["120"]["ref"], "scope": "partial"})
    assert partial.status_code == 409
    ref = record["ref"]
    assert agent.patch(f"{API}/records/{ref}", json={"outcome": "refused"}).status_code == 200
    assert agent.patch(f"{API}/records/{ref}", json={"outcome": "accepted"}).status_code == 409  # refused is final
    assert agent.patch(f"{API}/records/{ref}", json={"outcome": "lost"}).json()["field"] == "outcome"
    assert agent.patch(f"{API}/records/{ref}", json={"other_ref": "x", "version": 99}).status_code == 409
    assert agent.get(f"{ORDERS}/{number}").json()["status"] == "registered"


def test_roles_and_scopes_of_transfers_and_records(api, world, lines):
    order = _dispatched(api, world)
    number = order["number"]
    body = {"line": lines["119"]["ref"], "scope": "partial"}
    assert api("handler").post(f"{ORDERS}/{number}/linkage", json=body).status_code == 403
    assert api("other_handler").post(f"{ORDERS}/{number}/linkage", json=body).status_code == 404
    assert api("city_admin").post(f"{ORDERS}/{number}/linkage", json=body).status_code == 404
    record = post(api("dispatcher"), f"{ORDERS}/{number}/linkage", body, 201)
    ref = record["ref"]
    assert api("handler").get(f"{API}/records/{ref}").status_code == 200  # the unit reads its order's record
    assert api("handler").patch(f"{API}/records/{ref}", json={"outcome": "accepted"}).status_code == 403
    assert api("other_handler").get(f"{API}/records/{ref}").status_code == 404
    assert api("agent").get(f"{API}/records/{'0' * 32}").status_code == 404
    assert api("agent").get(f"{API}/records/1").status_code == 404


def test_the_register_refuses_bad_lines(api, world, lines):
    city = api("city_admin")
    for body, status, field in (
        ({"name": "x", "number": "12", "kind": "emergency", "service": "police"}, 422, "number"),
        ({"name": "x", "number": "abc", "kind": "emergency", "service": "police"}, 422, "number"),
        ({"name": "x", "number": "110", "kind": "hospital", "service": "police"}, 422, "kind"),
        ({"name": "x", "number": "110", "kind": "emergency", "service": "water"}, 422, "service"),
        ({"name": "x", "number": "95598", "kind": "utility", "service": "power"}, 422, "unit"),
        ({"name": "x", "number": "96688", "kind": "utility", "service": "gas", "unit_code": "990100-wat"}, 422, "unit"),
        ({"name": "x", "number": "96688", "kind": "utility", "service": "water", "unit_code": "990100-zj"}, 422,
         "unit"),
        ({"name": "x", "number": "110", "kind": "emergency", "service": "police", "unit_code": "990100-wat"}, 422,
         "unit"),
        ({"name": "x", "number": "110", "kind": "emergency", "service": "police", "region_code": "99"}, 422,
         "region_code"),
        ({"name": "", "number": "110", "kind": "emergency", "service": "police"}, 422, "name"),
    ):
        response = city.post(f"{API}/lines", json=body)
        assert response.status_code == status, (body, response.text)
        if field:
            assert response.json()["field"] == field, (body, response.json())
    dup = city.post(f"{API}/lines", json={"name": "重复", "number": "110", "kind": "emergency", "service": "police"})
    assert dup.status_code == 409
    outside = city.post(f"{API}/lines", json={"name": "x", "number": "110", "kind": "emergency", "service": "police",
                                              "region_code": "990200"})
    assert outside.status_code == 403


def test_lines_are_changed_by_their_regions_administrator_only(api, world, lines):
    mine, province = lines["110"], lines["119"]
    city = api("city_admin")
    changed = city.patch(f"{API}/lines/{mine['ref']}", json={"number": "0871-12345678", "version": mine["version"]})
    assert changed.status_code == 200 and changed.json()["number"] == "087112345678"
    assert city.patch(f"{API}/lines/{mine['ref']}", json={"name": "y", "version": 1}).status_code == 409
    assert city.patch(f"{API}/lines/{province['ref']}", json={"active": False}).status_code == 403
    assert api("other_admin").get(f"{API}/lines/{mine['ref']}").status_code == 404
    assert api("agent").patch(f"{API}/lines/{mine['ref']}", json={"active": False}).status_code == 403
    assert api("handler").get(f"{API}/lines").status_code == 403
    seen = {x["number"] for x in api("agent").get(f"{API}/lines").json()}
    assert seen == {"087112345678", "119", "120", "96688"}
    assert {x["number"] for x in api("other_admin").get(f"{API}/lines").json()} == {"119", "120"}
