"""Deadlines the calendar or the clock put in question (issue 18): counting uncovered
deadlines again once a year's schedule is entered, warning the administrators while next
year has none, and watching coordination cases past their 3 working days.

Services take the session first and never commit; the job boundary does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import calendar_admin, clock
from hotline.kit.errors import InvalidInput
from hotline.kit.workcalendar import load_calendar
from hotline.knowledge import service as knowledge
from hotline.notify import service as notify
from hotline.supervision import repository, service
from hotline.supervision.models import LedgerKind
from hotline.supervision.service import _common as supervision_common
from hotline.supervision.service import sweeps
from hotline.workorder import repository as workorder_repository
from hotline.workorder import service as workorder
from hotline.workorder.models import WorkOrder

RECOUNT_BATCH = 200
#: How often the administrators are texted while next year's schedule is missing.
CALENDAR_NAG_EVERY = dt.timedelta(days=7)


# --- counting uncovered deadlines again ------------------------------------------------------


def recount_batch(session: Session, payload: dict[str, Any], *, limit: int = RECOUNT_BATCH) -> dict[str, Any] | None:
    """One batch of the recount after a calendar change: first the open orders whose
    handling or signing deadline was counted weekends-only (``due_covered`` false), then the
    open coordination cases, then the policy documents not yet settled. ``payload`` says
    where the previous batch stopped; returns where the next one starts, or None when done.
    Each order, case or document whose deadline moves gets one event (old → new)."""
    phase = payload.get("phase", "orders")
    after = int(payload.get("after", 0))
    calendar = load_calendar(session)
    if phase == "orders":
        before = calendar.as_before_schedules()
        orders = workorder_repository.uncovered_open_orders(session, after_id=after, limit=limit)
        for order in orders:
            workorder.recount_deadlines(session, order, before=before, calendar=calendar)
        if len(orders) == limit:
            return {"phase": "orders", "after": orders[-1].id}
        return {"phase": "coordination", "after": 0}
    if phase == "coordination":
        cases = workorder_repository.open_coordination_cases(session, after_id=after, limit=limit)
        for case in cases:
            workorder.recount_coordination(session, case, calendar=calendar)
        if len(cases) == limit:
            return {"phase": "coordination", "after": cases[-1].id}
        return {"phase": "documents", "after": 0}
    _, last = knowledge.recount_due_dates(session, after_id=after, limit=limit)
    return None if last is None else {"phase": "documents", "after": last}


def recount_all(session: Session) -> None:
    """Run every batch of the recount in this transaction (tests and the command line)."""
    payload: dict[str, Any] | None = {}
    while payload is not None:
        payload = recount_batch(session, payload)


# --- the administrators' warning --------------------------------------------------------------


def warn_administrators(session: Session, now: dt.datetime | None = None) -> int:
    """From 1 November, while next year's holiday schedule is not entered, text every
    province administrator (who alone may enter it) with a valid phone, once a week (the
    warning is on every administrator's home page too). Returns how many texts were queued."""
    now = now or clock.now()
    years = [y for y in calendar_admin.warning_years(session, today=now.astimezone(clock.CST).date())
             if y > now.astimezone(clock.CST).year]
    if not years:
        return 0
    template = "admin_calendar_uncovered"
    if repository.notified_since(session, template, now - CALENDAR_NAG_EVERY):
        return 0
    body = notify.render(template, year=years[0])
    rows: list[dict[str, Any]] = []
    for user in repository.province_admins(session):
        if user.phone:
            try:
                rows.append(notify.notification_row(template=template, recipient_kind="user", phone=user.phone,
                                                    body=body))
            except InvalidInput:
                continue
    notify.queue_rows(session, rows)
    return len(rows)


# --- coordination past its 3 working days -----------------------------------------------------


def watch_coordination(session: Session, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Coordination cases still undecided after their 3 working days (S4 泸州): each is
    marked once, with a warning event on the order, an entry on the centre's ledger
    (协调超期) and escalated supervision by the centre one level up (提级督办: its ledger,
    and a text to its supervisors). Returns how many cases were caught."""
    now = now or clock.now()
    cases = workorder_repository.overdue_coordination_cases(session, now, limit)
    for case in cases:
        order = session.get(WorkOrder, case.work_order_id)
        if order is None:
            continue
        case.overdue_at = now
        higher = sweeps._higher_centre(session, order)
        due = supervision_common._cst(case.due_at)
        reason = f"管辖争议协调已超过 3 个工作日（期限 {due}）仍未裁定"
        sweeps._event(session, order, "coordination_overdue", case_id=case.id, due_at=case.due_at.isoformat(),
                      note=reason)
        sweeps._event(session, order, "escalated", rule="coordination_overdue", reason=reason, centre=higher.name)
        for centre_id, kind in ((order.centre_unit_id, LedgerKind.coordination_overdue),
                                (higher.id, LedgerKind.escalated)):
            repository.enter_ledger(session, {
                "kind": kind, "work_order_id": order.id, "unit_id": None, "centre_unit_id": centre_id,
                "region_id": order.region_id, "category_id": order.category_id, "entered_at": now,
                "reason": reason[:200]})
        body = notify.render("supervisor_coordination_overdue", number=order.number, due=due)
        told = {user.id: user for centre_id in (order.centre_unit_id, higher.id)
                for user in service.supervisors_for(session, centre_id)}
        notify.queue_rows(session, [notify.user_row(template="supervisor_coordination_overdue", phone=user.phone,
                                                    username=user.username, body=body, work_order_id=order.id)
                                    for user in told.values()])
    return len(cases)

