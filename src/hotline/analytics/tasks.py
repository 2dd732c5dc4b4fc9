"""Background jobs of the statistics: fold the new work-order events into the cube every minute
(a full batch queues the next run at once), and keep SQLite's planner statistics current."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics import service
from hotline.kit import db, jobs

REFRESH_JOB = "analytics.refresh"
PLANNER_JOB = "analytics.planner_statistics"


@jobs.handler(REFRESH_JOB, every=dt.timedelta(minutes=1))
def refresh(session: Session, payload: dict[str, Any]) -> None:
    if service.refresh(session) >= service.REFRESH_BATCH:
        jobs.enqueue(session, REFRESH_JOB)


@jobs.handler(PLANNER_JOB, every=dt.timedelta(hours=6))
def planner_statistics(session: Session, payload: dict[str, Any]) -> None:
    db.refresh_planner_statistics(session)
