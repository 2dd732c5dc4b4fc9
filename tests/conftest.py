"""Test fixtures: a real database (SQLite by default, PostgreSQL when
``HOTLINE_TEST_DATABASE_URL`` is set), its schema built by Alembic once per run, and each test
inside a transaction that is rolled back at the end."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Settings for the whole run, before anything reads them.
_TMP = Path(tempfile.mkdtemp(prefix="hotline-test-"))
os.environ.update({
    "HOTLINE_DATA_DIR": str(_TMP),
    "HOTLINE_SECRET_KEY": "0" * 64,
    "HOTLINE_PII_KEYS": "t1:00112233445566778899aabbccddeeff",
    "HOTLINE_PII_INDEX_KEY": "11" * 32,
    "HOTLINE_ARGON2_TIME_COST": "1",
    "HOTLINE_ARGON2_MEMORY_KIB": "1024",
    "HOTLINE_LOG_JSON": "true",
})

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from hotline.app import create_app  # noqa: E402
from hotline.config import get_settings  # noqa: E402
from hotline.kit import crypto, migrate  # noqa: E402
from hotline.kit.db import make_engine  # noqa: E402
from tests.factories import World, build_world, login  # noqa: E402


def _base_url() -> str:
    return os.environ.get("HOTLINE_TEST_DATABASE_URL") or ""


def fresh_database_url(tag: str) -> tuple[str, object]:
    """A new empty database: an SQLite file, or a PostgreSQL schema of its own.
    Returns the URL and a cleanup callable."""
    base = _base_url()
    if not base:
        path = _TMP / f"{tag}-{secrets.token_hex(4)}.db"
        return f"sqlite:///{path}", lambda: None
    schema = f"t_{tag}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"

    def cleanup() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    return url, cleanup


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url, cleanup = fresh_database_url("suite")
    migrate.upgrade(url)
    yield url
    cleanup()  # type: ignore[operator]


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    settings = get_settings()
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def factory(connection: sa.Connection) -> sessionmaker[Session]:
    """Sessions whose commits are savepoints inside the test's outer transaction."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    yield session
    session.close()


@pytest.fixture(scope="session")
def _world(engine: sa.Engine) -> World:
    """Built and committed once per run; every test's own changes are rolled back."""
    with Session(engine) as session:
        world = build_world(session)
        session.commit()
    return world


@pytest.fixture
def world(_world: World, connection: sa.Connection) -> World:
    return _world


@pytest.fixture
def own_database(engine: sa.Engine) -> Iterator[tuple[str, World]]:
    """A database of the test's own, migrated and holding the test world, for tests whose
    concurrent transactions really commit (the shared database stays untouched)."""
    url, cleanup = fresh_database_url("own")
    migrate.upgrade(url)
    own = make_engine(url)
    with Session(own) as session:
        built = build_world(session)
        session.commit()
    own.dispose()
    yield url, built
    cleanup()  # type: ignore[operator]


@pytest.fixture
def hotline(monkeypatch, own_database) -> Iterator:  # type: ignore[type-arg]
    """``hotline(argv)`` runs the command line against a database of the test's own (the
    command's output is in ``capsys``)."""
    url, _world = own_database
    from hotline import cli

    original = crypto.cipher()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def run(argv: list[str]) -> int:
        monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
        get_settings.cache_clear()
        try:
            return cli.main(argv)
        finally:
            get_settings.cache_clear()

    run.url = url  # type: ignore[attr-defined]
    yield run
    crypto._cipher = original
    root.handlers[:], root.level = handlers, level


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """Each test rolls the database back under the cache's feet; production never does."""
    from hotline.auth import service as auth_service
    from hotline.intelligence import service as intelligence_service
    from hotline.kit import cache
    from hotline.notify import service as notify_service

    auth_service.clear_principal_cache()
    cache.clear_reference_caches()
    intelligence_service.forget_models()
    yield
    auth_service.clear_principal_cache()
    cache.clear_reference_caches()
    notify_service.use_wordings(None)  # an app of this test read the wordings through its connection


class _RunningTestFactory:
    """The shared application's session factory: the running test's (sessions on its
    connection, inside its transaction)."""

    def __init__(self) -> None:
        self.current: sessionmaker[Session] | None = None

    def _target(self) -> sessionmaker[Session]:
        assert self.current is not None, "the application is used outside a test"
        return self.current

    def __call__(self, **kw: object) -> Session:
        return self._target()(**kw)  # type: ignore[arg-type]

    @property
    def kw(self) -> dict[str, object]:
        return self._target().kw


@pytest.fixture(scope="session")
def _shared_app():  # type: ignore[no-untyped-def]
    """One application for the run: FastAPI builds each route's dependencies on an app's first
    requests, half a second of CPU that every test paid again with an app of its own."""
    running = _RunningTestFactory()
    return create_app(get_settings(), session_factory=running), running  # type: ignore[arg-type]


@pytest.fixture
def app(_shared_app, factory: sessionmaker[Session]) -> Iterator:  # type: ignore[no-untyped-def]
    from hotline.notify import service as notify_service
    from hotline.notify import wording

    shared, running = _shared_app
    running.current = factory
    settings = get_settings()  # the test's (a test may have cleared the cache and patches this one)
    shared.state.settings = settings
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    notify_service.use_wordings(lambda: wording.load(running))
    yield shared
    running.current = None


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


@pytest.fixture
def api(app, world: World):  # type: ignore[no-untyped-def]
    """``api(username)`` → a TestClient logged in as that user (session cookie + CSRF header);
    ``api("ivr")`` uses the service account's bearer token."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        c = TestClient(app)
        clients.append(c)
        if username in world.tokens:
            c.headers["Authorization"] = f"Bearer {world.tokens[username]}"
            return c
        return login(c, username)

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def travel(time_machine):  # type: ignore[no-untyped-def]
    """Time travel from now: ``travel.shift(seconds)``, ``travel.move_to(instant)``."""
    import datetime as dt

    time_machine.move_to(dt.datetime.now(dt.UTC), tick=True)
    return time_machine
