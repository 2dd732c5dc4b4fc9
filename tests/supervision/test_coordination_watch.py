"""A coordination case past its 3 working days is watched (issue 18 item 16): warned,
on the ledger, escalated; while it is open the unit's clock is paused and the order page
says so (ADR 0013)."""

from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.kit.workcalendar import end_of_business_day
from hotline.notify.models import Notification
from hotline.supervision import deadlines, service
from hotline.supervision.models import LedgerEntry, LedgerKind
from hotline.workorder import service as wo
from tests.supervision.helpers import cst, dispatched, project


def _in_coordination(db, world):
    order = dispatched(db, world)
    wo.return_order(db, world.p("handler"), order, reason="不属于本单位职责")
    case = wo.open_coordination(db, world.p("dispatcher"), order, candidate_unit_ids=[
        world.units["990100-zj"], world.units["990100-wat"]])
    return order, case


def test_a_coordination_case_past_three_working_days_is_warned_ledgered_and_escalated(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 10))  # Monday
    order, case = _in_coordination(db, world)
    assert case.due_at == end_of_business_day(cst(2026, 11, 19).date())
    travel.move_to(cst(2026, 11, 19, 22))
    assert deadlines.watch_coordination(db) == 0

    travel.move_to(cst(2026, 11, 20, 9))
    assert deadlines.watch_coordination(db) == 1
    db.commit()
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(order.id))))
    assert {"work_order.coordination_overdue", "work_order.escalated"} <= actions
    entries = {e.kind: e for e in db.scalars(select(LedgerEntry).where(LedgerEntry.work_order_id == order.id))}
    assert entries[LedgerKind.coordination_overdue].centre_unit_id == world.units["C-990100"]
    assert entries[LedgerKind.escalated].centre_unit_id == world.units["C-990000"]  # the centre above
    texts = db.scalars(select(Notification).where(Notification.template == "supervisor_coordination_overdue")).all()
    assert [t.recipient for t in texts] == ["13700000000"] and order.number in texts[0].body

    travel.move_to(cst(2026, 11, 21, 9))
    assert deadlines.watch_coordination(db) == 0  # once

    wo.decide_coordination(db, world.p("dispatcher"), order, unit_id=world.units["990100-wat"], note="属供水范围")
    project(db)
    db.refresh(entries[LedgerKind.coordination_overdue])
    assert entries[LedgerKind.coordination_overdue].cleared_at is not None  # the late coordination ended


def test_the_escalation_job_watches_coordination_cases(db, world, travel):
    from hotline.supervision import tasks

    travel.move_to(cst(2026, 11, 16, 10))
    order, _ = _in_coordination(db, world)
    travel.move_to(cst(2026, 11, 20, 9))
    tasks.escalate(db, {})
    kinds = set(db.scalars(select(LedgerEntry.kind).where(LedgerEntry.work_order_id == order.id)))
    assert LedgerKind.coordination_overdue in kinds


def test_the_units_clock_is_paused_while_the_case_is_open(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 10))
    order, _ = _in_coordination(db, world)
    service.sweep_batch(db, cst(2026, 11, 30))  # long past the handling deadline of 23 November
    db.refresh(order)
    assert order.overdue_at is None and wo.deadline_state(db, order, cst(2026, 11, 30)) is None
    db.commit()

    page = api("dispatcher").get(f"/orders/{order.number}").text
    assert "计时暂停" in page and "协调期限" in page and "协调已超期" not in page
    travel.move_to(cst(2026, 11, 20, 9))
    deadlines.watch_coordination(db)
    db.commit()
    assert "协调已超期，已提级督办" in api("dispatcher").get(f"/orders/{order.number}").text


def test_the_decided_unit_gets_a_fresh_deadline(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 10))
    order, _ = _in_coordination(db, world)
    travel.move_to(cst(2026, 11, 18, 10))  # Wednesday
    wo.decide_coordination(db, world.p("dispatcher"), order, unit_id=world.units["990100-wat"], note="属供水范围")
    assert order.due_at == end_of_business_day(cst(2026, 11, 25).date())  # 5 working days from the decision
