"""Shared fixtures of the browser tests: a real ``hotline demo`` server on SQLite (one per test
module), Chromium driven through Playwright, and people logged in.

Run with ``pytest tests/e2e`` (or ``-m e2e``). Needs Debian's ``/usr/bin/chromium`` and a CJK font."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from sqlalchemy.orm import Session

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "hotline2026"
STARTUP_SECONDS = 180.0  # the demo writes four months of history; slow on a busy machine
# A fresh demo server runs each periodic job for the first time in its first minute (the call
# statistics' first roll-up holds the writer some seconds); with the other suite and a browser on
# two cores, a request can then wait longer than Playwright's default 5 s. Speed is measured by
# bench/, not here: the expectations wait up to 20 s for what they assert.
expect.set_options(timeout=20_000)


@dataclass(frozen=True)
class Server:
    url: str
    tmp: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 (local http)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOTLINE_DATABASE_URL", "HOTLINE_TEST_DATABASE_URL")}
    env["HOTLINE_DATA_DIR"] = str(data_dir)
    # The demo's year of orders for the statistics workbench costs half a minute of start-up;
    # only the modules that need it ask for it (tests/e2e/test_statistics.py).
    env.setdefault("HOTLINE_DEMO_YEAR_ORDERS", "0")
    # The server runs in tmp: a relative PYTHONPATH (``PYTHONPATH=src``) would name nothing
    # there and the server would import whatever checkout the venv's editable install points at.
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(str(Path(p).resolve()) for p in env["PYTHONPATH"].split(os.pathsep) if p)
    return env


_HOTLINE = Path(sys.executable).with_name("hotline")


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """``demo_data(year_orders)`` → a data directory holding the loaded demo province, written
    once per run by ``hotline demo --no-serve`` (half a minute of CPU) and copied by each
    module's server, which then starts on a demo of its own without loading it again."""
    made: dict[str, Path] = {}

    def template(year_orders: str) -> Path:
        if year_orders not in made:
            tmp = tmp_path_factory.mktemp(f"demo-{year_orders}")
            env = _server_env(tmp / "data")
            env["HOTLINE_DEMO_YEAR_ORDERS"] = year_orders
            done = subprocess.run([str(_HOTLINE), "demo", "--no-serve"], cwd=tmp, env=env,
                                  capture_output=True, timeout=STARTUP_SECONDS, check=False)
            if done.returncode != 0:
                pytest.fail(f"hotline demo --no-serve exited with {done.returncode}:\n"
                            f"{done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}")
            made[year_orders] = tmp / "data"
        return made[year_orders]

    yield template


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_data) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _server_env(tmp / "data")
    shutil.copytree(demo_data(env["HOTLINE_DEMO_YEAR_ORDERS"]), tmp / "data")
    log_path = tmp / "server.log"
    hotline = _HOTLINE
    with log_path.open("wb") as log:
        # cwd=tmp so that no .env file of the checkout leaks settings into the server.
        process = subprocess.Popen([str(hotline), "demo", "--port", str(port)], cwd=tmp, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if process.poll() is not None:
                output = log_path.read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"hotline demo exited with {process.returncode} before serving:\n{output}")
            if time.monotonic() > deadline:
                output = log_path.read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"hotline demo not healthy after {STARTUP_SECONDS:.0f} s:\n{output}")
            time.sleep(0.25)
        yield Server(url=url, tmp=tmp)
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def person(browser: Browser, server: Server) -> Iterator[object]:
    """``person(username)`` → a page in a browser context of its own, logged in."""
    contexts: list[BrowserContext] = []

    def open_as(username: str) -> Page:
        context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1360, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.locator("h1")).to_have_text("工作台")
        return page

    yield open_as
    for context in contexts:
        context.close()


def nav_to(page: Page, label: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True).click()


@contextmanager
def demo_db(server: Server) -> Iterator[Session]:
    """A session on the demo server's SQLite database, committed at the end, with the PII keys of
    the test run (which the server inherited) configured — for setting up what a test needs."""
    from hotline.config import get_settings
    from hotline.kit import cache, crypto
    from hotline.kit.db import make_engine, make_session_factory, transaction

    settings = get_settings()
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    cache.clear_reference_caches()
    engine = make_engine(f"sqlite:///{server.tmp / 'data' / 'hotline.db'}")
    try:
        with transaction(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()
        cache.clear_reference_caches()


@pytest.fixture(scope="module")
def quiet_demo() -> Iterator[None]:
    """Request before ``server`` (or use autouse in a module): the demo posts no simulated call
    stream, so a test's own calls are the only ones of today and the figures it expects hold."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DEMO_CALL_STREAM", "0")
        yield


def cti_token(session: Session, *, username: str) -> str:
    """A CTI service account of the 青川市 centre and its API token (as the admin issues it)."""
    from hotline.auth import repository as auth_repository
    from hotline.auth import service as auth_service
    from hotline.auth.models import Role
    from hotline.auth.principal import Principal

    admin_user = auth_repository.user_by_username(session, "admin")
    agent_user = auth_repository.user_by_username(session, "agent")
    assert admin_user is not None and agent_user is not None
    admin = Principal.of(admin_user)
    pbx = auth_service.create_user(session, admin, username=username, display_name=username,
                                   role=Role.cti, unit_id=agent_user.unit_id, password=None, is_service=True)
    token, _ = auth_service.issue_api_token(session, admin, pbx, name=username, days=None)
    return str(token)


CST = dt.timezone(dt.timedelta(hours=8))


def at(base: dt.datetime, seconds: float) -> str:
    """``base`` + ``seconds`` as the PBX writes it: ISO-8601 in China time."""
    return (base + dt.timedelta(seconds=seconds)).astimezone(CST).isoformat()


def post_events(server: Server, token: str, events: list[dict[str, object]]) -> None:
    """The PBX posts call events; all of them must be accepted."""
    import httpx

    response = httpx.post(f"{server.url}/api/v1/cti/events", headers={"Authorization": f"Bearer {token}"},
                          json=events, timeout=30)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == len(events), response.text
