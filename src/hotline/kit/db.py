"""Database plumbing shared by every domain: engine, sessions, base class, column types.

SQLite is the embedded default: WAL journal, foreign keys on, and every transaction opened
with ``BEGIN IMMEDIATE`` so that a transaction that reads and then writes can never fail
half-way on SQLite's single write lock (it waits for the lock up front instead; see
docs/adr/0002-sqlite-write-path.md). PostgreSQL (psycopg 3) is used when the URL says so.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter
from sqlalchemy import DateTime, Engine, MetaData, String, Table, create_engine, event, func, insert, select, text
from sqlalchemy.engine import CursorResult, Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql import Executable, Insert, Select
from sqlalchemy.types import TypeDecorator

from hotline.kit import crypto
from hotline.kit.errors import HotlineError

log = logging.getLogger(__name__)

#: Stored personal values that failed to decrypt: alert on any increase (docs/operations.md).
UNDECRYPTABLE = Counter("hotline_pii_undecryptable_total", "Stored personal-data values that failed to decrypt")

#: Ids taken from callers are 32-bit on both databases; larger values are refused up front.
MAX_ID = 2_147_483_647

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware timestamp stored as UTC; SQLite hands back naive values, made aware here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class EncryptedString(TypeDecorator[str]):
    """Personal data encrypted at rest with SM4-GCM (see :mod:`hotline.kit.crypto`).

    A stored value that does not decrypt (a key missing from the keyring, a tampered value)
    reads as :data:`crypto.UNREADABLE` — shown as such on pages and in the API — instead of
    failing the whole page; each one is counted (``hotline_pii_undecryptable_total``) and
    logged as an alert without the value. The marker is never written back: storing it
    raises :class:`UnreadableValue`, so no save can replace real data with it."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value == crypto.UNREADABLE:
            raise UnreadableValue("个人信息无法解密，不能保存：请先恢复原来的密钥")
        return crypto.cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return crypto.cipher().decrypt(value)
        except Exception:  # unknown key id, wrong key, tampered or truncated value
            UNDECRYPTABLE.inc()
            log.error("a stored personal-data value (key id %r) does not decrypt with the configured keys; "
                      "shown as unreadable", crypto.cipher().key_id_of(value)[:16],
                      extra={"alert": "pii_undecryptable"})
            return crypto.UNREADABLE


class UnreadableValue(HotlineError):
    """An undecryptable personal-data value was about to be saved over the real one."""

    status_code = 409
    code = "pii_unreadable"


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


#: Compiled statements an engine keeps (SQLAlchemy's default is 500). The platform runs far
#: more distinct statements than that — every page, job, search filter combination — and a
#: statement pushed out is compiled again on its next use (~1 ms for an order's row with its
#: joined tables).
QUERY_CACHE_SIZE = 4000


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("query_cache_size", QUERY_CACHE_SIZE)
    if is_sqlite(url):
        # One connection: SQLite has one writer, and threads queueing for the pool wake at
        # once, where threads contending for the file lock sleep in SQLite's busy handler.
        kwargs.setdefault("poolclass", QueuePool)
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_read_engine(url: str) -> Engine:
    """An engine for reads that must never wait for a writer: planning an intake on the event
    loop (docs/adr/0007-group-commit.md). On SQLite its connections are read-only, take no
    write lock and no ``flock``, and read the latest committed state (WAL readers never
    block the writer nor wait for it). PostgreSQL needs nothing special: plain reads never
    wait for writers there."""
    if not is_sqlite(url):
        return make_engine(url, pool_size=2)
    engine = create_engine(url, poolclass=QueuePool, pool_size=2, max_overflow=2, pool_timeout=30,
                           connect_args={"check_same_thread": False, "timeout": 30}, query_cache_size=QUERY_CACHE_SIZE)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # autocommit: every statement sees the latest commit
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    _serialise_processes(engine)


def _serialise_processes(engine: Engine) -> None:
    """Queue the web processes for the database file's write lock in the kernel.

    Each process has one pooled connection, so its threads already queue in the pool. Across
    processes, SQLite's own busy handler would poll the lock with growing sleeps (up to 100
    ms) and let a waiter starve; an exclusive ``flock`` on a companion file, held while a
    process has its connection checked out, wakes the next process the moment the lock is
    free. In-memory databases and systems without ``fcntl`` keep SQLite's handler."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    lock_file = open(f"{database}.lock", "a+b")  # noqa: SIM115 - lives as long as the engine

    @event.listens_for(engine, "checkout")
    def _take(_dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)

    @event.listens_for(engine, "checkin")
    def _give(_dbapi_conn: Any, _record: Any) -> None:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


#: Rows SQLite samples per index when it refreshes its planner statistics (a few ms a table).
ANALYSIS_LIMIT = 1000


def refresh_planner_statistics(session: Session) -> None:
    """SQLite: sample every index again for the query planner (``ANALYZE`` with a row limit, so
    it stays cheap at millions of rows). Without these statistics SQLite guesses, and guesses
    badly on the big tables: a statistics drill-down read a month's closed orders through the
    status index (2 s) rather than along registration time (30 ms). PostgreSQL's autovacuum
    keeps its own statistics; nothing to do there."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}"))
        session.execute(text("ANALYZE"))


def table_of(model: type[Any]) -> Table:
    """The table of a mapped class, for Core statements (typed for mypy)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


# --- the write path's statements ---------------------------------------------------------------
#
# A statement built for each call and run through the session costs ~100 µs of SQLAlchemy
# before the database sees it (building the clause, its cache key, the ORM's execution
# layer); one built once and run on the session's connection ~17 µs. An intake's
# transaction runs about a dozen (docs/performance.md), so the statements every write runs
# are built once, with bound parameters, and run through :func:`run`.


def run(session: Session, statement: Executable, params: dict[str, Any] | list[dict[str, Any]] | None = None,
        ) -> CursorResult[Any]:
    """Run a prebuilt Core ``statement`` on the session's connection, in its transaction. No
    autoflush: only for statements that need none of the session's pending objects (the
    session's own Core statements never had one either)."""
    return session.connection().execute(statement, params)


@functools.cache
def _insert_into(table: Table) -> Insert:
    return insert(table)


@functools.cache
def _largest_id(table: Table) -> Select[tuple[Any]]:
    return select(func.max(table.c.id))


def insert_many(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Insert rows (all with the same keys) in one Core ``executemany`` (SQLite: one
    prepared statement; psycopg: one pipeline). Column types (encryption, UTC) and
    defaults apply as usual."""
    if rows:
        run(session, _insert_into(table_of(model)), rows)


def reserve_ids(session: Session, model: type[Any], count: int) -> list[int]:
    """``count`` new primary keys of ``model``'s table, in order, so that a batch can be
    inserted in one statement without RETURNING (which SQLite cannot order). PostgreSQL
    draws them from the table's sequence; SQLite continues after the largest id, which is
    safe because the transaction holds the database's write lock (BEGIN IMMEDIATE)."""
    if count <= 0:
        return []
    table = table_of(model)
    if session.get_bind().dialect.name == "postgresql":
        seq = func.pg_get_serial_sequence(table.name, "id")
        stmt = select(func.nextval(seq)).select_from(func.generate_series(1, count))
        return sorted(int(i) for i in session.execute(stmt).scalars())
    last = run(session, _largest_id(table)).scalar() or 0
    return list(range(int(last) + 1, int(last) + 1 + count))


SessionFactory = sessionmaker[Session]


def make_session_factory(engine: Engine) -> SessionFactory:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: SessionFactory) -> Iterator[Session]:
    """The unit of work of a request or a job: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
