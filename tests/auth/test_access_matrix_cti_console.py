"""Every role against the agent's seat and the call records: who may sit on a seat and read
it, list calls and open one — of its own city and of another (404 outside the scope, 403 for
roles that never take or see calls) — and an order's calls."""

import pytest

from tests.auth.test_access_matrix import expect
from tests.telephony.test_console import answered_call, make_seat

SEAT_USERS = {"agent": 200, "dispatcher": 200, "supervisor": 200}
CALL_VIEWERS = {"admin": 200, "city_admin": 200, "other_admin": 200, "agent": 200, "dispatcher": 200,
                "supervisor": 200}


@pytest.fixture
def calls(db):  # type: ignore[no-untyped-def]
    """A call answered in 青川市 (990100) and one in 云岭市 (990200)."""
    near = answered_call(db, make_seat(db, "M100"), call_id="matrix-near")
    far = answered_call(db, make_seat(db, "M200", region="990200"), region="990200", call_id="matrix-far")
    return {"near": near.ref, "far": far.ref}


@pytest.mark.parametrize(("role", "status"), expect(SEAT_USERS, 403))
def test_who_may_log_in_on_a_seat(api, db, role, status):
    make_seat(db, "M101")
    assert api(role).post("/api/v1/cti/seat/login", json={"seat": "M101"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect(SEAT_USERS, 403))
def test_who_may_read_their_seat_and_set_its_state(api, role, status):
    client = api(role)
    assert client.get("/api/v1/cti/seat").status_code == status
    assert client.post("/api/v1/cti/seat/logout").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(SEAT_USERS, 403))
def test_who_polls_the_seat_panel_of_the_console(api, role, status):
    assert api(role).get("/cti/console/panel").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(CALL_VIEWERS, 403))
def test_who_may_list_calls_and_sees_only_their_region(api, calls, role, status):
    response = api(role).get("/api/v1/cti/calls", params={"limit": 500})
    assert response.status_code == status
    if status == 200:
        refs = {c["ref"] for c in response.json()["items"]}
        assert (calls["near"] in refs) == (role != "other_admin")
        assert (calls["far"] in refs) == (role in ("admin", "other_admin"))
    assert api(role).get("/cti/calls").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**CALL_VIEWERS, "other_admin": 404}, 403))
def test_who_may_open_a_call_of_qingchuan(api, calls, role, status):
    assert api(role).get(f"/api/v1/cti/calls/{calls['near']}").status_code == status
    assert api(role).get(f"/cti/calls/{calls['near']}").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    expect({**CALL_VIEWERS, "city_admin": 404, "agent": 404, "dispatcher": 404, "supervisor": 404}, 403))
def test_a_call_of_another_city_is_not_found(api, calls, role, status):
    assert api(role).get(f"/api/v1/cti/calls/{calls['far']}").status_code == status


def test_a_call_reference_that_is_not_one_is_not_found(api):
    assert api("supervisor").get("/api/v1/cti/calls/1").status_code == 404
    assert api("supervisor").get("/api/v1/cti/calls/" + "0" * 32).status_code == 404


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 404))
def test_an_orders_calls_are_scoped_like_the_order(api, db, world, role, status):
    from hotline.telephony import screenpop
    from hotline.workorder import service as wo

    call = answered_call(db, make_seat(db, "M102"), call_id="matrix-order")
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(channel="phone", appeal_type="complaint",
                                                             title="路灯不亮", content="路灯坏了", phone="13812348000"))
    screenpop.link_order(db, world.p("agent"), call, order)
    db.flush()
    response = api(role).get(f"/api/v1/orders/{order.number}/calls")
    assert response.status_code == status
    if status == 200:
        assert [c["ref"] for c in response.json()] == [call.ref]


def expert_seat(db, code: str, unit: str = "990100-zj"):  # type: ignore[no-untyped-def]
    from hotline.org.models import Unit

    seat = make_seat(db, code)
    seat.kind, seat.unit_id = "expert", db.query(Unit.id).filter(Unit.code == unit).scalar()
    db.flush()
    return seat


#: Staff of the unit with the expert seat (住建局) may sit on it; other handlers have no expert seat.
EXPERTS = {**SEAT_USERS, "handler": 200, "manager": 200}


@pytest.mark.parametrize(("role", "status"), expect(EXPERTS, 403))
def test_who_may_log_in_on_an_expert_seat(api, db, role, status):
    expert_seat(db, "X901")
    assert api(role).post("/api/v1/cti/seat/login", json={"seat": "X901"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect(EXPERTS, 403))
def test_who_reads_a_seat_once_their_unit_has_an_expert_seat(api, db, role, status):
    expert_seat(db, "X902")
    assert api(role).get("/api/v1/cti/seat").status_code == status
    assert api(role).get("/cti/console/panel").status_code == status


@pytest.mark.parametrize(("role", "status"),
                         expect({"handler": 200, "manager": 200, "other_handler": 200}, 403))
def test_who_opens_the_expert_seat_page(api, db, role, status):
    expert_seat(db, "X903")
    response = api(role).get("/cti/expert")
    assert response.status_code == status
    if status == 200:  # the other city's housing bureau has no expert seat: it says so
        assert ("X903" in response.text) == (role != "other_handler")
