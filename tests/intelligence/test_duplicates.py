"""Duplicates: likely repeats shown at intake (same caller, same place, similar text, within
the window); merged under one parent — the unit handles one order, every citizen gets the
reply and a callback; unmerge; merged groups feed the many-to-one escalation rule."""

import datetime as dt

import pytest
from sqlalchemy import select, update

from hotline.intelligence import duplicates
from hotline.intelligence import service as intel
from hotline.kit.errors import Conflict, IllegalTransition
from hotline.notify.models import Notification
from hotline.org import repository as org_repository
from hotline.supervision import service as supervision
from hotline.supervision.models import EscalationKind, EscalationRule, LedgerEntry, LedgerKind
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import ReplyResult, Verdict

LAMP = "幸福路12号门口的路灯坏了一个月，晚上一片漆黑，老人孩子出行不安全"


def _intake(db, world, content=LAMP, *, phone="13911112222", region="990102001", category="lamp", title=None):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title=title or content[:12], content=content, phone=phone,
        category_code=world.categories[category], region_code=region))
    return order


def test_the_same_matter_in_other_words_is_a_likely_duplicate():
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    old = duplicates.Candidate(id=1, text="幸福路12号路灯坏了 门口路灯坏了一个月没人修", citizen_id=7,
                               region_code="990102001", address=None, registered_at=at)
    other = duplicates.Candidate(id=2, text="小区垃圾站臭味太大 夏天臭得不能开窗", citizen_id=7,
                                 region_code="990102001", address=None, registered_at=at)
    same_caller = duplicates.rank(duplicates.Probe("门口路灯坏了一个月了，还没修好", citizen_id=7), [old, other])
    assert [x.id for x in same_caller] == [1] and "同一来电人" in same_caller[0].reasons
    neighbour = duplicates.rank(duplicates.Probe("幸福路12号门口路灯坏了好久", region_code="990102001"), [old, other])
    assert [x.id for x in neighbour] == [1] and "同一地点" in neighbour[0].reasons
    assert duplicates.rank(duplicates.Probe("工资被拖欠三个月", citizen_id=7), [old, other]) == []


def test_intake_shows_likely_duplicates_across_channels_within_the_window(db, world, travel):
    first = _intake(db, world)
    _intake(db, world, "东城区有个工地晚上施工，噪音太大", category="noise")  # same caller, another matter
    east = org_repository.region_by_code(db, "990102001")
    agent = world.p("agent")
    found = intel.find_duplicates(db, agent, title="路灯坏了", content="幸福路12号门口路灯坏了一个月了，晚上黑漆漆的",
                                  phone="13911112222", region=east)
    assert [d.number for d in found] == [first.number]
    assert set(found[0].reasons) >= {"同一来电人", "同一地点"}
    neighbour = intel.find_duplicates(db, agent, title="路灯", content="幸福路12号门口路灯坏了一个月",
                                      phone="13800001111", region=east)
    assert [d.number for d in neighbour] == [first.number] and "同一来电人" not in neighbour[0].reasons
    # only what the caller may see: an integration account sees the orders it submitted, no others
    assert intel.find_duplicates(db, world.p("ivr"), title="路灯", content="幸福路12号门口路灯坏了一个月",
                                 phone="13911112222", region=east) == []
    travel.move_to(dt.datetime.now(dt.UTC) + intel.DUPLICATE_WINDOW + dt.timedelta(days=1))
    assert intel.find_duplicates(db, agent, title="路灯坏了", content=LAMP, phone="13911112222", region=east) == []


def _reply(db, world, order):
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    wo.sign(db, world.p("handler"), order)
    wo.reply(db, world.p("handler"), order, result=ReplyResult.resolved, text="路灯已于今日修复")
    wo.review_reply(db, world.p("dispatcher"), order, accept=True)


def test_merged_orders_share_the_parents_reply_and_each_get_a_callback(db, world):
    parent = _intake(db, world)
    second = _intake(db, world, "幸福路路灯坏了一个月", phone="13800001111")
    third = _intake(db, world, "幸福路12号门口路灯不亮", phone="13800002222")
    wo.merge(db, world.p("dispatcher"), parent, [second, third])
    assert second.status == Status.merged and second.merged_into_id == parent.id
    with pytest.raises(IllegalTransition):  # a merged order is not dispatched on its own
        wo.dispatch(db, world.p("dispatcher"), second, lead_unit_id=world.units["990100-zj"])
    wo.unmerge(db, world.p("dispatcher"), third)
    assert third.status == Status.registered and third.merged_into_id is None
    _reply(db, world, parent)
    assert parent.status == Status.callback
    assert second.status == Status.callback and second.answer == "路灯已于今日修复"
    assert second.lead_unit_id == world.units["990100-zj"] and second.final_result == ReplyResult.resolved
    assert third.status == Status.registered  # left the group before the reply
    texts = db.execute(select(Notification).where(Notification.template == "order_replied")).scalars().all()
    assert {t.work_order_id for t in texts} == {parent.id, second.id}  # every citizen in the group
    wo.record_callback(db, world.p("agent"), second, reached=True, resolved=True, verdict=Verdict.satisfied)
    assert second.status == Status.closed and parent.status == Status.callback  # called back each on its own


def test_what_cannot_be_merged(db, world):
    parent = _intake(db, world)
    replied = _intake(db, world, "幸福路路灯坏了一个月", phone="13800001111")
    wo.dispatch(db, world.p("dispatcher"), replied, lead_unit_id=world.units["990100-zj"])
    wo.sign(db, world.p("handler"), replied)
    wo.reply(db, world.p("handler"), replied, result=ReplyResult.resolved, text="已修复")
    with pytest.raises(IllegalTransition):
        wo.merge(db, world.p("dispatcher"), parent, [replied])  # its unit has answered it already
    child = _intake(db, world, "幸福路12号门口路灯不亮", phone="13800002222")
    wo.merge(db, world.p("dispatcher"), parent, [child])
    with pytest.raises(Conflict):
        wo.merge(db, world.p("dispatcher"), child, [_intake(db, world, "路灯不亮", phone="13800003333")])
    wo.withdraw(db, world.p("agent"), parent, reason="来电人撤回")
    assert child.status == Status.registered and child.merged_into_id is None  # the others' appeals still stand


def test_the_api_finds_duplicates_and_merges(api, world, db):
    parent = _intake(db, world)
    child = _intake(db, world, "幸福路路灯坏了一个月没人修", phone="13800001111")
    db.commit()
    dispatcher = api("dispatcher")
    r = dispatcher.get(f"/api/v1/work-orders/{child.number}/duplicates")
    assert r.status_code == 200 and [d["number"] for d in r.json()] == [parent.number]
    r = api("agent").post("/api/v1/intelligence/duplicates", json={
        "title": "路灯", "content": "幸福路12号门口路灯坏了一个月", "region_code": "990102001"})
    assert {d["number"] for d in r.json()} == {parent.number, child.number}
    assert api("agent").post(f"/api/v1/work-orders/{parent.number}/merge",
                             json={"numbers": [child.number]}).status_code == 403
    assert dispatcher.post(f"/api/v1/work-orders/{parent.number}/merge",
                           json={"numbers": ["HL00000000000000"]}).status_code == 404
    r = dispatcher.post(f"/api/v1/work-orders/{parent.number}/merge", json={"numbers": [child.number]})
    assert r.status_code == 200, r.text
    assert r.json()["merged"] == [child.number]
    shown = dispatcher.get(f"/api/v1/work-orders/{child.number}").json()
    assert shown["status"] == "merged" and shown["merged_into"] == parent.number
    r = dispatcher.post(f"/api/v1/work-orders/{child.number}/unmerge", json={})
    assert r.status_code == 200 and r.json()["status"] == "registered"
    assert dispatcher.post(f"/api/v1/work-orders/{child.number}/unmerge", json={}).status_code == 409


def test_a_merged_group_feeds_the_many_to_one_rule(db, world):
    db.execute(update(EscalationRule).values(active=False))
    db.add(EscalationRule(kind=EscalationKind.many_to_one, threshold=3, window_days=3, active=True))
    db.flush()
    parent = _intake(db, world)
    others = [_intake(db, world, f"路灯不亮影响出行{i}", phone=f"1380000{i:04d}", category="noise", region="990202")
              for i in range(2)]  # filed under another category and place: only the merge ties them
    assert supervision.escalate(db) == 0
    wo.merge(db, world.p("dispatcher"), parent, others)
    supervision.escalate(db)
    entries = db.execute(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.escalated)).scalars().all()
    assert [e.work_order_id for e in entries if e.work_order_id == parent.id] == [parent.id]
    assert "3 件" in next(e.reason for e in entries if e.work_order_id == parent.id)
