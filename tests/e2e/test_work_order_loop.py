"""The closed loop in a real browser against ``hotline demo``: an agent takes a call in the
intake console, a dispatcher dispatches it to 青川市住房和城乡建设局 (unless the catalogue
dispatched it directly), the handler signs and replies, the dispatcher accepts the reply, the
agent records a satisfied callback, and the order reads 已办结.

Run with ``pytest tests/e2e`` (or ``-m e2e``). Needs Debian's ``/usr/bin/chromium``."""

from __future__ import annotations

import os
import re
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

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "hotline2026"
STARTUP_SECONDS = 60.0
UNIT = "青川市住房和城乡建设局"


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
    tmp = tmp_path_factory.mktemp("e2e-loop")
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


def test_a_call_goes_round_the_whole_loop_to_closed_in_the_browser(person, server: Server) -> None:  # type: ignore[no-untyped-def]
    # The agent takes the call in the intake console, keyboard first.
    agent = person("agent")
    nav_to(agent, "受理台")
    expect(agent.locator("#f-phone")).to_be_focused()
    agent.keyboard.type("13800138000")
    agent.keyboard.press("Enter")  # Enter moves on; leaving the phone field looks the caller up
    expect(agent.locator("#history")).to_contain_text("张建国")
    expect(agent.locator("#f-name")).to_have_value("张建国")  # the known name is filled in
    agent.select_option("#f-appeal_type", "complaint")
    agent.fill("#f-title", "小区物业长期不清运垃圾")
    agent.fill("#f-content", "东华街道幸福路 12 号小区物业两周未清运垃圾，气味很大，要求督促物业整改。")
    agent.select_option("#f-category_code", "011003")  # 城乡建设 › 住房保障与房地产 › 物业服务
    agent.select_option("#f-region_code", "990100")
    agent.fill("#f-address", "幸福路12号")
    agent.locator("#f-address").press("Control+Enter")
    expect(agent.locator(".flash.ok")).to_contain_text("已受理，工单号")
    number = agent.locator("h1").inner_text().strip()
    assert re.fullmatch(r"HL[0-9]{14}", number), number

    # The dispatcher sends it to the city housing bureau (unless it went out directly).
    dispatcher = person("dispatcher")
    nav_to(dispatcher, "工单")
    dispatcher.get_by_role("link", name=number).click()
    if dispatcher.locator(".wo-st").inner_text() == "待派单":
        lead = dispatcher.locator("#f-lead")
        value = lead.locator("option", has_text=UNIT).first.get_attribute("value")
        assert value is not None
        lead.select_option(value)
        dispatcher.locator("#act-dispatch").get_by_role("button", name="派单").click()
        expect(dispatcher.locator(".flash.ok")).to_have_text(f"已派单至 {UNIT}")
    expect(dispatcher.locator(".wo-st")).to_have_text("待签收")

    # The handler finds it in the unit's inbox, signs for it and replies.
    handler = person("handler")
    nav_to(handler, "工单")
    expect(handler.locator("#order-list")).to_contain_text(number)
    handler.get_by_role("link", name=number).click()
    handler.get_by_role("button", name="签收").click()
    expect(handler.locator(".flash.ok")).to_contain_text("已签收")
    expect(handler.locator(".wo-st")).to_have_text("办理中")
    handler.select_option("#f-result", "resolved")
    handler.fill("#f-reply-text", "已约谈物业公司，垃圾已全部清运，并建立每日清运台账。")
    handler.get_by_role("button", name="提交答复").click()
    expect(handler.locator(".flash.ok")).to_contain_text("答复已提交")

    # The dispatcher accepts the reply.
    dispatcher.goto("/orders?tab=replied")
    dispatcher.get_by_role("link", name=number).click()
    expect(dispatcher.locator("#act-review")).to_contain_text("已约谈物业公司")
    dispatcher.get_by_role("button", name="认定通过，转回访").click()
    expect(dispatcher.locator(".flash.ok")).to_contain_text("答复认定通过")

    # The agent calls back from the queue: reached, resolved, satisfied.
    nav_to(agent, "回访")
    card = agent.locator(f"#cb-{number}")
    expect(card).to_contain_text("已约谈物业公司")
    expect(card).to_contain_text("13800138000")
    card.get_by_label("已解决").check()
    card.get_by_label("满意", exact=True).check()
    card.get_by_role("button", name="记录回访").click()
    expect(agent.locator(".flash.ok")).to_have_text(f"{number} 回访已记录（满意），工单已办结")

    agent.goto(f"/orders/{number}")
    expect(agent.locator(".wo-st")).to_have_text("已办结")
    expect(agent.locator(".wo-timeline")).to_contain_text("办结")
    agent.screenshot(path=str(server.tmp / "closed-order.png"), full_page=True)
