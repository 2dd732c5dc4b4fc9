"""The screen-pop in a real browser against ``hotline demo``: an agent logs in on a seat from the
intake console; the PBX reports a repeat caller's call answered there (``POST
/api/v1/cti/events`` with a CTI token); the pop appears without a reload, with the caller's
open order and the enterprise line, and the order form is prefilled; the agent files the
order and its page lists the call. A dispatcher on a seat sees the caller masked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, nav_to

pytestmark = pytest.mark.e2e

CALLER = "13700451234"
MASKED = "137****1234"


@pytest.fixture(scope="module")
def cti(server: Server) -> Iterator[dict[str, str]]:
    """Two seats of 青川市 and a CTI account with its token written into the demo's database,
    and the repeat caller's open order. Returns the token and the open order's number."""
    from hotline.auth import repository as auth_repository
    from hotline.auth import service as auth_service
    from hotline.auth.models import Role
    from hotline.auth.principal import Principal
    from hotline.config import get_settings
    from hotline.kit import cache, clock, crypto
    from hotline.kit.db import make_engine, make_session_factory, transaction
    from hotline.org.models import Unit
    from hotline.telephony.models import Seat
    from hotline.workorder import service as wo

    settings = get_settings()  # the keys of the test run, which the demo server inherited
    assert settings.pii_keys and settings.pii_index_key
    crypto.configure(settings.pii_keys, settings.pii_index_key)
    cache.clear_reference_caches()
    engine = make_engine(f"sqlite:///{server.tmp / 'data' / 'hotline.db'}")
    try:
        with transaction(make_session_factory(engine)) as session:
            admin_user = auth_repository.user_by_username(session, "admin")
            agent_user = auth_repository.user_by_username(session, "agent")
            assert admin_user is not None and agent_user is not None
            admin, agent = Principal.of(admin_user), Principal.of(agent_user)
            centre = session.get(Unit, agent_user.unit_id)
            assert centre is not None
            for code in ("E2E01", "E2E02"):
                session.add(Seat(code=code, region_id=centre.region_id, created_at=clock.now()))
            pbx = auth_service.create_user(session, admin, username="e2e_pbx", display_name="E2E PBX", role=Role.cti,
                                           unit_id=centre.id, password=None, is_service=True)
            token, _ = auth_service.issue_api_token(session, admin, pbx, name="e2e", days=None)
            order, _ = wo.intake(session, agent, wo.IntakeData(
                channel="phone", appeal_type="complaint", title="小区门口井盖缺失",
                content="幸福路 8 号小区门口井盖丢了，晚上很危险", phone=CALLER, region_code="990100"))
            number = order.number
    finally:
        engine.dispose()
        cache.clear_reference_caches()
    yield {"token": token, "open": number}


def report_call(server: Server, token: str, call_id: str, seat: str) -> None:
    """The PBX reports a call of the repeat caller through the enterprise line, answered on
    ``seat`` a moment from now (after the agent's log-in)."""
    answered = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)

    def at(seconds: float) -> str:
        return (answered + dt.timedelta(seconds=seconds)).astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()

    response = httpx.post(f"{server.url}/api/v1/cti/events", headers={"Authorization": f"Bearer {token}"}, json=[
        {"call_id": call_id, "seq": 1, "type": "offered", "at": at(-20), "caller": CALLER, "called": "12345"},
        {"call_id": call_id, "seq": 2, "type": "ivr", "at": at(-16), "digits": "1"},
        {"call_id": call_id, "seq": 3, "type": "queued", "at": at(-15), "queue": "enterprise"},
        {"call_id": call_id, "seq": 4, "type": "answered", "at": at(0), "seat": seat},
    ], timeout=30)
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 4, response.text


def test_the_agent_sees_the_pop_without_reload_and_files_an_order_that_keeps_the_call(  # type: ignore[no-untyped-def]
        person, server: Server, cti: dict[str, str]) -> None:
    agent = person("agent")
    nav_to(agent, "受理台")
    agent.fill("#cti-seat-code", "E2E01")
    agent.get_by_role("button", name="签入坐席").click()
    expect(agent.locator("#cti-state")).to_have_text("空闲")
    agent.evaluate("window.__sameDocument = true")  # gone if the page reloads

    report_call(server, cti["token"], "e2e-call-agent", "E2E01")
    pop = agent.locator("#cti-pop")
    expect(pop).to_be_visible()
    assert agent.evaluate("window.__sameDocument === true")
    expect(agent.locator("#cti-state")).to_have_text("通话中")
    expect(agent.locator("#cti-caller")).to_have_text(CALLER)
    expect(agent.locator("#cti-open-orders")).to_contain_text(cti["open"])
    expect(pop).to_contain_text("企业专线")
    expect(agent.locator("#f-phone")).to_have_value(CALLER)
    expect(agent.locator("#f-channel")).to_have_value("phone")
    call_ref = pop.get_attribute("data-call")
    assert call_ref and re.fullmatch(r"[0-9a-f]{32}", call_ref)
    expect(agent.locator("#f-call_ref")).to_have_value(call_ref)

    agent.select_option("#f-appeal_type", "complaint")
    agent.fill("#f-title", "井盖还没补上")
    agent.fill("#f-content", "幸福路 8 号小区门口井盖缺失，上次反映后仍未处理。")
    agent.select_option("#f-region_code", "990100")
    agent.locator("#f-content").press("Control+Enter")
    expect(agent.locator(".flash.ok")).to_contain_text("已受理，工单号")
    number = agent.locator("h1").inner_text().strip()
    assert re.fullmatch(r"HL[0-9]{14}", number), number
    calls = agent.locator("#order-calls")
    expect(calls).to_contain_text("来电记录")
    expect(calls).to_contain_text("E2E01")
    expect(calls).to_contain_text("企业专线")
    expect(calls.get_by_role("link", name="详情")).to_have_attribute("href", f"/cti/calls/{call_ref}")


def test_a_dispatcher_on_a_seat_sees_the_caller_masked(person, server: Server, cti: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    dispatcher = person("dispatcher")
    dispatcher.goto("/console")
    dispatcher.fill("#cti-seat-code", "E2E02")
    dispatcher.get_by_role("button", name="签入坐席").click()
    expect(dispatcher.locator("#cti-state")).to_have_text("空闲")
    report_call(server, cti["token"], "e2e-call-dispatcher", "E2E02")
    pop = dispatcher.locator("#cti-pop")
    expect(pop).to_be_visible()
    expect(dispatcher.locator("#cti-caller")).to_have_text(MASKED)
    expect(dispatcher.locator("#cti-open-orders")).to_contain_text(cti["open"])
    assert CALLER not in dispatcher.content()
    expect(dispatcher.locator("#f-phone")).to_have_value("")
    expect(dispatcher.locator("#f-call_ref")).to_have_value(re.compile(r"[0-9a-f]{32}"))
