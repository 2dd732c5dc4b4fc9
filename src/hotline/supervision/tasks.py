"""Background jobs of supervision: the deadline sweep and the projector, every minute."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import jobs
from hotline.supervision import service

log = logging.getLogger(__name__)

SWEEP_JOB = "supervision.sweep"
PROJECT_JOB = "supervision.project"


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
