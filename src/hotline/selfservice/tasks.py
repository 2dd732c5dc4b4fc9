"""Background jobs of the public door."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.kit import jobs
from hotline.selfservice import service


@jobs.handler("selfservice.housekeeping", every=dt.timedelta(hours=1))
def housekeeping(session: Session, payload: dict[str, Any]) -> None:
    """Forget public submissions and withdrawal codes a day after they expired or were used."""
    service.housekeeping(session)
