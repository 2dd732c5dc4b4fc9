"""The one place the platform reads the time.

Everything else calls :func:`now` so that tests can travel in time with ``time_machine``
and every timestamp is timezone-aware. Business dates (deadlines, rankings) are reckoned in
China Standard Time, which has no daylight saving.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

CST = dt.timezone(dt.timedelta(hours=8), "CST")


_PINNED: ContextVar[dt.datetime | None] = ContextVar("hotline_clock_pinned", default=None)


def now() -> dt.datetime:
    """The current instant, aware, in UTC (or the instant pinned by :func:`pinned`)."""
    return _PINNED.get() or dt.datetime.now(dt.UTC)


@contextmanager
def pinned(at: dt.datetime) -> Iterator[None]:
    """Inside the block, :func:`now` is ``at``: for writing history through the ordinary
    services as of a past instant (the demo's past months), so that every timestamp, deadline
    and event of that history is the one it would have had."""
    if at.tzinfo is None:
        raise ValueError("a pinned instant must be timezone-aware")
    token = _PINNED.set(at.astimezone(dt.UTC))
    try:
        yield
    finally:
        _PINNED.reset(token)


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
