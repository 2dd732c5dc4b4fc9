"""The one place the platform reads the time.

Everything else calls :func:`now` so that tests can travel in time with ``time_machine``
and every timestamp is timezone-aware. Business dates (deadlines, rankings) are reckoned in
China Standard Time, which has no daylight saving.
"""

from __future__ import annotations

import datetime as dt

CST = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in China Standard Time (the hotline's business calendar)."""
    return now().astimezone(CST).date()


def monotonic() -> float:
    """Seconds on a monotonic clock, for measuring durations."""
    import time

    return time.monotonic()


def as_aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes for aware columns; they are stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
