"""Database plumbing shared by every domain: engine, sessions, base class, column types.

SQLite is the embedded default: WAL journal, foreign keys on, and every transaction opened
with ``BEGIN IMMEDIATE`` so that a transaction that reads and then writes can never fail
half-way on SQLite's single write lock (it waits for the lock up front instead; see
docs/adr/0002-sqlite-write-path.md). PostgreSQL (psycopg 3) is used when the URL says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from hotline.kit import crypto

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
    """Personal data encrypted at rest with SM4-GCM (see :mod:`hotline.kit.crypto`)."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return crypto.cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return crypto.cipher().decrypt(value)


def is_sqlite(url_or_engine: str | Engine) -> bool:
    url = url_or_engine if isinstance(url_or_engine, str) else str(url_or_engine.url)
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
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
