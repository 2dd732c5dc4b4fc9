"""Personal data: encrypted at rest, found by keyed hash, masked by role, every view audited."""

from sqlalchemy import select, text

from hotline.audit.models import AuditEvent
from hotline.citizen import service
from hotline.citizen.models import Citizen
from hotline.kit import crypto


def test_personal_fields_are_stored_encrypted(db, world):
    raw = db.execute(text("SELECT name, phone, id_number, address, phone_hash FROM citizen WHERE id = :id"),
                     {"id": world.citizen_id}).one()
    assert "张三丰" not in raw.name and "13812348000" not in raw.phone
    assert "11010519491231002X" not in raw.id_number and "幸福路" not in raw.address
    assert raw.phone.startswith("t1:") and len(raw.phone_hash) == 64


def test_agents_see_the_data_and_the_view_is_audited(api, db, world):
    response = api("agent").get(f"/api/v1/citizens/{world.citizen_ref}")
    assert response.json()["phone"] == "13812348000" and response.json()["masked"] is False
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "pii.viewed")
                       .order_by(AuditEvent.seq.desc())).first()
    assert event.actor_name == "agent" and event.object_id == str(world.citizen_id)
    assert set(event.detail["fields"]) == {"name", "phone", "id_number", "address"}
    assert "13812348000" not in str(event.detail)


def test_dispatchers_see_it_masked_and_no_unmasked_view_is_recorded(api, db, world):
    before = db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    body = api("dispatcher").get(f"/api/v1/citizens/{world.citizen_ref}").json()
    assert body == {**body, "phone": "138****8000", "name": "张**", "id_number": "110***********002X",
                    "masked": True}
    views = db.scalars(select(AuditEvent).where(AuditEvent.seq > before, AuditEvent.action == "pii.viewed")).all()
    assert views == []


def test_lookup_by_phone_uses_the_blind_index(api, world):
    found = api("agent").get("/api/v1/citizens", params={"phone": "+86 138 1234 8000"}).json()
    assert [c["ref"] for c in found] == [world.citizen_ref]
    assert api("agent").get("/api/v1/citizens", params={"phone": "13900000000"}).json() == []
    bad = api("agent").get("/api/v1/citizens", params={"phone": "12345"})
    assert bad.status_code == 422 and bad.json()["field"] == "phone"


def test_register_validates_and_edit_checks_the_version(api, db, world):
    agent = api("agent")
    bad_id = agent.post("/api/v1/citizens", json={"phone": "13911112222", "id_number": "123"})
    assert bad_id.status_code == 422 and bad_id.json()["field"] == "id_number"
    created = agent.post("/api/v1/citizens", json={"phone": "13911112222", "name": "李四"}).json()
    first = agent.patch(f"/api/v1/citizens/{created['ref']}", json={"address": "新地址", "version": created["version"]})
    assert first.status_code == 200
    stale = agent.patch(f"/api/v1/citizens/{created['ref']}", json={"address": "再改", "version": created["version"]})
    assert stale.status_code == 409
    assert db.scalars(select(Citizen).where(Citizen.ref == created["ref"])).one().address == "新地址"


def test_dispatchers_cannot_edit_citizens(api, world):
    response = api("dispatcher").patch(f"/api/v1/citizens/{world.citizen_ref}", json={"name": "改"})
    assert response.status_code == 404


def test_key_rotation_reencrypts_every_row_and_keeps_the_index(db, world):
    original = crypto.cipher()
    try:
        crypto.configure("t2:ffeeddccbbaa99887766554433221100,t1:00112233445566778899aabbccddeeff",
                         original.index_key.hex())
        count = service.rotate_keys(db)
        db.commit()
        assert count >= 1
        raw = db.execute(text("SELECT phone FROM citizen WHERE id = :id"), {"id": world.citizen_id}).scalar_one()
        assert raw.startswith("t2:")
        db.expire_all()
        assert db.get(Citizen, world.citizen_id).phone == "13812348000"
        assert [c.id for c in service.repository.by_phone_hash(db, service.phone_hash("13812348000"))] == [
            world.citizen_id]
    finally:
        crypto._cipher = original


def test_staff_phone_numbers_are_encrypted_and_masked_for_others(api, db, world):
    raw = db.execute(text("SELECT phone FROM user_account WHERE username = 'agent'")).scalar_one()
    assert "13700000000" not in raw
    seen_by_admin = api("admin").get(f"/api/v1/users/{world.user_ids['agent']}").json()
    assert seen_by_admin["phone"] == "137****0000"
    assert api("agent").get(f"/api/v1/users/{world.user_ids['agent']}").json()["phone"] == "13700000000"
