"""Two live platforms in one test: each its own database (an SQLite file or a PostgreSQL
schema), its own test world and its own uvicorn server on 127.0.0.1; the relay is run by
hand (``platform.relay()``) so a test decides when messages move."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.config import get_settings
from hotline.integration.federation import tasks
from hotline.kit import migrate
from hotline.kit.db import make_engine, make_session_factory, transaction
from tests.conftest import fresh_database_url
from tests.factories import PASSWORD, World, build_world


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Platform:
    tag: str
    url: str
    factory: Any
    world: World
    server: uvicorn.Server
    thread: threading.Thread
    cleanup: Callable[[], None]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, username: str | None = None) -> httpx.Client:
        c = httpx.Client(base_url=self.url, timeout=30)
        self.clients.append(c)
        if username is not None:
            response = c.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.text
            c.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return c

    @contextmanager
    def session(self) -> Iterator[Session]:
        with transaction(self.factory) as s:
            yield s

    def relay(self) -> int:
        """Rounds of the relay until nothing is left to do now."""
        total = 0
        for _ in range(20):
            done = tasks.relay(self.factory)
            total += done
            if not done:
                break
        return total

    def stop(self) -> None:
        for c in self.clients:
            c.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.factory.kw["bind"].dispose()
        self.cleanup()


def start_platform(tag: str) -> Platform:
    url, cleanup = fresh_database_url(tag)
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with Session(engine) as session:
        world = build_world(session)
        session.commit()
    app = create_app(get_settings(), session_factory=factory)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"platform-{tag}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    return Platform(tag, f"http://127.0.0.1:{port}", factory, world, server, thread, cleanup)  # type: ignore[arg-type]


@pytest.fixture
def two_platforms(engine) -> Iterator[tuple[Platform, Platform]]:  # type: ignore[no-untyped-def]
    """Two live platforms, not yet peered (``engine`` first: the crypto keys are configured)."""
    a = start_platform("fed_a")
    try:
        b = start_platform("fed_b")
    except BaseException:
        a.stop()
        raise
    yield a, b
    b.stop()
    a.stop()


def peer(a: Platform, b: Platform, *, contact_policy: str = "full", categories: list[str] | None = None
         ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A adds B (making the pair's key), B adds A with that key."""
    made = a.client("admin").post("/api/v1/federation/peers", json={
        "name": "b", "display_name": "乙市", "url": b.url, "contact_policy": contact_policy,
        "category_codes": categories or []})
    assert made.status_code == 201, made.text
    first = made.json()
    done = b.client("admin").post("/api/v1/federation/peers", json={
        "name": "a", "display_name": "甲市", "url": a.url, "key_id": first["key_id"], "secret": first["secret"],
        "category_codes": categories or []})
    assert done.status_code == 201, done.text
    assert done.json()["secret"] is None
    return first, done.json()
