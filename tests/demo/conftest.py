"""The demo province loaded once per module into a database of its own, at a fixed instant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

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


@pytest.fixture(scope="module")
def demo(engine: sa.Engine, request: pytest.FixtureRequest) -> Iterator[Demo]:
    """``engine`` is asked for so that the PII keys are configured."""
    from hotline.demo import data

    url, cleanup = fresh_database_url("demo")
    migrate.upgrade(url)
    own = make_engine(url)
    year = getattr(request.module, "DEMO_YEAR_ORDERS", SMALL_YEAR)
    with pytest.MonkeyPatch.context() as patch, time_machine.travel(LOADED_AT, tick=False), Session(own) as session:
        if year is not None:
            patch.setenv("HOTLINE_DEMO_YEAR_ORDERS", str(year))
        data.load(session)
        session.commit()
    yield Demo(engine=own, factory=sessionmaker(bind=own, expire_on_commit=False), loaded_at=LOADED_AT)
    own.dispose()
    cleanup()  # type: ignore[operator]


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
