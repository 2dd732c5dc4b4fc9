"""Marks on malicious or harassing callers: proposed with a reason, approved by another
supervisor, shown to whoever takes the next call, never blocking an appeal; lifted or lapsed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from hotline.audit.models import AuditEvent
from hotline.citizen.models import CallerFlag
from tests.workorder.test_api_flow import INTAKE, post


def test_a_mark_is_reviewed_by_another_person_warns_and_never_blocks(api, world, db) -> None:  # type: ignore[no-untyped-def]
    ref = world.citizen_ref
    agent = api("agent")
    flag = post(agent, f"/api/v1/citizens/{ref}/flags", {"reason": "多次无故辱骂话务员", "days": 90}, 201)
    assert flag["status"] == "pending"
    assert agent.post(f"/api/v1/citizens/{ref}/flags", json={"reason": "再次", "days": 30}).status_code == 409
    assert agent.post(f"/api/v1/caller-flags/{flag['ref']}/review", json={"approve": True}).status_code == 403
    supervisor = api("supervisor")
    assert [f["ref"] for f in supervisor.get("/api/v1/caller-flags").json()] == [flag["ref"]]
    approved = post(supervisor, f"/api/v1/caller-flags/{flag['ref']}/review", {"approve": True})
    assert approved["status"] == "active"
    history = agent.get("/console/history", params={"phone": "13812348000"})
    assert "已被标记为恶意/骚扰来电" in history.text and "多次无故辱骂话务员" in history.text
    # the appeal is registered as any other
    post(agent, "/api/v1/work-orders", {**INTAKE, "phone": "13812348000"}, 201)
    actions = set(db.execute(select(AuditEvent.action).where(AuditEvent.object_type == "caller_flag")).scalars())
    assert {"caller_flag.proposed", "caller_flag.approved"} <= actions
    details = db.execute(select(AuditEvent.detail).where(AuditEvent.object_type == "caller_flag")).scalars().all()
    assert all("辱骂" not in str(d) for d in details)  # the reason stays in the mark
    lifted = post(supervisor, f"/api/v1/caller-flags/{flag['ref']}/lift", {"note": "已核实为误会"})
    assert lifted["status"] == "lifted"
    assert "已被标记为恶意" not in agent.get("/console/history", params={"phone": "13812348000"}).text


def test_the_proposer_cannot_approve_and_a_mark_lapses_on_its_date(api, world, db) -> None:  # type: ignore[no-untyped-def]
    supervisor = api("supervisor")
    flag = post(supervisor, f"/api/v1/citizens/{world.citizen_ref}/flags", {"reason": "频繁骚扰", "days": 1}, 201)
    refused = supervisor.post(f"/api/v1/caller-flags/{flag['ref']}/review", json={"approve": True})
    assert refused.status_code == 403
    bad = api("agent").post(f"/api/v1/citizens/{world.citizen_ref}/flags", json={"reason": "x", "days": 0})
    assert bad.status_code == 422
    db.execute(update(CallerFlag).values(status="active", expires_on=dt.date(2020, 1, 1)))
    db.flush()
    listed = api("agent").get(f"/api/v1/citizens/{world.citizen_ref}/flags").json()
    assert listed[0]["status"] == "expired"
    assert "已被标记为恶意" not in api("agent").get("/console/history", params={"phone": "13812348000"}).text


def test_the_review_page_and_the_citizen_page(api, world) -> None:  # type: ignore[no-untyped-def]
    post(api("agent"), f"/api/v1/citizens/{world.citizen_ref}/flags", {"reason": "恶意占线", "days": 30}, 201)
    page = api("supervisor").get("/caller-flags")
    assert page.status_code == 200 and "恶意占线" in page.text
    assert api("agent").get("/caller-flags").status_code == 403
    citizen = api("agent").get(f"/citizens/{world.citizen_ref}")
    assert 'id="caller-flags"' in citizen.text and "待审核" in citizen.text
