"""A small in-process cache with a time-to-live, for data read on every request that changes
rarely (the caller behind a token, reference data). Each process holds its own copy; a
change made in one process clears that process's copy at once. Reference rows reach the
other processes within a second: triggers on the watched tables count every change in the
one-row table ``reference_version``, which each process reads at most once a second
(:func:`notice_changes`, called by the web middleware and the worker's loop) and clears its
reference caches when it moved; the time-to-live is the backstop (see
docs/adr/0006-request-path.md and 0034). Expiry follows :func:`hotline.kit.clock.now`, so
tests that travel in time see entries expire."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import BigInteger, Integer, event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Mapper, Session, make_transient_to_detached, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from hotline.kit import clock
from hotline.kit.db import Base, SessionFactory

log = logging.getLogger(__name__)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self.max_entries = max_entries
        self._entries: dict[K, tuple[dt.datetime, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= clock.now():
            with self._lock:
                self._entries.pop(key, None)
            return None
        return value

    def put(self, key: K, value: V, *, not_after: dt.datetime | None = None) -> None:
        """Keep ``value`` for the time-to-live, or until ``not_after`` if that comes first."""
        expires_at = clock.now() + self.ttl
        if not_after is not None and not_after < expires_at:
            expires_at = not_after
        with self._lock:
            if len(self._entries) >= self.max_entries and key not in self._entries:
                self._entries.pop(next(iter(self._entries)))  # the oldest insertion
            self._entries[key] = (expires_at, value)

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        value = self.get(key)
        if value is None:
            value = load()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# --- reference rows ------------------------------------------------------------------------
#
# Regions, units, categories, channels, the direct-dispatch catalogue and the calendar are
# read by every intake and change a few times a month. Their rows are cached as detached,
# read-only copies shared by every request of the process: reading a column costs nothing,
# and touching a relationship that was not loaded fails loudly (DetachedInstanceError)
# instead of querying. Any flush that touches one of the watched tables clears every
# reference cache once its transaction commits, so no write site can forget to.

_REFERENCE_CACHES: list[TtlCache[Any, Any]] = []
_WATCHED: set[type] = set()
_CLEAR = "reference_caches_stale"


class ReferenceVersion(Base):
    """One row: how many changes the watched reference tables have seen (their triggers add
    one per statement on PostgreSQL, per row on SQLite; made by the migration)."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


#: How often a process asks whether another one changed reference rows.
VERSION_CHECK_SECONDS = 1.0
_version_lock = threading.Lock()
_version: dict[str, Any] = {"seen": None, "at": float("-inf")}


def check_due() -> bool:
    """Whether this process should look at the counter now (at most once per
    :data:`VERSION_CHECK_SECONDS`); claims the look, so only one caller gets True."""
    now = time.monotonic()
    with _version_lock:
        if now - _version["at"] < VERSION_CHECK_SECONDS:
            return False
        _version["at"] = now
        return True


def read_version(factory: SessionFactory) -> bool:
    """Read the counter through ``factory`` (a read session) and clear this process's
    reference caches if it moved since the last look. Returns whether it cleared them."""
    try:
        with factory() as session:
            current = session.execute(select(ReferenceVersion.n).where(ReferenceVersion.id == 1)).scalar()
            session.rollback()
    except SQLAlchemyError as exc:  # the caches stay; the time-to-live still bounds them
        log.warning("reference version not read: %s", type(exc).__name__)
        return False
    with _version_lock:
        changed = current != _version["seen"]
        _version["seen"] = current
    if changed:
        clear_reference_caches()
    return changed


def notice_changes(factory: SessionFactory) -> bool:
    """Clear this process's reference caches if the watched tables changed since it last
    looked (in any process); looks at most once per :data:`VERSION_CHECK_SECONDS`. Returns
    whether it cleared them. (The web middleware claims the look with :func:`check_due` and
    reads in a worker thread: the event loop never waits for a connection.)"""
    return check_due() and read_version(factory)


def reference_cache(ttl_seconds: float = 600, max_entries: int = 10_000) -> TtlCache[Any, Any]:
    cache: TtlCache[Any, Any] = TtlCache(ttl_seconds, max_entries)
    _REFERENCE_CACHES.append(cache)
    return cache


def watch(*models: type) -> None:
    """Clear the reference caches whenever rows of these mapped classes change."""
    _WATCHED.update(models)


def clear_reference_caches() -> None:
    for cache in _REFERENCE_CACHES:
        cache.clear()


def detached_copy(obj: Any) -> Any:
    """A copy of a loaded row that belongs to no session: its columns, none of its
    relationships."""
    mapper: Mapper[Any] = sa_inspect(obj).mapper
    copy = mapper.class_manager.new_instance()
    for attr in mapper.column_attrs:
        set_committed_value(copy, attr.key, getattr(obj, attr.key))
    make_transient_to_detached(copy)
    return copy


def cached_rows(session: Session, cache: TtlCache[Any, Any], key: Hashable,
                load: Callable[[], list[Any]]) -> list[Any]:
    """``load()``'s rows from the cache when fresh, as shared read-only detached copies
    (never change them, never add them to a session). A session that has itself changed
    reference rows reads them afresh (attached) and caches nothing."""
    if changes_reference(session):
        return load()
    rows: list[Any] | None = cache.get(key)
    if rows is None:
        rows = [detached_copy(row) for row in load()]
        cache.put(key, rows)
    return rows


def changes_reference(session: Session) -> bool:
    """Whether this session's open transaction has changed (or is about to flush) watched rows."""
    return bool(session.info.get(_CLEAR)) or any(
        type(obj) in _WATCHED for obj in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "after_flush")
def _note_reference_changes(session: Session, _context: Any) -> None:
    if _WATCHED and any(type(obj) in _WATCHED for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CLEAR] = True


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    if session.info.pop(_CLEAR, False):
        clear_reference_caches()


@event.listens_for(Session, "after_soft_rollback")
def _clear_after_rollback(session: Session, _previous_transaction: Any) -> None:
    # Nothing it read was cached, but be safe: a rolled-back change leaves no trace.
    if session.info.pop(_CLEAR, False):
        clear_reference_caches()
