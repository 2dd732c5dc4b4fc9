"""A utility that works outside the platform: the direct-dispatch catalogue sends an outage to
it, its subscription pushes the order to its system, and its system answers through the API
with a utility key (sign, reply) — the centre reviews and calls back as for any unit. The key
reaches the utility's own orders only."""

from sqlalchemy import select

from hotline.auth.models import User
from tests.integration.linkage.conftest import API
from tests.integration.webhooks.conftest import subscribe
from tests.integration.webhooks.test_push import relay_all
from tests.workorder.test_api_flow import new_order, post
from tests.workorder.test_catalogue import WATER

ORDERS = "/api/v1/work-orders"
OUTAGE = {"title": "小区停水", "content": "幸福路 12 号小区从早上开始停水，水管爆裂", "category_code": None}


def _key(api, unit="990100-wat", admin="city_admin"):
    response = api(admin).post(f"{API}/keys", json={"unit": unit, "name": "自来水公司客服系统"})
    assert response.status_code == 201, response.text
    return response.json()


def _utility(app, token):
    from fastapi.testclient import TestClient

    client = TestClient(app)
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def test_an_outage_goes_to_the_utility_by_push_and_its_answer_by_api_closes_the_loop(
        api, app, world, db, factory, loopback, receiver):
    key = _key(api)
    assert key["account"] == "utility.990100-wat" and key["unit_name"] == "青川市自来水公司"
    account = db.scalar(select(User).where(User.username == key["account"]))
    assert account.is_service and account.role.value == "unit_handler" and account.unit_id == world.units["990100-wat"]
    subscribe(api, receiver, owner=key["account"], event_types=["order.dispatched", "order.closed"])
    assert api("admin").post("/api/v1/direct-dispatch-rules", json=WATER).status_code == 201

    order = new_order(api, **OUTAGE)
    number = order["number"]
    assert order["status"] == "dispatched" and order["lead_unit"] == "青川市自来水公司"
    relay_all(factory)
    assert [(r.event_type, r.payload["order"]["number"]) for r in receiver.accepted] == [("order.dispatched", number)]

    with _utility(app, key["token"]) as utility:
        inbox = utility.get(ORDERS, params={"inbox": True}).json()
        assert [o["number"] for o in inbox] == [number]
        post(utility, f"{ORDERS}/{number}/sign")
        post(utility, f"{ORDERS}/{number}/reply", {"result": "resolved", "text": "爆管已抢修，已恢复供水"})
    post(api("dispatcher"), f"{ORDERS}/{number}/review", {"accept": True})
    closed = post(api("agent"), f"{ORDERS}/{number}/callback",
                  {"reached": True, "resolved": True, "verdict": "satisfied"})
    assert closed["status"] == "closed"
    relay_all(factory)
    assert ("order.closed", number) in [(r.event_type, r.payload["order"]["number"]) for r in receiver.accepted]


def test_a_utility_key_reaches_only_the_utilitys_orders(api, app, world):
    key = _key(api)
    other = new_order(api)["number"]
    post(api("dispatcher"), f"{ORDERS}/{other}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    mine = new_order(api)["number"]
    post(api("dispatcher"), f"{ORDERS}/{mine}/dispatch", {"lead_unit_id": world.units["990100-wat"]})
    with _utility(app, key["token"]) as utility:
        assert utility.get(f"{ORDERS}/{other}").status_code == 404
        assert utility.post(f"{ORDERS}/{other}/sign", json={}).status_code == 404
        assert utility.get(f"{ORDERS}/{mine}").status_code == 200
        assert [o["number"] for o in utility.get(ORDERS).json()] == [mine]
        # a handler's powers only: no intake, no linkage, no administration
        assert utility.post(f"{ORDERS}/{mine}/linkage", json={"line": "0" * 32}).status_code == 403
        assert utility.get(f"{API}/keys").status_code == 403
        assert utility.get("/api/v1/users").status_code == 403
    listed = api("city_admin").get(f"{API}/keys").json()
    assert [k["id"] for k in listed] == [key["id"]] and "token" not in listed[0]
    assert api("other_admin").get(f"{API}/keys").json() == []
    assert api("other_admin").delete(f"{API}/keys/{key['id']}").status_code == 404
    assert api("city_admin").delete(f"{API}/keys/{key['id']}").status_code == 204
    with _utility(app, key["token"]) as utility:
        assert utility.get(f"{ORDERS}/{mine}").status_code == 401


def test_utility_keys_are_for_utilities_of_the_administrators_region(api, world):
    for unit, admin, field in (("990100-zj", "city_admin", "unit"), ("nope", "city_admin", "unit"),
                               ("990100-wat", "other_admin", "unit")):
        response = api(admin).post(f"{API}/keys", json={"unit": unit})
        assert response.status_code == 422 and response.json()["field"] == field
    for role in ("agent", "dispatcher", "handler", "auditor"):
        assert api(role).post(f"{API}/keys", json={"unit": "990100-wat"}).status_code == 403


def test_the_command_line_issues_lists_and_revokes_a_utility_key(hotline, capsys):
    assert hotline(["linkage", "key", "create", "--unit", "990100-wat", "--as", "city_admin"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "utility.990100-wat" in out[0] and out[-1].startswith("hl_")
    assert hotline(["linkage", "key", "list", "--json", "--as", "city_admin"]) == 0
    import json

    [row] = json.loads(capsys.readouterr().out)
    assert row["unit"] == "990100-wat" and row["revoked_at"] is None
    assert hotline(["linkage", "key", "create", "--unit", "990100-zj"]) == 2
    assert "不是公共事业单位" in capsys.readouterr().err
    assert hotline(["linkage", "key", "revoke", str(row["id"]), "--as", "city_admin"]) == 0
    assert hotline(["linkage", "line", "add", "--name", "青川 110", "--number", "110", "--kind", "emergency",
                    "--service", "police", "--as", "city_admin"]) == 0
    assert hotline(["linkage", "line", "list", "--json", "--as", "city_admin"]) == 0
    assert [x["number"] for x in json.loads(capsys.readouterr().out.strip().splitlines()[-1])] == ["110"]


def test_a_hand_over_is_pushed_to_a_centre_subscriber(api, world, factory, loopback, receiver, lines):
    subscribe(api, receiver, owner="supervisor", event_types=["order.linkage", "order.closed"])
    number = new_order(api)["number"]
    record = post(api("agent"), f"{ORDERS}/{number}/linkage", {"line": lines["120"]["ref"]}, 201)
    assert api("agent").patch(f"{API}/records/{record['ref']}", json={"outcome": "completed"}).status_code == 200
    relay_all(factory)
    got = sorted((r.event_type, r.payload["action"]) for r in receiver.accepted)
    assert got == [("order.closed", "work_order.closed"), ("order.linkage", "work_order.handed_over"),
                   ("order.linkage", "work_order.linkage_updated")]
