"""Background job of call statistics: every minute, bring the hourly rollup up to date
(the hours a late or new event made stale, and the wrap-up spells of the hours gone by)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from hotline.kit import jobs
from hotline.kit.db import SessionFactory, transaction
from hotline.telephony.stats import service

log = logging.getLogger(__name__)

ROLLUP_JOB = "cti.stats_rollup"


@jobs.long_handler(ROLLUP_JOB, every=dt.timedelta(minutes=1))
def roll_up(factory: SessionFactory, payload: dict[str, Any]) -> None:
    with transaction(factory) as session:
        result = service.rollup(session)
    if result.call_hours or result.wrap_hours:
        log.info("call statistics rolled up: %s call hours, %s wrap-up hours", result.call_hours, result.wrap_hours)
