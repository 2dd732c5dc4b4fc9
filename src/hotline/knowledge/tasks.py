"""Background jobs of the knowledge base: items reaching their expiry date stop answering,
and policy documents whose 7 working days ran out without a published item are settled as
late (ledger, evaluation) — both every five minutes, each run idempotent; readers' votes past
their window are dropped on the way."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import jobs
from hotline.knowledge import service

log = logging.getLogger(__name__)

UPKEEP_JOB = "knowledge.upkeep"
BATCH = 500


@jobs.handler(UPKEEP_JOB, every=dt.timedelta(minutes=5))
def upkeep(session: Session, payload: dict[str, Any]) -> None:
    expired = service.expire_due(session, limit=BATCH)
    late = service.settle_overdue_documents(session, limit=BATCH)
    service.forget_old_votes(session)
    if expired or late:
        log.info("knowledge upkeep: %d items expired, %d policy documents late", expired, late)
    if expired >= BATCH or late >= BATCH:
        jobs.enqueue(session, UPKEEP_JOB)
