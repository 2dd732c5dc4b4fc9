"""The register, its review and adjustment, referral from an order (SMS through the outbox),
the rating at callback, complaints, the rule's proposals and the public list — through the
API; every bad field a 422 naming it, illegal changes 409, nothing written by a refusal."""

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from hotline.audit.models import AuditEvent
from hotline.integration.merchants.models import Merchant, Proposal, Referral
from hotline.notify.models import Notification
from tests.integration.merchants.conftest import API, GOOD, USCC, order, post, to_callback


def test_a_merchant_is_registered_applied_and_admitted_by_another_manager(api, db):
    m = post(api("supervisor"), API, GOOD, 201)
    assert m["status"] == "applied" and m["contact_name"] == "李师傅" and m["contact_masked"] is False
    own = api("supervisor").post(f"{API}/{m['ref']}/review", json={"admit": True})
    assert own.status_code == 403  # four eyes: not the one who registered it
    done = post(api("city_admin"), f"{API}/{m['ref']}/review", {"admit": True})
    assert done["status"] == "admitted"
    raw = db.execute(text("SELECT contact_name, contact_phone FROM merchant")).one()
    assert "李师傅" not in raw[0] and "13912345678" not in raw[1]  # encrypted at rest
    history = api("supervisor").get(f"{API}/{m['ref']}/history").json()
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [("admit", "applied", "admitted")]
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "merchant")))
    assert {"merchant.registered", "merchant.status_changed"} <= actions


def test_a_rejection_needs_a_reason_and_the_merchant_may_apply_again(api):
    m = post(api("supervisor"), API, GOOD, 201)
    bad = api("city_admin").post(f"{API}/{m['ref']}/review", json={"admit": False})
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
    done = post(api("city_admin"), f"{API}/{m['ref']}/review", {"admit": False, "reason": "营业执照已过期"})
    assert done["status"] == "rejected" and done["status_reason"] == "营业执照已过期"
    again = post(api("supervisor"), f"{API}/{m['ref']}/status", {"action": "reapply", "reason": "已换发执照"})
    assert again["status"] == "applied"


@pytest.mark.parametrize(("change", "field"), [
    ({"uscc": "91110108MA0100000X"}, "uscc"),
    ({"uscc": "123"}, "uscc"),
    ({"business_phone": "12345"}, "business_phone"),
    ({"contact_phone": "+1 202 555 0100"}, "contact_phone"),
    ({"area_codes": ["99010"]}, "area_codes"),
    ({"area_codes": ["990199"]}, "area_codes"),  # well formed, no such region
    ({"area_codes": ["990202"]}, "area_codes"),  # another city's
    ({"area_codes": []}, "area_codes"),
    ({"service_types": ["astrology"]}, "service_types"),
    ({"service_types": []}, "service_types"),
    ({"name": " "}, "name"),
    ({"contact_name": ""}, "contact_name"),
])
def test_bad_fields_are_422_and_write_nothing(api, db, change, field):
    response = api("supervisor").post(API, json={**GOOD, **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert db.scalar(select(func.count()).select_from(Merchant)) == 0


def test_a_uscc_registered_twice_is_409(api):
    post(api("supervisor"), API, GOOD, 201)
    assert api("city_admin").post(API, json={**GOOD, "name": "另一家"}).status_code == 409


def test_illegal_status_changes_are_409_and_stale_versions_too(api, merchant):
    ref = merchant["ref"]
    client = api("supervisor")
    assert client.post(f"{API}/{ref}/status", json={"action": "readmit", "reason": "x"}).status_code == 409
    assert api("city_admin").post(f"{API}/{ref}/review", json={"admit": True}).status_code == 409
    bad = client.post(f"{API}/{ref}/status", json={"action": "explode", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "action"
    bad = client.post(f"{API}/{ref}/status", json={"action": "warn", "reason": " "})
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
    stale = client.post(f"{API}/{ref}/status", json={"action": "warn", "reason": "多次迟到",
                                                     "version": merchant["version"] - 1})
    assert stale.status_code == 409
    post(client, f"{API}/{ref}/status", {"action": "suspend", "reason": "被投诉乱收费"})
    post(client, f"{API}/{ref}/status", {"action": "remove", "reason": "查实乱收费"})
    assert client.post(f"{API}/{ref}/status", json={"action": "readmit", "reason": "x"}).status_code == 409


def test_contacts_are_masked_for_those_who_do_not_manage_merchants(api, db, merchant):
    shown = api("agent").get(f"{API}/{merchant['ref']}").json()
    assert shown["contact_name"] == "李**" and shown["contact_phone"] == "139****5678" and shown["contact_masked"]
    before = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "pii.viewed",
                                                                         AuditEvent.object_type == "merchant"))
    plain = api("supervisor").get(f"{API}/{merchant['ref']}").json()
    assert plain["contact_phone"] == "13912345678"
    after = db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "pii.viewed",
                                                                        AuditEvent.object_type == "merchant"))
    assert after == before + 1


def test_an_agent_refers_the_caller_and_the_citizen_gets_an_sms(api, db, world, merchant):
    number = order(api)
    agent = api("agent")
    found = agent.get(f"/api/v1/work-orders/{number}/merchant-candidates",
                      params={"service_type": "appliance_repair"}).json()
    assert [c["ref"] for c in found] == [merchant["ref"]]
    assert agent.get(f"/api/v1/work-orders/{number}/merchant-candidates",
                     params={"service_type": "moving"}).json() == []
    r = post(agent, f"/api/v1/work-orders/{number}/referrals",
             {"merchant": merchant["ref"], "service_type": "appliance_repair", "note": "空调维修"}, 201)
    assert r["merchant_name"] == GOOD["name"] and r["verdict"] is None
    sms = db.scalars(select(Notification).where(Notification.template == "merchant_referral")).one()
    assert sms.recipient == "13911112222" and sms.recipient_kind == "citizen" and sms.status == "pending"
    assert GOOD["name"] in sms.body and "02187654321" in sms.body and "13912345678" not in sms.body
    events = [e["event"] for e in agent.get(f"/api/v1/work-orders/{number}/timeline").json()]
    assert "work_order.merchant_referred" in events
    again = agent.post(f"/api/v1/work-orders/{number}/referrals",
                       json={"merchant": merchant["ref"], "service_type": "appliance_repair"})
    assert again.status_code == 409


def test_a_referral_outside_the_merchants_offer_or_area_is_422(api, merchant):
    agent = api("agent")
    number = order(api)
    wrong = agent.post(f"/api/v1/work-orders/{number}/referrals",
                       json={"merchant": merchant["ref"], "service_type": "moving"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "service_type"
    far = order(api, region_code="990202")
    # the order is in another city: the agent's centre owns it, but the merchant does not serve it
    away = agent.post(f"/api/v1/work-orders/{far}/referrals",
                      json={"merchant": merchant["ref"], "service_type": "appliance_repair"})
    assert away.status_code in (404, 422)


def test_suspended_merchants_are_never_offered_or_referred(api, merchant):
    post(api("supervisor"), f"{API}/{merchant['ref']}/status", {"action": "suspend", "reason": "整改"})
    number = order(api)
    agent = api("agent")
    assert agent.get(f"/api/v1/work-orders/{number}/merchant-candidates").json() == []
    refused = agent.post(f"/api/v1/work-orders/{number}/referrals",
                         json={"merchant": merchant["ref"], "service_type": "appliance_repair"})
    assert refused.status_code == 409
    assert api("agent").get("/api/v1/public/merchants").json() == []


def test_the_citizen_rates_the_merchant_at_callback(api, db, world, merchant):
    number = order(api)
    agent = api("agent")
    r = post(agent, f"/api/v1/work-orders/{number}/referrals",
             {"merchant": merchant["ref"], "service_type": "appliance_repair"}, 201)
    path = f"/api/v1/work-orders/{number}/referrals/{r['ref']}/rating"
    early = agent.post(path, json={"verdict": "satisfied"})
    assert early.status_code == 409  # not at callback yet
    to_callback(api, world, number)
    bad = agent.post(path, json={"verdict": "great"})
    assert bad.status_code == 422 and bad.json()["field"] == "verdict"
    bad = agent.post(path, json={"verdict": "satisfied", "response_hours": -1})
    assert bad.status_code == 422 and bad.json()["field"] == "response_hours"
    assert api("dispatcher").post(path, json={"verdict": "satisfied"}).status_code == 403
    rated = post(agent, path, {"verdict": "basically_satisfied", "response_hours": 3})
    assert rated["verdict"] == "basically_satisfied" and rated["response_hours"] == 3
    assert agent.post(path, json={"verdict": "satisfied"}).status_code == 409
    post(agent, f"/api/v1/work-orders/{number}/callback", {"reached": True, "resolved": True, "verdict": "satisfied"})
    figures = api("supervisor").get(f"{API}/{merchant['ref']}").json()["evaluation"]
    assert figures["referrals"] == 1 and figures["basically_satisfied"] == 1 and figures["mean_response_hours"] == 3


def test_complaints_count_and_the_rule_proposes_a_person_decides(api, db, merchant):
    agent = api("agent")
    for _ in range(2):
        number = order(api, appeal_type="complaint", title="维修公司乱收费")
        post(agent, f"/api/v1/work-orders/{number}/merchant-complaints", {"merchant": merchant["ref"]}, 201)
    assert agent.post(f"/api/v1/work-orders/{number}/merchant-complaints",
                      json={"merchant": merchant["ref"]}).status_code == 409
    supervisor = api("supervisor")
    assert post(supervisor, "/api/v1/merchant-proposals/run")["raised"] == 1
    assert post(supervisor, "/api/v1/merchant-proposals/run")["raised"] == 0  # one open proposal at a time
    [p] = supervisor.get("/api/v1/merchant-proposals").json()
    assert p["action"] == "warn" and p["figures"]["complaints"] == 2 and "投诉" in p["reason"]
    assert api("agent").get("/api/v1/merchant-proposals").status_code == 403
    bad = supervisor.post(f"/api/v1/merchant-proposals/{p['ref']}", json={"accept": False})
    assert bad.status_code == 422 and bad.json()["field"] == "note"
    post(supervisor, f"/api/v1/merchant-proposals/{p['ref']}", {"accept": True})
    assert supervisor.post(f"/api/v1/merchant-proposals/{p['ref']}", json={"accept": True}).status_code == 409
    shown = supervisor.get(f"{API}/{merchant['ref']}").json()
    assert shown["status"] == "warned"
    [change, _] = supervisor.get(f"{API}/{merchant['ref']}/history").json()
    assert change["action"] == "warn" and change["decided_by"] == "supervisor" and change["proposal"]
    assert db.scalar(select(Proposal.state)) == "accepted"


def test_a_long_suspension_without_complaints_is_proposed_for_readmission(api, db, merchant, travel):
    post(api("supervisor"), f"{API}/{merchant['ref']}/status", {"action": "suspend", "reason": "整改"})
    travel.shift(dt.timedelta(days=31))
    assert post(api("supervisor"), "/api/v1/merchant-proposals/run")["raised"] == 1
    assert db.scalar(select(Proposal.action)) == "readmit"


def test_the_public_list_shows_recommended_merchants_without_personal_data(client, api, merchant):
    post(api("supervisor"), API, {**GOOD, "uscc": USCC[1], "name": "待审核搬家公司", "service_types": ["moving"]}, 201)
    listed = client.get("/api/v1/public/merchants").json()
    assert [m["name"] for m in listed] == [GOOD["name"]]
    body = str(listed)
    assert "李" not in body and "13912345678" not in body and "02187654321" in body
    assert client.get("/api/v1/public/merchants", params={"service_type": "moving"}).json() == []
    assert len(client.get("/api/v1/public/merchants", params={"area": "990102001"}).json()) == 1
    assert client.get("/api/v1/public/merchants", params={"area": "990202"}).json() == []
    assert client.get("/api/v1/public/merchants", params={"area": "99x"}).status_code == 422
    assert client.get("/api/v1/public/merchants", params={"service_type": "x"}).status_code == 422


def test_a_guessed_ref_is_404(api, merchant, db):
    assert api("supervisor").get(f"{API}/{'0' * 32}").status_code == 404
    mid = db.scalar(select(Merchant.id))
    assert api("supervisor").get(f"{API}/{mid}").status_code == 404
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_refused_referral_queues_no_sms(api, db, merchant):
    number = order(api)
    refused = api("agent").post(f"/api/v1/work-orders/{number}/referrals",
                                json={"merchant": merchant["ref"], "service_type": "moving"})
    assert refused.status_code == 422
    assert db.scalar(select(func.count()).select_from(Notification)
                     .where(Notification.template == "merchant_referral")) == 0
    assert db.scalar(select(func.count()).select_from(Referral)) == 0


def test_a_manager_changes_the_details_with_the_version_read(api, db, merchant):
    client = api("supervisor")
    changed = client.put(f"{API}/{merchant['ref']}", json={**GOOD, "business_phone": "02187650000",
                                                           "version": merchant["version"]})
    assert changed.status_code == 200 and changed.json()["business_phone"] == "02187650000"
    stale = client.put(f"{API}/{merchant['ref']}", json={**GOOD, "version": merchant["version"]})
    assert stale.status_code == 409
    bad = client.put(f"{API}/{merchant['ref']}", json={**GOOD, "contact_phone": "123"})
    assert bad.status_code == 422 and bad.json()["field"] == "contact_phone"
    assert api("agent").put(f"{API}/{merchant['ref']}", json=GOOD).status_code == 403
    detail = db.scalars(select(AuditEvent.detail).where(AuditEvent.action == "merchant.updated")).one()
    assert detail["changed"] == ["business_phone"] and "02187650000" not in str(detail)


def test_referrals_and_complaints_are_pushed_and_in_the_feed_as_order_merchant(api, merchant):
    number = order(api)
    agent = api("agent")
    post(agent, f"/api/v1/work-orders/{number}/referrals",
         {"merchant": merchant["ref"], "service_type": "appliance_repair"}, 201)
    post(agent, f"/api/v1/work-orders/{number}/merchant-complaints", {"merchant": merchant["ref"]}, 201)
    feed = agent.get("/api/v1/feed", params={"types": "order.merchant"}).json()["events"]
    assert [e["action"] for e in feed] == ["work_order.merchant_referred", "work_order.merchant_complaint"]
    assert feed[0]["detail"]["merchant"] == GOOD["name"] and feed[0]["order"]["number"] == number
    assert "13912345678" not in str(feed) and "李师傅" not in str(feed)
