"""The citizen register follows the access scopes (ADR 0005): a centre reaches the citizens
registered in its region and those on orders it may see, through an unguessable reference;
reading many in a row is limited and raises an audit alert; refused accesses are recorded."""

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.auth import service as auth_service
from hotline.auth.models import Role
from hotline.citizen.models import Citizen
from hotline.config import get_settings
from tests.factories import PASSWORD

YL_PHONE = "13955556666"
INTAKE = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮",
          "content": "幸福路 12 号小区门口路灯坏了一个月", "category_code": "010101",
          "region_code": "990102001", "address": "幸福路12号"}


def make_user(db, world, username, role, unit_code):
    user = auth_service.create_user(db, world.p("admin"), username=username, display_name=username, role=role,
                                    unit_id=world.units[unit_code], password=PASSWORD)
    user.must_change_password = False
    db.commit()


@pytest.fixture
def yunling(api, db, world):
    """A 云岭市 agent and the citizen that agent registered: (client, ref)."""
    make_user(db, world, "yl_agent", Role.agent, "C-990200")
    client = api("yl_agent")
    created = client.post("/api/v1/citizens", json={"phone": YL_PHONE, "name": "李云岭",
                                                    "id_number": "11010519491231002X", "address": "云岭市云中区"})
    assert created.status_code == 201, created.text
    return client, created.json()["ref"]


def audit_rows(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def test_a_citizen_registered_by_another_city_is_not_found_by_id_or_phone(api, yunling):
    _, ref = yunling
    agent = api("agent")
    assert agent.get(f"/api/v1/citizens/{ref}").status_code == 404
    assert agent.patch(f"/api/v1/citizens/{ref}", json={"name": "改名"}).status_code == 404
    assert agent.get("/api/v1/citizens", params={"phone": YL_PHONE}).json() == []
    assert agent.get(f"/citizens/{ref}").status_code == 404
    assert agent.post(f"/citizens/{ref}", data={"name": "改名", "csrf_token": agent.headers["X-CSRF-Token"]}
                      ).status_code == 404
    page = agent.get("/citizens", params={"phone": YL_PHONE}).text
    assert "李云岭" not in page and ref not in page and "没有找到该号码的诉求人" in page
    history = agent.get("/console/history", params={"phone": YL_PHONE}).text
    assert "李云岭" not in history and "新来电" in history


def test_the_registering_city_still_reads_and_edits_its_citizen(yunling):
    client, ref = yunling
    assert client.get(f"/api/v1/citizens/{ref}").json()["name"] == "李云岭"
    assert client.patch(f"/api/v1/citizens/{ref}", json={"name": "李改"}).status_code == 200
    assert [c["ref"] for c in client.get("/api/v1/citizens", params={"phone": YL_PHONE}).json()] == [ref]


def test_an_order_the_centre_may_see_makes_its_citizen_visible(api, yunling):
    _, ref = yunling
    agent = api("agent")
    assert agent.post("/api/v1/work-orders", json={**INTAKE, "phone": YL_PHONE}).status_code == 201
    assert agent.get(f"/api/v1/citizens/{ref}").json()["phone"] == YL_PHONE
    assert [c["ref"] for c in agent.get("/api/v1/citizens", params={"phone": YL_PHONE}).json()] == [ref]
    assert "李云岭" in agent.get("/console/history", params={"phone": YL_PHONE}).text


def test_a_province_centre_sees_the_citizens_of_every_city(api, db, world, yunling):
    _, ref = yunling
    make_user(db, world, "province_agent", Role.agent, "C-990000")
    province = api("province_agent")
    assert province.get(f"/api/v1/citizens/{ref}").status_code == 200
    assert province.get(f"/api/v1/citizens/{world.citizen_ref}").status_code == 200


def test_sequential_ids_and_malformed_references_find_nothing(api, world):
    agent = api("agent")
    for path in (str(world.citizen_id), "1", world.citizen_ref.upper(), world.citizen_ref[:-1], "x" * 32):
        assert agent.get(f"/api/v1/citizens/{path}").status_code == 404
        assert agent.get(f"/citizens/{path}").status_code == 404
    assert agent.get(f"/api/v1/citizens/{world.citizen_ref}").status_code == 200


def test_references_are_random_and_reveal_no_order(db, world, api):
    refs = [api("agent").post("/api/v1/citizens", json={"phone": f"1391111000{i}"}).json()["ref"] for i in range(3)]
    assert len(set(refs)) == 3 and all(len(r) == 32 for r in refs)
    assert sorted(refs) != refs or sorted(refs, reverse=True) != refs
    assert db.scalar(select(Citizen.region_id).where(Citizen.ref == refs[0])) is not None


def test_reading_many_citizens_raises_an_alert_then_is_refused(api, world, db, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(settings, "citizen_read_limit", 4)
    monkeypatch.setattr(settings, "citizen_read_alert_at", 3)
    agent = api("agent")
    answers = [agent.get(f"/api/v1/citizens/{world.citizen_ref}").status_code for _ in range(3)]
    answers.append(agent.get("/api/v1/citizens", params={"phone": "13812348000"}).status_code)
    refused = agent.get(f"/api/v1/citizens/{world.citizen_ref}")
    assert answers == [200, 200, 200, 200] and refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert agent.get("/console/history", params={"phone": "13812348000"}).status_code == 429
    alerts = audit_rows(db, "citizen.bulk_read_alert")
    assert [(a.actor_name, a.detail["count"]) for a in alerts] == [("agent", 3)]
    assert api("supervisor").get(f"/api/v1/citizens/{world.citizen_ref}").status_code == 200  # per account


def test_masked_reads_are_not_counted(api, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "citizen_read_limit", 2)
    dispatcher = api("dispatcher")
    assert {dispatcher.get(f"/api/v1/citizens/{world.citizen_ref}").status_code for _ in range(4)} == {200}


def test_a_refused_citizen_is_recorded_in_the_audit_log(api, db, yunling):
    _, ref = yunling
    assert api("agent").get(f"/api/v1/citizens/{ref}").status_code == 404
    denied = audit_rows(db, "access.denied")
    cid = db.scalar(select(Citizen.id).where(Citizen.ref == ref))
    assert [(d.actor_name, d.object_type, d.object_id) for d in denied] == [("agent", "citizen", str(cid))]
    assert api("agent").get(f"/api/v1/citizens/{'0' * 32}").status_code == 404  # missing: nothing to record
    assert len(audit_rows(db, "access.denied")) == 1


def test_a_handler_opening_another_citys_order_is_refused_and_recorded(api, world, db):
    number = api("agent").post("/api/v1/work-orders", json={**INTAKE, "phone": "13911112222"}).json()["number"]
    api("dispatcher").post(f"/api/v1/work-orders/{number}/dispatch", json={"lead_unit_id": world.units["990100-zj"]})
    outsider = api("other_handler")
    assert outsider.get(f"/api/v1/work-orders/{number}").status_code == 404
    assert outsider.get(f"/orders/{number}").status_code == 404
    denied = audit_rows(db, "access.denied")
    assert [(d.actor_name, d.object_type, d.detail["number"]) for d in denied] == [
        ("other_handler", "work_order", number)] * 2
    assert outsider.get("/api/v1/work-orders/HL20000101999999").status_code == 404
    assert len(audit_rows(db, "access.denied")) == 2
    assert api("handler").get(f"/api/v1/work-orders/{number}").status_code == 200


def test_many_refusals_in_a_row_raise_one_alert(api, world, db, monkeypatch):
    monkeypatch.setattr(get_settings(), "access_denied_alert_at", 3)
    number = api("agent").post("/api/v1/work-orders", json={**INTAKE, "phone": "13911112222"}).json()["number"]
    outsider = api("other_handler")
    for _ in range(5):
        assert outsider.get(f"/api/v1/work-orders/{number}").status_code == 404
    assert len(audit_rows(db, "access.denied")) == 5
    alerts = audit_rows(db, "access.denied_alert")
    assert [(a.actor_name, a.detail["count"]) for a in alerts] == [("other_handler", 3)]
