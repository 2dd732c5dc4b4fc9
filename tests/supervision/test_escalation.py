"""Escalated supervision (提级督办): each rule fires at its threshold and not below it; an
order is escalated once, to the centre one level up, with an event and a text to its unit."""


import pytest
from sqlalchemy import func, select, update

from hotline.audit.models import AuditEvent
from hotline.kit.workcalendar import WorkCalendar
from hotline.notify.models import Notification
from hotline.org.models import Unit
from hotline.supervision import rules, service
from hotline.supervision.models import (
    EscalationKind,
    EscalationRule,
    LedgerEntry,
    LedgerKind,
    LetterKind,
    SupervisionLetter,
)
from hotline.workorder import service as wo
from hotline.workorder.models import ReplyResult, Verdict
from tests.supervision.helpers import cst, dispatched, new_order


def only(db, kind, threshold, window_days=None):
    """Leave one active rule."""
    db.execute(update(EscalationRule).values(active=False))
    db.add(EscalationRule(kind=kind, threshold=threshold, window_days=window_days, active=True))
    db.flush()


def escalated(db):
    return {e.work_order_id: e for e in db.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.escalated))}


def test_many_to_one_fires_at_the_threshold_in_one_place(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    only(db, EscalationKind.many_to_one, 3, 3)
    first = [new_order(db, world, content=f"同一路灯不亮，第 {i} 位居民反映") for i in range(2)]
    assert service.escalate(db) == 0
    third = new_order(db, world, content="同一路灯不亮，第 3 位居民反映")
    assert service.escalate(db) == 3
    entries = escalated(db)
    assert set(entries) == {o.id for o in [*first, third]}
    assert "多人一诉" in entries[third.id].reason and "3 件" in entries[third.id].reason
    assert service.escalate(db) == 0  # once each


def test_many_to_one_does_not_count_other_places_or_old_orders(db, world, travel):
    travel.move_to(cst(2026, 11, 10, 9))
    only(db, EscalationKind.many_to_one, 3, 3)
    new_order(db, world)  # a week before: outside the window
    travel.move_to(cst(2026, 11, 16, 9))
    new_order(db, world)
    new_order(db, world)
    assert service.escalate(db) == 0


def test_one_to_many_fires_for_one_caller(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    only(db, EscalationKind.one_to_many, 4, 30)
    orders = [new_order(db, world, title=f"第 {i} 件事", content=f"反映第 {i} 件事") for i in range(3)]
    assert service.escalate(db) == 0
    orders.append(new_order(db, world, title="第 4 件事", content="反映第 4 件事"))
    assert service.escalate(db) == 4
    assert "一人多诉" in escalated(db)[orders[0].id].reason


def test_long_open_fires_after_the_working_days_and_not_on_the_last_one(db, world, travel):
    travel.move_to(cst(2026, 11, 2, 9))  # Monday
    only(db, EscalationKind.long_open, 5)
    order = dispatched(db, world)
    # 5 working days after Monday 2 Nov end on Monday 9 Nov: still within on the 9th.
    assert service.escalate(db, cst(2026, 11, 9, 23)) == 0
    assert service.escalate(db, cst(2026, 11, 10, 8)) == 1
    assert "长期未解决" in escalated(db)[order.id].reason


def test_rehandled_fires_only_above_the_threshold(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    only(db, EscalationKind.rehandled, 0)  # re-handled more than 0 times: any re-handling
    order = dispatched(db, world)
    wo.sign(db, world.p("handler"), order)
    wo.reply(db, world.p("handler"), order, result=ReplyResult.partly_resolved, text="正在处理")
    wo.review_reply(db, world.p("dispatcher"), order, accept=True)
    assert service.escalate(db) == 0
    wo.record_callback(db, world.p("agent"), order, reached=True, resolved=False, verdict=Verdict.dissatisfied)
    assert order.rehandle_count == 1
    assert service.escalate(db) == 1
    assert "反复重办" in escalated(db)[order.id].reason


def test_rehandled_with_threshold_one_leaves_a_single_re_handling_alone(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    only(db, EscalationKind.rehandled, 1)
    order = dispatched(db, world)
    wo.sign(db, world.p("handler"), order)
    wo.reply(db, world.p("handler"), order, result=ReplyResult.partly_resolved, text="正在处理")
    wo.review_reply(db, world.p("dispatcher"), order, accept=True)
    wo.record_callback(db, world.p("agent"), order, reached=True, resolved=False, verdict=Verdict.dissatisfied)
    assert service.escalate(db) == 0


def test_an_escalation_goes_to_the_higher_centre_with_an_event_a_reminder_letter_and_a_text(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    only(db, EscalationKind.many_to_one, 1, 3)
    db.get(Unit, world.units["990100-zj"]).contact_phone = "01012345678"
    order = dispatched(db, world)
    assert service.escalate(db) == 1
    entry = escalated(db)[order.id]
    assert entry.centre_unit_id != order.centre_unit_id  # the city centre's order → the province centre
    db.commit()
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "work_order.escalated",
                                              AuditEvent.object_id == str(order.id))) is not None
    assert db.scalar(select(Notification).where(Notification.template == "unit_escalated",
                                                Notification.work_order_id == order.id)) is not None
    letter = db.scalars(select(SupervisionLetter).where(SupervisionLetter.work_order_id == order.id)).one()
    assert (letter.kind, letter.centre_unit_id) == (LetterKind.reminder, entry.centre_unit_id)
    assert "提级督办" in letter.body and "省热线中心" in letter.body
    assert db.scalar(select(func.count()).select_from(Notification).where(  # one text, not two
        Notification.work_order_id == order.id, Notification.template.in_(("unit_letter", "unit_escalated")))) == 1


def test_opened_before_counts_working_days_back_from_today():
    calendar = WorkCalendar({})
    # Wednesday 4 Nov 2026: one working day back is Tuesday; across a weekend from Monday.
    assert rules.opened_before(calendar, cst(2026, 11, 4), 1) == cst(2026, 11, 3, 0)
    assert rules.opened_before(calendar, cst(2026, 11, 9), 1) == cst(2026, 11, 6, 0)
    # National Day: from Friday 9 Oct, three working days back skip the holiday week.
    assert rules.opened_before(calendar, cst(2026, 10, 9), 3) < cst(2026, 10, 1, 0)


@pytest.mark.parametrize(("kind", "threshold", "window", "field"), [
    (EscalationKind.many_to_one, 0, 3, "threshold"),
    (EscalationKind.rehandled, -1, None, "threshold"),
    (EscalationKind.one_to_many, 5, None, "window_days"),
    (EscalationKind.long_open, 30, 7, "window_days"),
])
def test_a_rule_that_cannot_work_is_refused(kind, threshold, window, field):
    with pytest.raises(ValueError, match=field):
        rules.check_rule(kind, threshold, window)


def test_the_province_admin_tunes_the_rules_and_others_may_not(api):
    admin = api("admin")
    rules_now = admin.get("/api/v1/escalation-rules").json()
    assert {r["kind"] for r in rules_now} >= {"many_to_one", "one_to_many", "long_open", "rehandled"}
    rule = next(r for r in rules_now if r["kind"] == "many_to_one")
    changed = admin.put(f"/api/v1/escalation-rules/{rule['id']}",
                        json={"kind": "many_to_one", "threshold": 8, "window_days": 2, "active": True})
    assert changed.status_code == 200 and changed.json()["threshold"] == 8
    bad = admin.put(f"/api/v1/escalation-rules/{rule['id']}",
                    json={"kind": "many_to_one", "threshold": 8, "window_days": None, "active": True})
    assert bad.status_code == 422 and "window_days" in bad.text
    assert admin.put("/api/v1/escalation-rules/99999",
                     json={"kind": "long_open", "threshold": 8, "active": True}).status_code == 404
    assert api("supervisor").get("/api/v1/escalation-rules").status_code == 403
