"""Rate limits shared by every process and host: counters in the database.

A limit counts the hits of one *subject* (a client address, a phone number, an account, an
order number …) in fixed windows. The counter is a row of ``rate_counter``, updated with one
atomic upsert in the caller's session, so ``hotline serve --workers 4`` and several hosts on
PostgreSQL share it, and a hit counts only if the caller's transaction commits. Subjects are
stored only as keyed hashes (the blind-index key), never as the phone number or address itself.

A refused hit raises :class:`TooManyRequests` (429, with the seconds to wait), which rolls the
request back; the hits that were allowed have already been counted by then. Callers that must
react before the refusal (an audit alert when someone reads many citizens in a row) look at
:attr:`Decision.count` of an allowed hit. :func:`once` is the same counter used as a
deduplicator: something done at most once per window and subject (a security alert and its
texts, once an hour per client address or account).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, String, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.kit import clock, crypto
from hotline.kit.db import Base, UTCDateTime, table_of
from hotline.kit.errors import HotlineError


class RateCounter(Base):
    """Hits of one subject under one limit in the current window."""

    __tablename__ = "rate_counter"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class TooManyRequests(HotlineError):
    """The caller went over a limit: 429, with how long to wait (also as ``Retry-After``)."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    """At most ``hits`` per ``window`` for each subject. ``name`` keeps limits apart and
    appears in no response; ``message`` is what the refused caller reads (Chinese)."""

    name: str
    hits: int
    window: dt.timedelta
    message: str = "操作过于频繁，请稍后再试"


@dataclass(frozen=True)
class Decision:
    count: int  # hits in the current window, this one included
    retry_after: int  # seconds until the window ends


def _window_start(limit: Limit, now: dt.datetime) -> dt.datetime:
    seconds = max(1, int(limit.window.total_seconds()))
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def _key(limit: Limit, subject: str) -> str:
    return f"{limit.name[:40]}:{crypto.cipher().blind_index('ratelimit:' + subject)}"


def count(session: Session, limit: Limit, subject: str) -> Decision:
    """Count one hit of ``subject`` (any string: it is hashed before it is stored) and return
    the window's total. Never refuses: see :func:`hit`."""
    now = clock.now()
    start = _window_start(limit, now)
    table = table_of(RateCounter)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(key=_key(limit, subject), window_start=start, hits=1)
    # Same window: one more hit; a new window: start again at 1.
    same_window = case((table.c.window_start == stmt.excluded.window_start, table.c.hits + 1), else_=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=[table.c.key], set_={"hits": same_window, "window_start": stmt.excluded.window_start},
    ).returning(table.c.hits)
    hits = int(session.execute(upsert).scalar_one())
    retry = int((start + limit.window - now).total_seconds()) + 1
    return Decision(count=hits, retry_after=max(1, retry))


def hit(session: Session, limit: Limit, subject: str) -> Decision:
    """Count one hit and refuse it (:class:`TooManyRequests`) past ``limit.hits``."""
    decision = count(session, limit, subject)
    if decision.count > limit.hits:
        raise TooManyRequests(limit.message, retry_after=decision.retry_after)
    return decision


def once(session: Session, limit: Limit, subject: str) -> bool:
    """Whether this is the first hit of ``subject`` in ``limit``'s current window (counting
    it): do the thing now if so, not again before the window ends. Shared by every process
    and host, and only counted if the caller's transaction commits."""
    return count(session, limit, subject).count == 1


def purge(session: Session, *, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Forget counters whose window ended long ago (a periodic job calls this)."""
    cutoff = clock.now() - older_than
    result = session.execute(delete(RateCounter).where(RateCounter.window_start < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def peek(session: Session, limit: Limit, subject: str) -> Decision:
    """The hits of ``subject`` in the current window, counting none: a lock fed only by
    failures (wrong guesses) is checked with this before the attempt, and fed with
    :func:`count` after a failure."""
    now = clock.now()
    start = _window_start(limit, now)
    row = session.execute(
        select(RateCounter.hits, RateCounter.window_start).where(RateCounter.key == _key(limit, subject))
    ).first()
    hits = int(row.hits) if row is not None and row.window_start == start else 0
    retry = int((start + limit.window - now).total_seconds()) + 1
    return Decision(count=hits, retry_after=max(1, retry))
