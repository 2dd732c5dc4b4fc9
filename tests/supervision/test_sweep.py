"""The deadline sweep: due soon → overdue under time travel and across a holiday; re-runs do
nothing; two workers never warn twice."""

import datetime as dt
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent
from hotline.kit import clock
from hotline.kit.db import make_engine, make_session_factory, transaction
from hotline.kit.workcalendar import load_calendar
from hotline.notify.models import Notification
from hotline.supervision import service
from hotline.supervision.models import LedgerEntry, LedgerKind
from tests.supervision.helpers import cst, dispatched


def events(db, order, action):
    db.commit()  # audit rows are appended at commit
    return db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == f"work_order.{action}", AuditEvent.object_id == str(order.id)))


def test_due_soon_then_overdue_once_each_with_the_unit_told(db, world, travel):
    from hotline.org.models import Unit

    db.get(Unit, world.units["990100-zj"]).contact_phone = "01012345678"
    travel.move_to(cst(2026, 11, 16, 9))  # Monday
    order = dispatched(db, world)  # complaint: 5 working days after today → Monday 23 Nov, end of day
    assert order.due_at.astimezone(clock.CST).date() == dt.date(2026, 11, 23)

    assert service.sweep_batch(db, cst(2026, 11, 19)).warned == 0  # Thursday: two working days left
    result = service.sweep_batch(db, cst(2026, 11, 20))  # Friday: the working day before
    assert (result.warned, result.overdue) == (1, 0)
    assert service.sweep_batch(db, cst(2026, 11, 22, 15)).warned == 0  # a re-run warns no more
    assert events(db, order, "due_soon") == 1

    result = service.sweep_batch(db, cst(2026, 11, 24))  # Tuesday: past the deadline
    assert (result.warned, result.overdue) == (0, 1)
    assert service.sweep_batch(db, cst(2026, 11, 25)).overdue == 0
    assert events(db, order, "overdue") == 1
    texts = db.scalars(select(Notification.template).where(Notification.work_order_id == order.id,
                                                           Notification.recipient_kind == "unit")).all()
    assert sorted(texts) == ["unit_due_soon", "unit_new_order", "unit_overdue"]


def test_no_warning_during_a_holiday_the_working_day_before_the_deadline_does(db, world, travel):
    travel.move_to(cst(2026, 9, 30, 9))  # the day before the National Day holiday
    order = dispatched(db, world)
    calendar = load_calendar(db)
    due_day = order.due_at.astimezone(clock.CST).date()
    assert due_day > dt.date(2026, 10, 8)  # the holiday does not count
    warned_on = None
    day = dt.date(2026, 9, 30)
    while day <= due_day and warned_on is None:
        if service.sweep_batch(db, cst(day.year, day.month, day.day)).warned:
            warned_on = day
        day += dt.timedelta(days=1)
    before = due_day - dt.timedelta(days=1)
    while not calendar.is_workday(before):
        before -= dt.timedelta(days=1)
    assert warned_on == before


def test_a_new_deadline_is_watched_again(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    from hotline.workorder import service as wo

    wo.sign(db, world.p("handler"), order)
    assert service.sweep_batch(db, cst(2026, 11, 24)).overdue == 1
    wo.request_extension(db, world.p("handler"), order, working_days=5, reason="需要现场勘查")
    wo.decide_extension(db, world.p("dispatcher"), order, approve=True)
    assert order.overdue_at is None and order.due_soon_warned_at is None
    assert service.sweep_batch(db, cst(2026, 11, 24, 11)).overdue == 0  # not overdue against the new deadline


def test_hour_based_orders_not_yet_due_soon_never_fill_a_batch(db, world, travel):
    from hotline.workorder.sla import Urgency

    travel.move_to(cst(2026, 11, 16, 9))  # Monday
    early = [dispatched(db, world) for _ in range(3)]
    for order in early:  # emergencies due in 10 hours: not due soon yet (4 hours ahead)
        order.urgency, order.due_at = Urgency.emergency, cst(2026, 11, 19, 20)
    normal = dispatched(db, world)  # due Monday 23 Nov, sorting after the emergencies
    normal.due_at = cst(2026, 11, 20, 23)
    db.flush()
    result = service.sweep_batch(db, cst(2026, 11, 19, 10), limit=2)  # Thursday: the day before
    assert (result.warned, result.overdue) == (1, 0)
    assert normal.due_soon_warned_at is not None
    assert all(order.due_soon_warned_at is None for order in early)
    assert service.sweep_batch(db, cst(2026, 11, 19, 17)).warned == 3  # four hours before


def test_the_projector_puts_overdue_orders_on_the_ledger(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    db.flush()
    db.commit()
    service.project(db)
    entry = db.scalars(select(LedgerEntry).where(LedgerEntry.work_order_id == order.id)).one()
    assert entry.kind == LedgerKind.overdue and entry.unit_id == world.units["990100-zj"]


def test_two_workers_sweeping_at_once_warn_each_order_once(own_database):
    """Real concurrent transactions, each worker with its own engine (SQLite queues them for
    the write lock, PostgreSQL skips the rows the other has locked)."""
    url, world = own_database
    engines = [make_engine(url), make_engine(url)]
    factories = [make_session_factory(e) for e in engines]
    with transaction(factories[0]) as session:
        from hotline.org.models import Unit

        session.get(Unit, world.units["990100-zj"]).contact_phone = "01012345678"
        now = clock.now()
        orders = [dispatched(session, world) for _ in range(6)]
        ids = [o.id for o in orders]
        for o in orders:
            o.due_at = now + dt.timedelta(hours=2)  # due today: due soon
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker(factory):
        barrier.wait()
        total = 0
        while True:
            with transaction(factory) as session:
                found = service.sweep_batch(session, now, limit=2)
            if not found.warned and not found.overdue:
                break
            total += found.warned
        results.append(total)

    try:
        threads = [threading.Thread(target=worker, args=(f,)) for f in factories]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sum(results) == 6
        with Session(engines[0]) as session:
            counts = [session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "work_order.due_soon", AuditEvent.object_id == str(i))) for i in ids]
            notes = session.scalar(select(func.count()).select_from(Notification).where(
                Notification.template == "unit_due_soon"))
        assert counts == [1] * 6
        assert notes == 6  # one due-soon text per order to the unit
    finally:
        for e in engines:
            e.dispose()
