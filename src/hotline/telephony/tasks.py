"""Background jobs of telephony: every few minutes, close the calls the PBX never ended
(``HOTLINE_CTI_CALL_TIMEOUT_MINUTES`` after their last event) as ``timeout``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import jobs
from hotline.telephony import service

CLOSE_JOB = "cti.close_stale_calls"
#: Rounds of :data:`service.CLOSE_CHUNK` calls per run: a backlog is worked off over several runs.
ROUNDS = 10


@jobs.handler(CLOSE_JOB, every=dt.timedelta(minutes=5))
def close_stale_calls(session: Session, payload: dict[str, Any]) -> None:
    for _ in range(ROUNDS):
        if service.close_stale_calls(session) < service.CLOSE_CHUNK:
            return
