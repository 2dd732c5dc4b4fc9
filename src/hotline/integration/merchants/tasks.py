"""The daily run of the adjustment rule: proposals for merchants whose figures call for a
warning, suspension, removal or readmission. It only proposes; a manager decides."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.integration.merchants import service
from hotline.kit import jobs

log = logging.getLogger(__name__)
RULE_JOB = "merchants.adjustment_rule"


@jobs.handler(RULE_JOB, every=dt.timedelta(days=1))
def run_rule(session: Session, payload: dict[str, Any]) -> None:
    raised = service.raise_proposals(session)
    if raised:
        log.info("merchant adjustment rule: %d proposals raised", len(raised))
