"""Deadlines read and recounted: the state of an order's deadline, recounts after a calendar change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.config import get_settings
from hotline.kit import clock
from hotline.kit.workcalendar import WorkCalendar
from hotline.workorder import repository, sla
from hotline.workorder.lifecycle import OFF_CLOCK_STATUSES
from hotline.workorder.models import CoordinationCase, WorkOrder
from hotline.workorder.service._common import COORDINATION_WORKING_DAYS, _calendar, _cst, _event


def recount_deadlines(session: Session, order: WorkOrder, *, before: WorkCalendar, calendar: WorkCalendar) -> bool:
    """Count an uncovered order's deadlines again once the calendar covers them (issue 18):
    the handling deadline (with any extension in it) and the signing deadline keep their
    number of working days from the start of the count (the latest dispatch or re-handling),
    counted over ``calendar`` instead of ``before`` (the weekends-only view the order was
    counted with). An order still reaching into a year without a schedule is left as it is
    (returns False); otherwise both deadlines and the mark are set, with an event old → new.
    Marks of the sweep are cleared when the new deadline is still ahead."""
    start = repository.deadline_start(session, order.id)
    if start is None or order.due_at is None:
        return False
    due = calendar.recount(before, start, order.due_at)
    sign = calendar.recount(before, start, order.sign_due_at) if order.sign_due_at else None
    if not due.covered or (sign is not None and not sign.covered):
        return False
    old_due, old_sign = order.due_at, order.sign_due_at
    order.due_at, order.due_covered = due.at, True
    if sign is not None:
        order.sign_due_at = sign.at
    if due.at != old_due and due.at > clock.now():
        order.due_soon_warned_at = order.overdue_at = None  # the sweep watches the new deadline
    _event(session, None, order, "deadline_recounted", actor_name="system", due_at=due.at.isoformat(),
           previous_due_at=old_due.isoformat(), sign_due_at=sign.at.isoformat() if sign else None,
           previous_sign_due_at=old_sign.isoformat() if old_sign else None,
           note=f"办理期限 {_cst(old_due)} → {_cst(due.at)}")
    return True


def recount_coordination(session: Session, case: CoordinationCase, *, calendar: WorkCalendar) -> bool:
    """Count an open coordination case's 3 working days again over ``calendar``; when the
    deadline moves, set it with an event on the order (old → new)."""
    due = calendar.add_working_days(case.opened_at, COORDINATION_WORKING_DAYS)
    if due.at == case.due_at:
        return False
    order = session.get(WorkOrder, case.work_order_id)
    if order is None:
        return False
    old = case.due_at
    case.due_at = due.at
    _event(session, None, order, "deadline_recounted", actor_name="system", coordination_due_at=due.at.isoformat(),
           previous_coordination_due_at=old.isoformat(), note=f"协调期限 {_cst(old)} → {_cst(due.at)}")
    return True


def deadline_state(session: Session, order: WorkOrder, now: dt.datetime | None = None) -> sla.DeadlineState | None:
    """None while no unit's clock runs: closed, withdrawn, awaiting callback, in a
    coordination case (the clock is paused; the decided unit gets a fresh deadline, ADR 0013)
    or handed over to a linkage line (联动)."""
    if order.due_at is None or order.status in OFF_CLOCK_STATUSES:
        return None
    # Hour-based deadlines (direct dispatch, emergencies) warn hours ahead, not a working day.
    hourly = order.direct_rule_id is not None or order.urgency == sla.Urgency.emergency
    settings = get_settings()
    return sla.state(_calendar(session), now or clock.now(), order.due_at, settings.due_soon_working_days,
                     warn_before=dt.timedelta(hours=settings.due_soon_hours) if hourly else None)
