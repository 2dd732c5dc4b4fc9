"""Background jobs of the work orders: writing the export jobs' files, dropping them after 7 days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import jobs
from hotline.kit.db import SessionFactory
from hotline.workorder import export_jobs


@jobs.long_handler(export_jobs.JOB)
def export(factory: SessionFactory, payload: dict[str, Any]) -> None:
    export_jobs.run(factory, payload)


@jobs.handler(export_jobs.PURGE_JOB, every=dt.timedelta(hours=6))
def purge_exports(session: Session, payload: dict[str, Any]) -> None:
    export_jobs.purge(session)
