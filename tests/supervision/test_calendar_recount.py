"""A year's schedule entered after deadlines were counted weekends-only sets those deadlines
right (issue 18 item 15): handling and signing deadlines, extensions, coordination cases and
knowledge due days, each with an event; the administrators are warned from 1 November while
next year has no schedule."""

import datetime as dt

from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.kit import calendar_admin, jobs
from hotline.kit.clock import CST
from hotline.kit.workcalendar import end_of_business_day
from hotline.knowledge import service as kb
from hotline.notify.models import Notification, NotificationStatus
from hotline.supervision import deadlines, tasks
from hotline.workorder import service as wo
from tests.factories import user_of
from tests.supervision.helpers import cst, dispatched

# New Year 2027 falls on Friday 1 January: the fallback counts it as a working day.
HOLIDAYS_2027 = [dt.date(2027, 1, 1), dt.date(2027, 1, 2), dt.date(2027, 1, 3)]


def _enter_2027(db, world):
    calendar_admin.import_schedule(db, world.p("admin"), year=2027, holidays=HOLIDAYS_2027, workdays=[])


def _events(db, order, action="work_order.deadline_recounted"):
    db.commit()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                    AuditEvent.object_id == str(order.id))))


def test_entering_next_years_schedule_moves_a_weekends_only_deadline_with_an_event(db, world, travel):
    travel.move_to(cst(2026, 12, 28, 10))  # Monday; a complaint has 5 working days
    order = dispatched(db, world)
    assert not order.due_covered and order.due_at == end_of_business_day(dt.date(2027, 1, 4))
    db.commit()

    _enter_2027(db, world)
    queued = db.scalars(select(jobs.Job.kind).where(jobs.Job.kind == calendar_admin.RECOUNT_JOB)).all()
    assert queued  # the recount runs as a background job
    tasks.recount(db, {})  # the handler registered for the job
    db.refresh(order)

    assert order.due_covered and order.due_at == end_of_business_day(dt.date(2027, 1, 5))
    assert order.sign_due_at == end_of_business_day(dt.date(2026, 12, 29))
    [event] = _events(db, order)
    assert event.detail["previous_due_at"] == end_of_business_day(dt.date(2027, 1, 4)).isoformat()
    assert event.detail["due_at"] == end_of_business_day(dt.date(2027, 1, 5)).isoformat()

    deadlines.recount_all(db)  # a second run finds nothing left to move
    assert len(_events(db, order)) == 1


def test_an_extension_counted_weekends_only_keeps_its_working_days(db, world, travel):
    travel.move_to(cst(2026, 12, 21, 10))  # Monday: due Monday 28 December, covered
    order = dispatched(db, world)
    wo.sign(db, world.p("handler"), order)
    wo.request_extension(db, world.p("handler"), order, working_days=3, reason="需现场勘查")
    wo.decide_extension(db, world.p("dispatcher"), order, approve=True)
    # 29, 30, 31 December
    assert order.due_at == end_of_business_day(dt.date(2026, 12, 31)) and order.due_covered
    wo.request_extension(db, world.p("handler"), order, working_days=2, reason="需协调供电公司")
    wo.decide_extension(db, world.p("dispatcher"), order, approve=True)
    assert order.due_at == end_of_business_day(dt.date(2027, 1, 4)) and not order.due_covered
    db.commit()

    _enter_2027(db, world)
    deadlines.recount_all(db)
    db.refresh(order)
    assert order.due_covered and order.due_at == end_of_business_day(dt.date(2027, 1, 5))


def test_an_order_reaching_into_a_year_still_without_schedule_is_left_provisional(db, world, travel):
    travel.move_to(cst(2026, 12, 28, 10))
    order = dispatched(db, world)
    db.commit()
    calendar_admin.set_override(db, world.p("admin"), day=dt.date(2028, 1, 3), is_workday=False)  # 2028 only
    deadlines.recount_all(db)
    db.refresh(order)
    assert not order.due_covered and order.due_at == end_of_business_day(dt.date(2027, 1, 4))
    assert _events(db, order) == []


def test_an_open_coordination_case_and_a_policy_document_are_counted_again(db, world, travel):
    travel.move_to(cst(2026, 12, 29, 10))  # Tuesday
    order = dispatched(db, world)
    wo.return_order(db, world.p("handler"), order, reason="不属于本单位职责")
    case = wo.open_coordination(db, world.p("dispatcher"), order, candidate_unit_ids=[
        world.units["990100-zj"], world.units["990100-wat"]])
    assert case.due_at == end_of_business_day(dt.date(2027, 1, 1))  # 30, 31 December, 1 January
    doc = kb.register_document(db, world.p("handler"), title="关于调整住房公积金贷款政策的通知",
                               doc_number="青住建发〔2026〕99号", issued_on=dt.date(2026, 12, 28))
    assert doc.due_on == dt.date(2027, 1, 6)  # 29, 30, 31 December, 1, 4, 5, 6 January
    db.commit()

    _enter_2027(db, world)
    deadlines.recount_all(db)
    db.refresh(case)
    db.refresh(doc)
    assert case.due_at == end_of_business_day(dt.date(2027, 1, 4))  # 30, 31 December, 4 January
    assert doc.due_on == dt.date(2027, 1, 7)
    notes = sorted(e.detail["note"] for e in _events(db, order))  # its own (paused) deadline, and the case's
    assert [n[:4] for n in notes] == ["办理期限", "协调期限"]
    db.commit()
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "policy_document.due_recounted",
                                               AuditEvent.object_id == str(doc.id))).all()


def _home(api, username="admin"):
    response = api(username).get("/")
    assert response.status_code == 200
    return response.text


def test_the_administrator_is_warned_of_next_years_schedule_from_the_first_of_november(api, db, world, travel):
    user_of(db, "admin").phone = "13700000001"
    travel.move_to(dt.datetime(2026, 10, 31, 12, tzinfo=CST))
    assert "2027 年的法定节假日安排尚未录入" not in _home(api)
    assert deadlines.warn_administrators(db) == 0

    travel.move_to(dt.datetime(2026, 11, 1, 9, tzinfo=CST))
    assert "2027 年的法定节假日安排尚未录入" in _home(api)
    assert deadlines.warn_administrators(db) == 1
    texts = db.scalars(select(Notification).where(Notification.template == "admin_calendar_uncovered")).all()
    assert [(t.recipient, t.status) for t in texts] == [("13700000001", NotificationStatus.pending)]
    assert deadlines.warn_administrators(db) == 0  # once a week, not every run

    _enter_2027(db, world)
    db.commit()
    travel.move_to(dt.datetime(2026, 11, 9, 9, tzinfo=CST))
    assert "2027 年的法定节假日安排尚未录入" not in _home(api)
    assert deadlines.warn_administrators(db) == 0
