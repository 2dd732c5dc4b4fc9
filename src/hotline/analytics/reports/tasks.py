"""The scheduled drafts: on the first working day of each month, last month's analysis (and
in January and July the last half-year's) for every hotline centre's region, once each."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics.reports import service
from hotline.kit import jobs

log = logging.getLogger(__name__)
SCHEDULE_JOB = "reports.scheduled_drafts"


@jobs.handler(SCHEDULE_JOB, every=dt.timedelta(hours=1))
def scheduled_drafts(session: Session, payload: dict[str, Any]) -> None:
    """Hourly, so a stopped worker catches up the same day; the drafts' keys make a second
    run (or a second worker) draft nothing."""
    made = service.draft_scheduled(session)
    if made:
        log.info("scheduled report drafts: %d", len(made))
