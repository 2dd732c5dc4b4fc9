"""An agent's drafts (暂存草稿): a console form kept before it is registered, its owner's alone,
found again on the workbench and the console, and gone once the order is registered from it."""

from __future__ import annotations

from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.workorder.models import IntakeDraft, WorkOrder
from hotline.workorder.service import drafts
from tests.workorder.test_views import browser, csrf  # noqa: F401 (fixture)

FORM = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮", "content": "幸福路 12 号门口路灯坏了",
        "phone": "13911112222", "name": "王五", "category_code": "010101", "region_code": "990102001"}


def test_a_draft_is_kept_read_changed_and_deleted_by_its_owner_only(api, db):
    agent, other = api("agent"), api("supervisor")
    made = agent.post("/api/v1/intake-drafts", json={"title": "停水", "phone": "13911112222", "is_enterprise": True})
    assert made.status_code == 201, made.text
    ref = made.json()["ref"]
    assert made.json()["fields"] == {"title": "停水", "phone": "13911112222", "is_enterprise": True}
    assert [d["ref"] for d in agent.get("/api/v1/intake-drafts").json()] == [ref]
    assert other.get("/api/v1/intake-drafts").json() == []
    assert other.get(f"/api/v1/intake-drafts/{ref}").status_code == 404
    assert other.put(f"/api/v1/intake-drafts/{ref}", json={"title": "x"}).status_code == 404
    changed = agent.put(f"/api/v1/intake-drafts/{ref}", json={"title": "停水两天", "address": "幸福路 12 号"})
    assert changed.json()["fields"] == {"title": "停水两天", "address": "幸福路 12 号"}
    stored = db.scalar(select(IntakeDraft.fields).where(IntakeDraft.ref == ref).execution_options(
        populate_existing=True))
    assert "停水两天" in stored  # decrypted by the column type; the row itself holds ciphertext
    raw = db.connection().exec_driver_sql("SELECT fields FROM intake_draft").scalar_one()
    assert "停水" not in raw and "13911112222" not in raw
    assert agent.delete(f"/api/v1/intake-drafts/{ref}").status_code == 204
    assert agent.get(f"/api/v1/intake-drafts/{ref}").status_code == 404
    events = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "intake_draft")
                        .order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["intake_draft.saved", "intake_draft.saved", "intake_draft.deleted"]
    assert all("13911112222" not in str(e.detail) for e in events)


def test_an_empty_or_oversized_draft_is_refused_and_an_agent_keeps_at_most_twenty(api, db):
    agent = api("agent")
    empty = agent.post("/api/v1/intake-drafts", json={"channel": "phone"})
    assert empty.status_code == 422 and empty.json()["field"] == "content"
    assert agent.post("/api/v1/intake-drafts", json={"title": "x" * 101}).status_code == 422
    for i in range(drafts.MAX_DRAFTS):
        assert agent.post("/api/v1/intake-drafts", json={"title": f"第 {i} 份"}).status_code == 201
    full = agent.post("/api/v1/intake-drafts", json={"title": "再多一份"})
    assert full.status_code == 409
    assert len(agent.get("/api/v1/intake-drafts").json()) == drafts.MAX_DRAFTS


def test_the_console_keeps_a_draft_the_workbench_lists_it_and_registering_it_removes_it(browser, db):  # noqa: F811
    agent = browser("agent")
    page = agent.get("/console").text
    kept = agent.post("/console", data={**FORM, "csrf_token": csrf(page), "idempotency_key": "k-draft-1",
                                        "save_draft": "1", "address": ""}, follow_redirects=False)
    assert kept.status_code == 303, kept.text
    location = kept.headers["location"]
    assert location.startswith("/console?draft=")
    reopened = agent.get(location).text
    assert "草稿已暂存" in reopened and 'value="小区路灯不亮"' in reopened and "更新草稿" in reopened
    ref = location.split("draft=")[1].split("&")[0]
    home = agent.get("/").text
    assert 'id="card-drafts"' in home and f"/console?draft={ref}" in home and "小区路灯不亮" in home

    registered = agent.post("/console", data={**FORM, "csrf_token": csrf(reopened), "draft_ref": ref,
                                              "idempotency_key": "k-draft-2", "address": "幸福路 12 号"},
                            follow_redirects=False)
    assert registered.status_code == 303 and registered.headers["location"].startswith("/orders/HL")
    number = registered.headers["location"].split("/orders/")[1].split("?")[0]
    assert db.scalar(select(WorkOrder.title).where(WorkOrder.number == number)) == "小区路灯不亮"
    assert db.scalar(select(IntakeDraft).where(IntakeDraft.ref == ref)) is None
    deleted = db.scalar(select(AuditEvent).where(AuditEvent.action == "intake_draft.deleted"))
    assert deleted is not None and deleted.detail == {"number": number}
    assert agent.get(f"/console?draft={ref}").status_code == 404
