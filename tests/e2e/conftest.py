"""Shared fixtures of the browser tests: a real ``hotline demo`` server on SQLite (one per test
module), Chromium driven through Playwright, and people logged in.

Run with ``pytest tests/e2e`` (or ``-m e2e``). Needs Debian's ``/usr/bin/chromium`` and a CJK font."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "hotline2026"
STARTUP_SECONDS = 180.0  # the demo writes four months of history; slow on a busy machine


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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOTLINE_DATABASE_URL", "HOTLINE_TEST_DATABASE_URL")}
    env["HOTLINE_DATA_DIR"] = str(tmp / "data")
    log_path = tmp / "server.log"
    hotline = Path(sys.executable).with_name("hotline")
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
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label).click()
