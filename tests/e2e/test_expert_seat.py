"""The expert seat (专家坐席) in a real browser against ``hotline demo``: the housing bureau's
handler signs in on the bureau's expert seat X001 from the 专家坐席 page; the agent's call is
transferred there as a three-way call and the PBX reports X001's answer; the specialist's pop
appears without a reload — the caller masked, the caller's order the bureau handles listed,
no order form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Server, at, cti_token, demo_db, nav_to, post_events

pytestmark = pytest.mark.e2e

CALLER = "13700457788"
MASKED = "137****7788"


@pytest.fixture(scope="module", autouse=True)
def _no_call_stream(quiet_demo: None) -> None:
    """Before the server starts: no simulated calls reach X001 but the test's own."""


@pytest.fixture(scope="module")
def work(server: Server) -> Iterator[dict[str, str]]:
    """A CTI token, and two orders of the caller: one dispatched to the housing bureau (the
    specialist may see it), one not."""
    from hotline.auth import repository as auth_repository
    from hotline.auth.principal import Principal
    from hotline.org import repository as org_repository
    from hotline.workorder import service as wo

    with demo_db(server) as session:
        token = cti_token(session, username="e2e_expert_pbx")
        agent_user = auth_repository.user_by_username(session, "agent")
        dispatcher_user = auth_repository.user_by_username(session, "dispatcher")
        bureau = org_repository.unit_by_code(session, "990100-zj")
        assert agent_user is not None and dispatcher_user is not None and bureau is not None
        agent = Principal.of(agent_user)
        theirs, _ = wo.intake(session, agent, wo.IntakeData(
            channel="phone", appeal_type="complaint", title="楼顶漏水", content="幸福路 9 号顶楼漏水，物业不管",
            phone=CALLER, region_code="990100"))
        wo.dispatch(session, Principal.of(dispatcher_user), theirs, lead_unit_id=bureau.id)
        other, _ = wo.intake(session, agent, wo.IntakeData(
            channel="phone", appeal_type="consultation", title="社保卡补办", content="社保卡丢了怎么补办",
            phone=CALLER, region_code="990100"))
        numbers = {"theirs": theirs.number, "other": other.number}
    yield {"token": token, **numbers}


def test_a_call_transferred_to_the_expert_seat_pops_for_the_specialist_masked(  # type: ignore[no-untyped-def]
        person, server: Server, work: dict[str, str]) -> None:
    handler = person("handler")
    nav_to(handler, "专家坐席")
    expect(handler.locator("h1")).to_have_text("专家坐席")
    expect(handler.locator("#cti-expert-seats")).to_have_text("X001")
    handler.fill("#cti-seat-code", "X001")
    handler.get_by_role("button", name="签入坐席").click()
    expect(handler.locator("#cti-state")).to_have_text("空闲")
    handler.evaluate("window.__sameDocument = true")  # gone if the page reloads

    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    post_events(server, work["token"], [
        {"call_id": "e2e-expert-1", "seq": 1, "type": "offered", "at": at(now, -60), "caller": CALLER,
         "called": "12345"},
        {"call_id": "e2e-expert-1", "seq": 2, "type": "queued", "at": at(now, -55), "queue": "general"},
        {"call_id": "e2e-expert-1", "seq": 3, "type": "answered", "at": at(now, -45), "seat": "S002"},
        {"call_id": "e2e-expert-1", "seq": 4, "type": "transferred", "at": at(now, -2), "seat": "S002",
         "to": "X001", "mode": "three_way"},
        {"call_id": "e2e-expert-1", "seq": 5, "type": "answered", "at": at(now, 0), "seat": "X001"},
    ])
    pop = handler.locator("#cti-pop")
    expect(pop).to_be_visible()
    assert handler.evaluate("window.__sameDocument === true")
    expect(handler.locator("#cti-state")).to_have_text("通话中")
    expect(handler.locator("#cti-caller")).to_have_text(MASKED)
    expect(handler.locator("#cti-open-orders")).to_contain_text(work["theirs"])
    expect(pop).not_to_contain_text(work["other"])  # not the bureau's: not shown
    expect(pop).not_to_contain_text("受理单")  # a unit registers no appeals
    assert CALLER not in handler.content()
