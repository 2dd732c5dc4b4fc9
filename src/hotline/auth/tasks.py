"""Background jobs of accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hotline.auth import repository
from hotline.auth.models import LoginAttempt
from hotline.kit import clock, jobs

#: Login attempts are kept this long for forensics, then purged.
LOGIN_ATTEMPT_RETENTION = dt.timedelta(days=180)


@jobs.handler("auth.housekeeping", every=dt.timedelta(hours=1))
def housekeeping(session: Session, payload: dict[str, Any]) -> None:
    """Remove expired browser sessions and old login attempts."""
    now = clock.now()
    repository.delete_expired_sessions(session, now)
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - LOGIN_ATTEMPT_RETENTION))
