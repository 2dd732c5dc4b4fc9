"""The agent's seat on the console, the screen-pop for a repeat caller (masked per role, the
unmasked views audited), an order registered from the pop keeping its call, and the call
records of centre staff."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.citizen import service as citizen_service
from hotline.kit import clock
from hotline.org.models import Region
from hotline.telephony import seats
from hotline.telephony.lifecycle import EventType
from hotline.telephony.models import Call, CallEvent, CallOrder, CtiQueue, Seat
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder

REPEAT = "13812348000"  # the world's citizen
NUMBER = re.compile(r"HL[0-9]{14}")
FORM = {"channel": "phone", "appeal_type": "complaint", "title": "楼道灯又坏了",
        "content": "幸福路 12 号 3 栋楼道灯又不亮了", "category_code": "010101", "region_code": "990102001",
        "urgency": "normal"}


def make_seat(db, code: str, region: str = "990100") -> Seat:
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    seat = Seat(code=code, region_id=region_id, created_at=clock.now())
    db.add(seat)
    db.flush()
    return seat


def queue(db, name: str = "enterprise", kind: str = "enterprise", region: str = "990100") -> CtiQueue:
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    found = db.execute(select(CtiQueue).where(CtiQueue.region_id == region_id, CtiQueue.name == name)
                       ).scalar_one_or_none()
    if found is None:
        found = CtiQueue(region_id=region_id, name=name, kind=kind, created_at=clock.now())
        db.add(found)
        db.flush()
    return found


def answered_call(db, seat: Seat, caller: str = REPEAT, *, region: str = "990100", ended: bool = False,
                  call_id: str | None = None, q: CtiQueue | None = None) -> Call:
    """A call answered on ``seat`` as the ingest writes it, the seat's agent made busy."""
    db.refresh(seat)  # an agent may have logged in through the app's own session
    now = clock.now()
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    call = Call(call_id=call_id or f"pbx-{seat.code}-{now.timestamp()}", region_id=region_id, caller=caller,
                caller_hash=citizen_service.phone_hash(caller), called="12345", state="answered",
                offered_at=now - dt.timedelta(seconds=30), queued_at=now - dt.timedelta(seconds=20),
                answered_at=now, queue_id=(q or queue(db)).id, seat_id=seat.id, agent_id=seat.agent_id,
                enterprise=True, wait_s=20.0, last_seq=3, last_event_at=now, updated_at=now)
    db.add(call)
    db.flush()
    seats.on_call_event(db, seat, EventType.answered, now, call.id)
    if ended:
        call.state, call.ended_at, call.end_reason, call.talk_s = "ended", now + dt.timedelta(seconds=90), \
            "completed", 90.0
        call.recording_url = "https://pbx.example/rec/1.wav"
        seats.on_call_event(db, seat, EventType.ended, now + dt.timedelta(seconds=90))
    db.flush()
    return call


def history(db, world) -> tuple[str, str]:
    """Two earlier orders of the repeat caller: one closed (an enterprise's), one open."""
    agent = world.p("agent")
    closed, _ = wo.intake(db, agent, wo.IntakeData(
        channel="phone", appeal_type="complaint", title="门口占道经营", content="店门口被占道", phone=REPEAT,
        is_enterprise=True, enterprise_name="青川市幸福餐饮有限公司", region_code="990102001"))
    closed.status = Status.closed
    open_, _ = wo.intake(db, agent, wo.IntakeData(
        channel="phone", appeal_type="complaint", title="楼道灯不亮", content="楼道灯坏了两周", phone=REPEAT,
        region_code="990102001"))
    db.flush()
    return closed.number, open_.number


def audited(db, action: str, object_id: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                    AuditEvent.object_id == object_id)))


# --- the seat -------------------------------------------------------------------------------------

def test_an_agent_logs_in_on_a_seat_takes_a_break_and_logs_out_through_the_api(api, db):
    make_seat(db, "8001")
    agent = api("agent")
    assert agent.get("/api/v1/cti/seat").json() == {"seat": None, "state": None, "since": None, "call": None}
    response = agent.post("/api/v1/cti/seat/login", json={"seat": "8001"})
    assert response.status_code == 200, response.text
    assert response.json()["seat"] == "8001" and response.json()["state"] == "ready"
    assert agent.post("/api/v1/cti/seat/state", json={"state": "break"}).json()["state"] == "break"
    assert agent.get("/api/v1/cti/seat").json()["state"] == "break"
    assert agent.post("/api/v1/cti/seat/logout").json()["seat"] is None


def test_seat_errors_unknown_taken_illegal_and_roles_without_calls(api, db):
    seat = make_seat(db, "8002")
    make_seat(db, "9001", region="990200")
    agent = api("agent")
    assert agent.post("/api/v1/cti/seat/login", json={"seat": "nope"}).status_code == 404
    assert agent.post("/api/v1/cti/seat/login", json={"seat": "9001"}).status_code == 404  # another city's
    assert agent.post("/api/v1/cti/seat/login", json={"seat": "8002"}).status_code == 200
    assert api("supervisor").post("/api/v1/cti/seat/login", json={"seat": "8002"}).status_code == 409
    assert agent.post("/api/v1/cti/seat/state", json={"state": "busy"}).status_code == 422
    seats.on_call_event(db, seat, EventType.answered, clock.now() + dt.timedelta(seconds=1))
    db.flush()
    assert agent.post("/api/v1/cti/seat/state", json={"state": "ready"}).status_code == 409
    for role in ("admin", "handler", "ivr", "pbx"):
        assert api(role).post("/api/v1/cti/seat/login", json={"seat": "8002"}).status_code == 403, role
        assert api(role).get("/api/v1/cti/seat").status_code == 403, role


def test_the_pbx_changing_the_state_shows_on_the_seat(api, db):
    seat = make_seat(db, "8003")
    agent = api("agent")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8003"})
    call = answered_call(db, seat)
    mine = agent.get("/api/v1/cti/seat").json()
    assert mine["state"] == "busy" and mine["call"]["ref"] == call.ref


# --- the screen-pop -------------------------------------------------------------------------------

def test_the_pop_shows_a_repeat_callers_earlier_and_open_orders_and_enterprise(api, db, world):
    closed, open_ = history(db, world)
    seat = make_seat(db, "8004")
    agent = api("agent")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8004"})
    call = answered_call(db, seat)
    pop = agent.get("/api/v1/cti/seat").json()["call"]["pop"]
    assert pop["caller"] == REPEAT and pop["caller_masked"] is False
    assert [o["number"] for o in pop["orders"]] == [open_, closed]
    assert [o["number"] for o in pop["open_orders"]] == [open_]
    assert pop["enterprise_name"] == "青川市幸福餐饮有限公司"
    assert pop["enterprise_line"] is True and pop["queue"] == "enterprise" and pop["wait_s"] == 20.0
    assert pop["citizens"] == ["张三丰"]  # the register's name, unmasked
    viewed = audited(db, "pii.viewed", call.ref)
    assert viewed and viewed[-1].detail == {"fields": ["caller"], "purpose": "screen_pop"}
    assert REPEAT not in str([v.detail for v in viewed])


def test_a_dispatcher_on_a_seat_sees_the_caller_masked_and_nothing_unmasked_is_audited(api, db, world):
    _closed, open_ = history(db, world)
    seat = make_seat(db, "8005")
    dispatcher = api("dispatcher")
    dispatcher.post("/api/v1/cti/seat/login", json={"seat": "8005"})
    call = answered_call(db, seat)
    pop = dispatcher.get("/api/v1/cti/seat").json()["call"]["pop"]
    assert pop["caller"] == "138****8000" and pop["caller_masked"] is True
    assert [o["number"] for o in pop["open_orders"]] == [open_]
    assert pop["citizens"] == ["张**"]
    assert audited(db, "pii.viewed", call.ref) == []
    page = dispatcher.get("/console").text
    assert "138****8000" in page and REPEAT not in page


def test_the_console_page_pops_the_call_and_the_poll_is_empty_until_something_changes(api, db, world):
    closed, open_ = history(db, world)
    seat = make_seat(db, "8006")
    agent = api("agent")
    page = agent.get("/console").text
    assert 'id="cti-seat-code"' in page and 'hx-trigger="every 1s"' not in page  # not on a seat: no polling
    agent.post("/cti/seat/login", data={"seat": "8006"}, headers={"HX-Request": "true"})
    page = agent.get("/console").text
    version = page.split('data-version="')[1].split('"')[0]
    assert 'id="cti-state"' in page and "空闲" in page and 'name="call_ref"' in page
    assert agent.get(f"/cti/console/panel?v={version}").status_code == 204
    call = answered_call(db, seat)
    panel = agent.get(f"/cti/console/panel?v={version}")
    assert panel.status_code == 200
    assert "来电弹屏" in panel.text and REPEAT in panel.text and f'data-call="{call.ref}"' in panel.text
    assert open_ in panel.text and closed in panel.text and "青川市幸福餐饮有限公司" in panel.text
    assert "企业专线" in panel.text and "通话中" in panel.text
    again = panel.text.split('data-version="')[1].split('"')[0]
    assert agent.get(f"/cti/console/panel?v={again}").status_code == 204


def test_the_seat_buttons_on_the_console_change_the_state(api, db):
    make_seat(db, "8007")
    agent = api("agent")
    agent.post("/cti/seat/login", data={"seat": "8007"}, headers={"HX-Request": "true"})
    panel = agent.post("/cti/seat/state", data={"state": "break"}, headers={"HX-Request": "true"})
    assert 'id="cti-state">小休' in panel.text.replace("\n", "")
    wrong = agent.post("/cti/seat/login", data={"seat": "missing"}, headers={"HX-Request": "true"})
    assert "坐席不存在" in wrong.text
    plain = agent.post("/cti/seat/state", data={"state": "ready"}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/console"


# --- an order from the call -----------------------------------------------------------------------

def console_form(client, **change: object) -> dict[str, object]:
    html = client.get("/console").text
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    return {**FORM, "idempotency_key": key, **change}


def test_filing_from_the_pop_links_the_call_and_the_order_page_shows_it(api, db, world):
    seat = make_seat(db, "8008")
    agent = api("agent")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8008"})
    call = answered_call(db, seat, ended=True)
    prefilled = agent.get(f"/console?call={call.ref}").text
    assert f'value="{call.ref}"' in prefilled and f'value="{REPEAT}"' in prefilled
    response = agent.post("/console", data=console_form(agent, phone=REPEAT, call_ref=call.ref),
                          follow_redirects=False)
    assert response.status_code == 303, response.text
    number = NUMBER.search(response.headers["location"]).group(0)  # type: ignore[union-attr]
    order = db.execute(select(WorkOrder).where(WorkOrder.number == number)).scalar_one()
    assert db.get(CallOrder, (call.id, order.id)) is not None
    assert audited(db, "call.order_linked", call.ref)[-1].detail == {"number": number}
    page = agent.get(f"/orders/{number}").text
    section = page.split('id="order-calls"')[1].split("</div>")[0]
    assert "来电记录" in section and "8008" in section and "20 秒" in section and "90 秒" in section
    assert "https://pbx.example/rec/1.wav" in section and "agent" in section
    calls = agent.get(f"/api/v1/orders/{number}/calls").json()
    assert [(c["ref"], c["seat"], c["talk_s"], c["caller_masked"]) for c in calls] == [(call.ref, "8008", 90.0, True)]
    assert api("other_admin").get(f"/api/v1/orders/{number}/calls").status_code == 404
    assert api("handler").get(f"/api/v1/orders/{number}/calls").status_code == 404  # not dispatched to it


def test_a_second_order_from_the_same_call_is_registered_and_linked_too(api, db, world):
    seat = make_seat(db, "8009")
    agent = api("agent")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8009"})
    call = answered_call(db, seat)
    first = agent.post("/console", data=console_form(agent, phone=REPEAT, call_ref=call.ref), follow_redirects=False)
    second = agent.post("/console", data=console_form(agent, phone=REPEAT, call_ref=call.ref, title="噪音扰民",
                                                      content="楼下酒吧夜里噪音扰民"), follow_redirects=False)
    numbers = {NUMBER.search(r.headers["location"]).group(0) for r in (first, second)}  # type: ignore[union-attr]
    assert len(numbers) == 2
    linked = db.execute(select(WorkOrder.number).join(CallOrder, CallOrder.order_id == WorkOrder.id)
                        .where(CallOrder.call_id == call.id)).scalars().all()
    assert set(linked) == numbers
    pop = agent.get("/api/v1/cti/seat").json()["call"]["pop"]
    assert set(pop["linked_orders"]) == numbers


def test_a_double_submit_of_the_pop_form_registers_and_links_once(api, db):
    seat = make_seat(db, "8010")
    agent = api("agent")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8010"})
    call = answered_call(db, seat)
    form = console_form(agent, phone=REPEAT, call_ref=call.ref)
    first = agent.post("/console", data=form, follow_redirects=False)
    again = agent.post("/console", data=form, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]
    assert len(db.execute(select(CallOrder).where(CallOrder.call_id == call.id)).scalars().all()) == 1


def test_a_dispatcher_files_from_the_masked_pop_and_the_order_keeps_the_callers_number(api, db, world):
    seat = make_seat(db, "8011")
    dispatcher = api("dispatcher")
    dispatcher.post("/api/v1/cti/seat/login", json={"seat": "8011"})
    call = answered_call(db, seat)
    response = dispatcher.post("/console", data=console_form(dispatcher, call_ref=call.ref), follow_redirects=False)
    assert response.status_code == 303, response.text
    number = NUMBER.search(response.headers["location"]).group(0)  # type: ignore[union-attr]
    order = db.execute(select(WorkOrder).where(WorkOrder.number == number)).scalar_one()
    assert order.citizen_id == world.citizen_id  # the caller's number, taken from the call
    assert audited(db, "pii.viewed", call.ref) == []


def test_an_order_cannot_be_filed_from_another_citys_call_or_an_unanswered_one(api, db, world):
    other = make_seat(db, "9002", region="990200")
    far = answered_call(db, other, region="990200")
    seat = make_seat(db, "8012")
    near = answered_call(db, seat)
    near.answered_at = None
    db.flush()
    agent = api("agent")
    assert agent.post("/console", data=console_form(agent, phone=REPEAT, call_ref=far.ref)).status_code == 404
    assert agent.post("/console", data=console_form(agent, phone=REPEAT, call_ref=near.ref)).status_code == 409
    assert db.execute(select(CallOrder)).scalars().all() == []


# --- call records -----------------------------------------------------------------------------------

def test_call_list_masks_callers_and_the_detail_shows_legs_and_orders(api, db, world):
    seat = make_seat(db, "8013")
    seats.log_in(db, world.p("agent"), seat_code="8013")
    call = answered_call(db, seat, ended=True, call_id="pbx-legs-1")
    now = clock.now()
    for seq, (kind, data) in enumerate([("offered", {}), ("queued", {"queue": "enterprise"}),
                                        ("answered", {"seat": "8013"}),
                                        ("transferred", {"seat": "8013", "to": "990100-zj", "mode": "three_way"}),
                                        ("transferred", {"seat": "8013", "to": "02812345", "mode": "blind"}),
                                        ("ended", {"reason": "completed"})], start=1):
        db.add(CallEvent(call_id=call.id, seq=seq, type=kind, at=now + dt.timedelta(seconds=seq), data=data,
                         received_at=now))
    call.transfers, call.three_way = 2, 1
    db.flush()
    supervisor = api("supervisor")
    listed = supervisor.get("/api/v1/cti/calls", params={"seat": "8013"}).json()
    assert listed["total"] == 1 and listed["items"][0]["caller"] == "138****8000"
    assert supervisor.get("/api/v1/cti/calls", params={"queue": "nope"}).json()["total"] == 0
    detail = supervisor.get(f"/api/v1/cti/calls/{call.ref}").json()
    assert detail["caller"] == REPEAT and audited(db, "pii.viewed", call.ref)[-1].detail["purpose"] == "call_record"
    assert [(leg["to"], leg["mode"]) for leg in detail["legs"]] == [("990100-zj", "three_way"), ("02812345", "blind")]
    assert [e["type"] for e in detail["events"]][:3] == ["offered", "queued", "answered"]
    assert api("dispatcher").get(f"/api/v1/cti/calls/{call.ref}").json()["caller"] == "138****8000"
    page = supervisor.get(f"/cti/calls/{call.ref}").text
    assert "三方通话" in page and "盲转" in page and "990100-zj" in page
    listing = supervisor.get("/cti/calls").text
    assert call.ref in listing and REPEAT not in listing
    bad = supervisor.get("/api/v1/cti/calls", params={"from": "2026-12-01T00:00:00"})
    assert bad.status_code == 422 and bad.json()["field"] == "from"


def test_a_recording_link_that_is_not_http_is_not_shown(api, db, world):
    seat = make_seat(db, "8014")
    call = answered_call(db, seat, ended=True)
    call.recording_url = "javascript:alert(1)"
    db.flush()
    assert api("supervisor").get(f"/api/v1/cti/calls/{call.ref}").json()["recording_url"] is None


# --- driven through the call-event API --------------------------------------------------------------

def test_a_call_reported_by_the_pbx_pops_on_the_agents_seat_and_the_order_keeps_it(api, db, world):
    _closed, open_ = history(db, world)
    make_seat(db, "8020")
    agent = api("agent")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8020"})
    t0 = clock.now().replace(microsecond=0) - dt.timedelta(seconds=16)  # answered just after the log-in

    def at(seconds: int) -> str:
        return (t0 + dt.timedelta(seconds=seconds)).astimezone(clock.CST).isoformat()

    pbx = api("pbx")
    answered = pbx.post("/api/v1/cti/events", json=[
        {"call_id": "pbx-pop-1", "seq": 1, "type": "offered", "at": at(0), "caller": REPEAT, "called": "12345"},
        {"call_id": "pbx-pop-1", "seq": 2, "type": "ivr", "at": at(4), "digits": "1"},
        {"call_id": "pbx-pop-1", "seq": 3, "type": "queued", "at": at(5), "queue": "enterprise"},
        {"call_id": "pbx-pop-1", "seq": 4, "type": "answered", "at": at(17), "seat": "8020"}])
    assert answered.status_code == 202 and answered.json()["accepted"] == 4, answered.text
    mine = agent.get("/api/v1/cti/seat").json()
    assert mine["state"] == "busy"
    pop = mine["call"]["pop"]
    assert pop["caller"] == REPEAT and pop["wait_s"] == 12.0 and pop["enterprise_line"] is True
    assert open_ in [o["number"] for o in pop["open_orders"]]
    ref = mine["call"]["ref"]
    response = agent.post("/console", data=console_form(agent, phone=REPEAT, call_ref=ref), follow_redirects=False)
    number = NUMBER.search(response.headers["location"]).group(0)  # type: ignore[union-attr]
    pbx.post("/api/v1/cti/events", json=[{"call_id": "pbx-pop-1", "seq": 5, "type": "ended", "at": at(40),
                                          "reason": "completed", "recording_url": "https://rec.example/pop-1.wav"}])
    assert agent.get("/api/v1/cti/seat").json()["state"] == "wrap_up"
    calls = agent.get(f"/api/v1/orders/{number}/calls").json()
    assert [(c["ref"], c["seat"], c["wait_s"], c["talk_s"], c["recording_url"]) for c in calls] == [
        (ref, "8020", 12.0, 23.0, "https://rec.example/pop-1.wav")]


def test_after_a_blind_transfer_the_seat_that_takes_the_call_gets_the_pop(api, db, world):
    make_seat(db, "8030")
    make_seat(db, "8031")
    agent, supervisor = api("agent"), api("supervisor")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8030"})
    supervisor.post("/api/v1/cti/seat/login", json={"seat": "8031"})
    t0 = clock.now().replace(microsecond=0) - dt.timedelta(seconds=9)  # answered just after the log-ins

    def at(seconds: int) -> str:
        return (t0 + dt.timedelta(seconds=seconds)).astimezone(clock.CST).isoformat()

    pbx = api("pbx")
    first = pbx.post("/api/v1/cti/events", json=[
        {"call_id": "pbx-xfer-1", "seq": 1, "type": "offered", "at": at(0), "caller": REPEAT, "called": "12345"},
        {"call_id": "pbx-xfer-1", "seq": 2, "type": "queued", "at": at(2), "queue": "general"},
        {"call_id": "pbx-xfer-1", "seq": 3, "type": "answered", "at": at(10), "seat": "8030"}])
    assert first.json()["accepted"] == 3, first.text
    ref = agent.get("/api/v1/cti/seat").json()["call"]["ref"]
    assert supervisor.get("/api/v1/cti/seat").json()["call"] is None  # ready, nothing to pop yet
    handed = pbx.post("/api/v1/cti/events", json=[
        {"call_id": "pbx-xfer-1", "seq": 4, "type": "transferred", "at": at(30), "seat": "8030", "to": "8031",
         "mode": "blind"},
        {"call_id": "pbx-xfer-1", "seq": 5, "type": "answered", "at": at(35), "seat": "8031"}])
    assert handed.json()["accepted"] == 2, handed.text
    taker = supervisor.get("/api/v1/cti/seat").json()
    assert taker["state"] == "busy" and taker["call"]["ref"] == ref
    assert taker["call"]["pop"]["caller"] == REPEAT
    # the first agent handed it on: wrap-up, still with the call on the screen to file its order
    mine = agent.get("/api/v1/cti/seat").json()
    assert mine["state"] == "wrap_up" and mine["call"]["ref"] == ref
    # the call's figures stay with the seat and agent that answered it first
    call = db.execute(select(Call).where(Call.call_id == "pbx-xfer-1")).scalar_one()
    db.refresh(call)
    assert (call.answered_at, call.transfers) == (t0 + dt.timedelta(seconds=10), 1)
    assert db.get(Seat, call.seat_id).code == "8030"  # type: ignore[union-attr]


def test_an_agent_logging_in_on_a_seat_does_not_see_the_previous_agents_call(api, db, world):
    seat = make_seat(db, "8040")
    supervisor, agent = api("supervisor"), api("agent")
    supervisor.post("/api/v1/cti/seat/login", json={"seat": "8040"})
    answered_call(db, seat, ended=True)
    assert supervisor.get("/api/v1/cti/seat").json()["call"] is not None
    supervisor.post("/api/v1/cti/seat/logout")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8040"})
    assert agent.get("/api/v1/cti/seat").json()["call"] is None


def test_a_call_transferred_to_an_expert_seat_pops_for_the_departments_specialist(api, db, world):
    """The housing bureau's specialist on its expert seat (专家坐席) takes a three-way call from
    the agent: the pop shows the caller masked and only the caller's orders the bureau handles;
    no order form (the unit does not register appeals)."""
    _closed, open_ = history(db, world)
    mine = db.execute(select(WorkOrder).where(WorkOrder.number == open_)).scalar_one()
    wo.dispatch(db, world.p("dispatcher"), mine, lead_unit_id=world.units["990100-zj"])
    other, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="噪音扰民", content="夜间施工噪音", phone=REPEAT,
        region_code="990102001"))
    make_seat(db, "8050")
    expert = make_seat(db, "X050")
    expert.kind, expert.unit_id = "expert", world.units["990100-zj"]
    db.flush()
    agent, handler = api("agent"), api("handler")
    assert handler.post("/api/v1/cti/seat/login", json={"seat": "8050"}).status_code == 404  # not an expert seat
    assert agent.post("/api/v1/cti/seat/login", json={"seat": "8050"}).status_code == 200
    assert handler.post("/api/v1/cti/seat/login", json={"seat": "X050"}).status_code == 200
    t0 = clock.now().replace(microsecond=0) - dt.timedelta(seconds=9)

    def at(seconds: int) -> str:
        return (t0 + dt.timedelta(seconds=seconds)).astimezone(clock.CST).isoformat()

    accepted = api("pbx").post("/api/v1/cti/events", json=[
        {"call_id": "pbx-expert-1", "seq": 1, "type": "offered", "at": at(0), "caller": REPEAT, "called": "12345"},
        {"call_id": "pbx-expert-1", "seq": 2, "type": "queued", "at": at(2), "queue": "general"},
        {"call_id": "pbx-expert-1", "seq": 3, "type": "answered", "at": at(10), "seat": "8050"},
        {"call_id": "pbx-expert-1", "seq": 4, "type": "transferred", "at": at(40), "seat": "8050", "to": "X050",
         "mode": "three_way"},
        {"call_id": "pbx-expert-1", "seq": 5, "type": "answered", "at": at(45), "seat": "X050"}])
    assert accepted.json()["accepted"] == 5, accepted.text
    assert agent.get("/api/v1/cti/seat").json()["state"] == "busy"  # a three-way call keeps the agent on
    seat = handler.get("/api/v1/cti/seat").json()
    assert seat["state"] == "busy"
    pop = seat["call"]["pop"]
    assert pop["caller"] == "138****8000" and pop["caller_masked"] is True and pop["citizens"] == []
    assert [o["number"] for o in pop["open_orders"]] == [open_]  # not the order the bureau does not handle
    assert other.number not in str(pop)
    page = handler.get("/cti/expert")
    assert page.status_code == 200 and "X050" in page.text and "来电弹屏" in page.text
    assert REPEAT not in page.text and "下方受理单" not in page.text
    viewers = {e.actor_id for e in audited(db, "pii.viewed", seat["call"]["ref"])}
    assert viewers == {world.user_ids["agent"]}  # the agent saw the number; the specialist never did


def test_the_pop_counts_the_callers_calls_to_the_centre_in_the_last_30_days(api, db, world):
    seat = make_seat(db, "8060")
    agent = api("agent")
    agent.post("/api/v1/cti/seat/login", json={"seat": "8060"})
    earlier = [answered_call(db, make_seat(db, f"806{n}"), ended=True, call_id=f"pbx-earlier-{n}")
               for n in (1, 2, 3)]
    far = answered_call(db, make_seat(db, "9060", region="990200"), region="990200", ended=True,
                        call_id="pbx-earlier-far")
    now = clock.now()
    for call, days in zip([*earlier, far], (2, 29, 31, 1), strict=True):  # the third is too old
        call.offered_at = now - dt.timedelta(days=days)
    db.flush()
    answered_call(db, seat, call_id="pbx-earlier-now")
    pop = agent.get("/api/v1/cti/seat").json()["call"]["pop"]
    assert pop["earlier_calls"] == 2  # not the one 31 days ago, nor the call to another city's centre
    panel = agent.get("/cti/console/panel").text
    assert re.search(r"近 30 日来电 <b>2</b> 次", panel)
