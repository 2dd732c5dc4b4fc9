"""Background jobs of the inbox: fan the new events out every few seconds (a full batch queues the
next run at once), and drop messages read more than 90 days ago once a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.inbox import service
from hotline.kit import jobs

FAN_OUT_JOB = "inbox.fan_out"
PURGE_JOB = "inbox.purge"


@jobs.handler(FAN_OUT_JOB, every=dt.timedelta(seconds=10))
def fan_out(session: Session, payload: dict[str, Any]) -> None:
    if service.fan_out(session) >= service.BATCH:
        jobs.enqueue(session, FAN_OUT_JOB)


@jobs.handler(PURGE_JOB, every=dt.timedelta(days=1))
def purge(session: Session, payload: dict[str, Any]) -> None:
    service.purge(session)
