"""Background jobs of supervision: the deadline sweep and the projector every minute, the
escalation rules (with referrals and overdue letters) every five minutes, the daily emergency
ledger to the sector departments each morning."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import calendar_admin, jobs
from hotline.supervision import deadlines, service

log = logging.getLogger(__name__)

SWEEP_JOB = "supervision.sweep"
PROJECT_JOB = "supervision.project"
ESCALATE_JOB = "supervision.escalate"
DAILY_REPORT_JOB = "supervision.daily_report"
CALENDAR_WARNING_JOB = "supervision.calendar_warning"


@jobs.handler(SWEEP_JOB, every=dt.timedelta(minutes=1))
def sweep(session: Session, payload: dict[str, Any]) -> None:
    """One batch per run keeps the transaction short; a full batch queues the next at once."""
    result = service.sweep_batch(session)
    if result.warned or result.overdue:
        log.info("deadline sweep: %d due-soon warnings, %d overdue", result.warned, result.overdue)
    if result.warned + result.overdue >= service.SWEEP_BATCH:
        jobs.enqueue(session, SWEEP_JOB)


@jobs.handler(PROJECT_JOB, every=dt.timedelta(minutes=1))
def project(session: Session, payload: dict[str, Any]) -> None:
    if service.project(session) >= service.PROJECT_BATCH:
        jobs.enqueue(session, PROJECT_JOB)


@jobs.handler(ESCALATE_JOB, every=dt.timedelta(minutes=5))
def escalate(session: Session, payload: dict[str, Any]) -> None:
    """The escalation rules count orders over windows of days, and unanswered rectification
    letters are referred once past their deadline: every five minutes is soon enough."""
    found = service.escalate(session)
    stuck = deadlines.watch_coordination(session)
    if stuck:
        log.info("coordination cases past their 3 working days escalated: %d", stuck)
    referred = service.refer_overdue_rectifications(session)
    late = service.ledger_overdue_letters(session)
    if late:
        log.info("supervision letters past their deadline put on the ledger: %d", late)
    if referred:
        log.info("referred to the discipline commission: %d orders", referred)
    if found:
        log.info("escalated supervision: %d orders", found)
    if found >= service.SWEEP_BATCH:
        jobs.enqueue(session, ESCALATE_JOB)


@jobs.handler(DAILY_REPORT_JOB, every=dt.timedelta(minutes=15))
def daily_report(session: Session, payload: dict[str, Any]) -> None:
    """The previous day's emergency and stability ledger goes to the sector departments from
    08:00; the run every quarter hour sends it once, soon after, even after a stopped worker."""
    sent = service.send_daily_reports(session)
    if sent:
        log.info("daily emergency ledger sent to %d sector departments", sent)


@jobs.handler(calendar_admin.RECOUNT_JOB)
def recount(session: Session, payload: dict[str, Any]) -> None:
    """After a change to the working-day calendar: count the uncovered deadlines again, one
    batch per run; the next batch is queued at once."""
    following = deadlines.recount_batch(session, payload)
    if following is not None:
        jobs.enqueue(session, calendar_admin.RECOUNT_JOB, following)


@jobs.handler(CALENDAR_WARNING_JOB, every=dt.timedelta(hours=6))
def calendar_warning(session: Session, payload: dict[str, Any]) -> None:
    """From 1 November, while next year's holiday schedule is missing, the province
    administrators are texted (once a week)."""
    if deadlines.warn_administrators(session):
        log.warning("next year's holiday schedule is not entered: administrators told")
