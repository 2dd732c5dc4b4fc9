"""Background job of the statistics: fold the new work-order events into the cube every minute
(a full batch queues the next run at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics import service
from hotline.kit import jobs

REFRESH_JOB = "analytics.refresh"


@jobs.handler(REFRESH_JOB, every=dt.timedelta(minutes=1))
def refresh(session: Session, payload: dict[str, Any]) -> None:
    if service.refresh(session) >= service.REFRESH_BATCH:
        jobs.enqueue(session, REFRESH_JOB)
