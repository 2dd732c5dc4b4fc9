"""The demo province loaded once per run (per size of its year) into a database of its own, at a
fixed instant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.orm import Session, sessionmaker

from hotline.kit import clock, migrate
from hotline.kit.db import make_engine
from tests.conftest import fresh_database_url

#: When the demo is loaded: a Thursday morning, China time.
LOADED_AT = dt.datetime(2026, 12, 3, 10, 15, tzinfo=clock.CST)


@dataclass(frozen=True)
class Demo:
    engine: sa.Engine
    factory: sessionmaker[Session]
    loaded_at: dt.datetime


#: The demo's year of orders for the statistics costs about a minute to load: a module gets a
#: small year unless it says how many it needs (``DEMO_YEAR_ORDERS``; None: the demo's own number).
SMALL_YEAR = 150


@dataclass
class _Loaded:
    demos: dict[int | None, Demo] = field(default_factory=dict)
    cleanups: list[Callable[[], None]] = field(default_factory=list)


@pytest.fixture(scope="session")
def _loaded(engine: sa.Engine) -> Iterator[_Loaded]:
    """The demos loaded in this run, by the size of their year: each is loaded once and shared
    by the modules asking for it (they read it through :func:`demo_db`, whose changes are rolled
    back). ``engine`` is asked for so that the PII keys are configured."""
    loaded = _Loaded()
    yield loaded
    for demo in loaded.demos.values():
        demo.engine.dispose()
    for cleanup in loaded.cleanups:
        cleanup()


@pytest.fixture(scope="module")
def demo(_loaded: _Loaded, request: pytest.FixtureRequest) -> Demo:
    from hotline.demo import data

    year = getattr(request.module, "DEMO_YEAR_ORDERS", SMALL_YEAR)
    if year not in _loaded.demos:
        url, cleanup = fresh_database_url("demo")
        _loaded.cleanups.append(cleanup)  # type: ignore[arg-type]
        migrate.upgrade(url)
        own = make_engine(url)
        with (pytest.MonkeyPatch.context() as patch, time_machine.travel(LOADED_AT, tick=False),
              Session(own) as session):
            if year is not None:
                patch.setenv("HOTLINE_DEMO_YEAR_ORDERS", str(year))
            data.load(session)
            session.commit()
        _loaded.demos[year] = Demo(engine=own, factory=sessionmaker(bind=own, expire_on_commit=False),
                                   loaded_at=LOADED_AT)
    return _loaded.demos[year]


@pytest.fixture
def demo_db(demo: Demo) -> Iterator[Session]:
    """A session on the demo database whose changes are rolled back."""
    connection = demo.engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield session
    session.close()
    transaction.rollback()
    connection.close()
