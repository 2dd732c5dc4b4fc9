"""The call-event interface: a PBX posts batches of events; duplicates, late and out-of-order
events, contradictions, malformed batches and the timeout closing (docs/cti.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from hotline.auth import service as auth_service
from hotline.auth.models import Role
from hotline.citizen import service as citizen_service
from hotline.citizen.models import Citizen
from hotline.kit import clock
from hotline.org.models import Region
from hotline.telephony import repository, seats, service
from hotline.telephony.models import Call, CallEvent, CtiQueue, Seat, SeatState

URL = "/api/v1/cti/events"


def make_seat(db, code: str, region: str = "990100") -> Seat:
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    seat = Seat(code=code, region_id=region_id, created_at=clock.now())
    db.add(seat)
    db.flush()
    return seat


def iso(at: dt.datetime) -> str:
    return at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat()


def stream(call_id: str, t0: dt.datetime, *, seat: str = "A01", caller: str = "13812348000",
           digits: str | None = None, queue: str | None = "general", answered: bool = True,
           reason: str = "completed") -> list[dict[str, Any]]:
    """A whole call: offered, ivr, queued, answered, ended (5 s in the menu, 10 s waiting, 60 s talk)."""
    def at(seconds: float) -> str:
        return iso(t0 + dt.timedelta(seconds=seconds))

    events: list[dict[str, Any]] = [{"call_id": call_id, "seq": 1, "type": "offered", "at": at(0), "caller": caller,
                                     "called": "12345"}]
    if digits is not None:
        events.append({"call_id": call_id, "seq": 2, "type": "ivr", "at": at(5), "digits": digits})
    if queue is not None:
        events.append({"call_id": call_id, "seq": 3, "type": "queued", "at": at(6), "queue": queue})
    if answered:
        events.append({"call_id": call_id, "seq": 4, "type": "answered", "at": at(16), "seat": seat})
    events.append({"call_id": call_id, "seq": 5, "type": "ended", "at": at(76 if answered else 20),
                   "reason": reason if answered else "abandoned",
                   **({"recording_url": f"https://rec.example/{call_id}.wav"} if answered else {})})
    return events


def call_of(db, call_id: str) -> Call:
    db.expire_all()
    return db.execute(select(Call).where(Call.call_id == call_id)).scalar_one()


def facts(call: Call) -> tuple:
    return (call.state, call.offered_at, call.queued_at, call.answered_at, call.ended_at, call.end_reason,
            call.ivr_digits, call.queue_id, call.seat_id, call.enterprise, call.transfers, call.three_way,
            call.wait_s, call.talk_s, call.recording_url is not None, call.last_seq, call.last_event_at, call.called)


def count(db, model) -> int:
    db.expire_all()
    return db.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def pbx(api):
    return api("pbx")


@pytest.fixture
def t0() -> dt.datetime:
    return clock.now().replace(microsecond=0) - dt.timedelta(minutes=10)


def test_a_whole_call_is_accepted_and_its_facts_kept_on_the_call(db, world, pbx, t0):
    make_seat(db, "A01")
    response = pbx.post(URL, json=stream("c-1", t0, digits="2"))
    assert response.status_code == 202, response.text
    assert response.json() == {"accepted": 5, "duplicates": 0, "rejected": []}
    call = call_of(db, "c-1")
    assert (call.state, call.end_reason, call.ivr_digits) == ("ended", "completed", "2")
    assert (call.wait_s, call.talk_s, call.last_seq) == (10.0, 60.0, 5)
    assert call.offered_at == t0 and call.answered_at == t0 + dt.timedelta(seconds=16)
    assert call.recording_url == "https://rec.example/c-1.wav" and call.called == "12345"
    assert len(call.ref) == 32 and call.updated_at is not None
    queue = db.get(CtiQueue, call.queue_id)
    assert (queue.name, queue.kind, call.enterprise) == ("general", "general", False)
    stored = db.execute(select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.seq)).scalars().all()
    assert [e.type for e in stored] == ["offered", "ivr", "queued", "answered", "ended"]
    assert stored[0].data == {"called": "12345"} and stored[3].data == {"seat": "A01"}


def test_a_call_created_twice_raises_sqlalchemys_integrity_error_whatever_the_driver(db, world, pbx, t0):
    """Two processes creating the same call: the loser's insert (through the driver's own
    cursor) raises SQLAlchemy's IntegrityError, which the interface answers by folding the
    batch again into the winner's call — not a raw driver error and a 500."""
    assert pbx.post(URL, json=stream("c-twice", t0)).status_code == 202
    row = dict(db.execute(select(Call.__table__).where(Call.call_id == "c-twice")).mappings().one())
    row.update(id=repository.new_call_ids(db, 1)[0], ref="f" * 32)
    with pytest.raises(sa.exc.IntegrityError), db.begin_nested():
        repository.insert_calls(db, [row])
    assert count(db, Call) == 1


def test_the_call_belongs_to_the_region_of_the_cti_account(db, world, pbx, t0):
    pbx.post(URL, json=stream("c-region", t0, answered=False))
    region = db.execute(select(Region.code).where(Region.id == call_of(db, "c-region").region_id)).scalar_one()
    assert region == "990100"


def test_the_callers_number_is_encrypted_and_found_by_the_citizens_phone_index(db, world, pbx, engine, t0):
    pbx.post(URL, json=stream("c-pii", t0, caller="+86 138-1234-8000", answered=False))
    call = call_of(db, "c-pii")
    assert call.caller == "13812348000"
    citizen = db.get(Citizen, world.citizen_id)
    assert call.caller_hash == citizen.phone_hash == citizen_service.phone_hash("13812348000")
    raw = db.execute(sa.text("SELECT caller FROM call WHERE call_id = 'c-pii'")).scalar_one()
    assert "13812348000" not in raw
    event_data = db.execute(select(CallEvent.data).where(CallEvent.call_id == call.id)).scalars().all()
    assert all("caller" not in d for d in event_data)


def test_an_event_sent_twice_is_a_duplicate_in_one_batch_and_across_batches(db, world, pbx, t0):
    events = stream("c-dup", t0, answered=False)
    first = pbx.post(URL, json=[*events, events[0]])
    assert first.json() == {"accepted": 3, "duplicates": 1, "rejected": []}
    again = pbx.post(URL, json=events)
    assert again.status_code == 202 and again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert count(db, CallEvent) == 3


def test_events_in_any_arrival_order_give_the_same_facts(db, world, pbx, t0):
    make_seat(db, "A01")
    in_order = stream("c-order", t0, digits="3")
    pbx.post(URL, json=in_order)
    shuffled = stream("c-shuffled", t0, digits="3")
    assert pbx.post(URL, json=[shuffled[4], shuffled[2]]).json()["accepted"] == 2
    assert pbx.post(URL, json=[shuffled[3], shuffled[0], shuffled[1]]).json()["accepted"] == 3
    assert facts(call_of(db, "c-shuffled")) == facts(call_of(db, "c-order"))


def test_a_late_event_completes_the_call(db, world, pbx, t0):
    make_seat(db, "A01")
    events = stream("c-late", t0)
    pbx.post(URL, json=[e for e in events if e["type"] != "queued"])
    assert call_of(db, "c-late").wait_s == 0.0  # not reported queued (yet): no wait
    late = pbx.post(URL, json=[e for e in events if e["type"] == "queued"])
    assert late.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    call = call_of(db, "c-late")
    assert (call.wait_s, call.queued_at) == (10.0, t0 + dt.timedelta(seconds=6))


def test_contradicting_events_are_rejected_one_by_one_and_the_rest_kept(db, world, pbx, t0):
    make_seat(db, "A01")
    pbx.post(URL, json=stream("c-x", t0, answered=False))
    after_end = {"call_id": "c-x", "seq": 9, "type": "answered", "at": iso(t0 + dt.timedelta(seconds=30)),
                 "seat": "A01"}
    second_end = {"call_id": "c-x", "seq": 10, "type": "ended", "at": iso(t0 + dt.timedelta(seconds=40)),
                  "reason": "completed"}
    ghost = {"call_id": "c-y", "seq": 2, "type": "answered", "at": iso(t0 + dt.timedelta(seconds=3)), "seat": "ZZ9"}
    fine = stream("c-y", t0, answered=False)
    response = pbx.post(URL, json=[after_end, second_end, ghost, *fine])
    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (3, 0)
    assert [(r["index"], r["call_id"], r["seq"]) for r in body["rejected"]] == [(0, "c-x", 9), (1, "c-x", 10),
                                                                             (2, "c-y", 2)]
    reasons = [r["reason"] for r in body["rejected"]]
    assert "after the call ended" in reasons[0] and "already ended" in reasons[1] and "unknown seat" in reasons[2]
    assert call_of(db, "c-x").last_seq == 5 and call_of(db, "c-y").state == "ended"


def test_an_inactive_seat_is_unknown(db, world, pbx, t0):
    make_seat(db, "OLD").active = False
    db.flush()
    events = stream("c-old", t0, seat="OLD")
    body = pbx.post(URL, json=events).json()
    assert [r["seq"] for r in body["rejected"]] == [4]


GOOD = {"call_id": "m-1", "seq": 1, "type": "offered", "at": "2026-12-06T09:00:00+08:00", "caller": "13812348000"}


@pytest.mark.parametrize(("batch", "field"), [
    ({"events": [GOOD]}, "body"),
    ([GOOD, "x"], "1.item"),
    ([GOOD, {**GOOD, "seq": "2"}], "1.seq"),
    ([GOOD, {**GOOD, "seq": True}], "1.seq"),
    ([GOOD, {**GOOD, "seq": -1}], "1.seq"),
    ([GOOD, {**GOOD, "type": "rang"}], "1.type"),
    ([GOOD, {**GOOD, "at": "2026-12-06T09:00:00"}], "1.at"),
    ([GOOD, {**GOOD, "at": "yesterday"}], "1.at"),
    ([GOOD, {**GOOD, "caller": "12"}], "1.caller"),
    ([GOOD, {k: v for k, v in GOOD.items() if k != "caller"}], "1.caller"),
    ([GOOD, {k: v for k, v in GOOD.items() if k != "call_id"}], "1.call_id"),
    ([GOOD, {**GOOD, "seq": 2, "type": "queued"}], "1.queue"),
    ([GOOD, {**GOOD, "seq": 2, "type": "answered"}], "1.seat"),
    ([GOOD, {**GOOD, "seq": 2, "type": "transferred", "seat": "A01", "to": "B"}], "1.mode"),
    ([GOOD, {**GOOD, "seq": 2, "type": "transferred", "seat": "A01", "to": "B", "mode": "warm"}], "1.mode"),
    ([GOOD, {**GOOD, "seq": 2, "type": "ended"}], "1.reason"),
    ([GOOD, {**GOOD, "seq": 2, "type": "ended", "reason": "hung_up"}], "1.reason"),
    ([GOOD, {**GOOD, "seq": 2, "type": "ivr", "digits": "1a"}], "1.digits"),
    ([GOOD, {**GOOD, "seq": 2, "type": "ended", "reason": "completed", "recording_url": "javascript:x"}],
     "1.recording_url"),
    ([GOOD, {**GOOD, "uniqueid": "x"}], "1.uniqueid"),
    ([GOOD, {**GOOD, "call_id": "a\x00b"}], "1.call_id"),
    ([{**GOOD, "seq": i} for i in range(1001)], "body"),
])
def test_a_malformed_batch_is_refused_whole_and_writes_nothing(db, world, pbx, batch, field):
    before = count(db, Call), count(db, CallEvent)
    response = pbx.post(URL, json=batch)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field
    if field != "body":
        assert body["index"] == int(field.split(".")[0])
    assert (count(db, Call), count(db, CallEvent)) == before


def test_a_body_that_is_not_json_is_refused(pbx):
    response = pbx.post(URL, content=b"[{", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["field"] == "body"


def test_an_empty_batch_is_accepted_as_nothing(pbx):
    assert pbx.post(URL, json=[]).json() == {"accepted": 0, "duplicates": 0, "rejected": []}


def test_without_a_valid_token_the_interface_answers_401(client):
    assert client.post(URL, json=[GOOD]).status_code == 401
    response = client.post(URL, json=[GOOD], headers={"Authorization": "Bearer hl_not-a-token"})
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["ivr", "agent", "admin"])
def test_accounts_of_other_roles_are_refused_with_403(db, api, role):
    assert api(role).post(URL, json=[GOOD]).status_code == 403
    assert count(db, Call) == 0


def test_a_call_of_another_centre_is_rejected(db, world, api, pbx, t0):
    admin = world.p("admin")
    other = auth_service.create_user(db, admin, username="pbx2", display_name="PBX2", role=Role.cti,
                                     unit_id=world.units["C-990200"], password=None, is_service=True)
    token, _ = auth_service.issue_api_token(db, admin, other, name="t", days=None)
    db.flush()
    pbx.post(URL, json=stream("shared-id", t0, answered=False)[:1])
    second = api("pbx")
    second.headers["Authorization"] = f"Bearer {token}"
    body = second.post(URL, json=stream("shared-id", t0, answered=False)[1:]).json()
    assert body["accepted"] == 0 and {r["reason"] for r in body["rejected"]} == {"the call belongs to another centre"}


def test_ivr_key_1_routes_the_call_to_the_enterprise_queue(db, world, pbx, t0):
    pbx.post(URL, json=stream("c-ent", t0, digits="1", queue=None, answered=False))
    call = call_of(db, "c-ent")
    queue = db.get(CtiQueue, call.queue_id)
    assert (queue.name, queue.kind, call.enterprise) == ("enterprise", "enterprise", True)
    pbx.post(URL, json=stream("c-ent2", t0, digits="1", queue="enterprise", answered=False))
    assert call_of(db, "c-ent2").queue_id == queue.id
    pbx.post(URL, json=stream("c-new-queue", t0, queue="社保专线", answered=False))
    new_queue = db.get(CtiQueue, call_of(db, "c-new-queue").queue_id)
    assert (new_queue.name, new_queue.kind) == ("社保专线", "general")


def test_each_centres_pbx_has_its_own_queues_of_the_same_name(db, world, api, pbx, t0):
    """Two cities' PBXs both send ``general``: two queues, one per centre's region; mapping one
    leaves the other alone, and each city's figures for ``general`` are its own calls."""
    admin = world.p("admin")
    other = auth_service.create_user(db, admin, username="pbx2", display_name="PBX2", role=Role.cti,
                                     unit_id=world.units["C-990200"], password=None, is_service=True)
    token, _ = auth_service.issue_api_token(db, admin, other, name="t", days=None)
    db.flush()
    second = api("pbx")
    second.headers["Authorization"] = f"Bearer {token}"
    assert pbx.post(URL, json=stream("qc-1", t0, queue="general", answered=False)).status_code == 202
    assert second.post(URL, json=stream("yl-1", t0, queue="general", answered=False)).status_code == 202
    assert second.post(URL, json=stream("yl-2", t0, queue="general", answered=False)).status_code == 202
    near, far = (db.get(CtiQueue, call_of(db, c).queue_id) for c in ("qc-1", "yl-1"))
    assert near.id != far.id and near.name == far.name == "general"
    assert call_of(db, "yl-2").queue_id == far.id
    mapped = api("city_admin").patch(f"/api/v1/cti/queues/{near.name}", json={"kind": "enterprise"})
    assert mapped.status_code == 200 and mapped.json()["id"] == near.id
    db.expire_all()
    assert (db.get(CtiQueue, near.id).kind, db.get(CtiQueue, far.id).kind) == ("enterprise", "general")
    assert api("city_admin").patch(f"/api/v1/cti/queues/{far.id}", json={"kind": "expert"}).status_code == 404
    window = {"from": iso(t0 - dt.timedelta(hours=1)), "to": iso(t0 + dt.timedelta(hours=1)), "queue": "general"}
    assert api("supervisor").get("/api/v1/cti/stats", params=window).json()["offered"] == 1  # 青川市
    assert api("admin").get("/api/v1/cti/stats", params=window).json()["offered"] == 3  # the province


def test_the_seats_agent_goes_busy_on_answer_and_wrap_up_at_the_end(db, world, pbx):
    seat = make_seat(db, "A01")
    seats.log_in(db, world.p("agent"), seat_code="A01")
    db.flush()
    t0 = clock.now() + dt.timedelta(seconds=1)
    events = stream("c-seat", t0)
    pbx.post(URL, json=events[:3])
    db.expire_all()
    assert db.get(Seat, seat.id).state == "busy"
    assert call_of(db, "c-seat").agent_id == world.user_ids["agent"]
    pbx.post(URL, json=events[3:])
    db.expire_all()
    assert db.get(Seat, seat.id).state == "wrap_up"
    states = db.execute(select(SeatState.state, SeatState.source).where(SeatState.seat_id == seat.id)
                        .order_by(SeatState.started_at)).all()
    assert [tuple(s) for s in states] == [("ready", "console"), ("busy", "pbx"), ("wrap_up", "pbx")]


def test_an_end_arriving_before_the_answer_still_leaves_the_seat_in_wrap_up(db, world, pbx):
    seat = make_seat(db, "A01")
    seats.log_in(db, world.p("agent"), seat_code="A01")
    db.flush()
    events = stream("c-rev", clock.now() + dt.timedelta(seconds=1))
    pbx.post(URL, json=[events[-1]])  # the end first
    pbx.post(URL, json=events[:-1])  # then the rest
    db.expire_all()
    assert db.get(Seat, seat.id).state == "wrap_up"


def test_a_blind_transfer_puts_the_transferring_seat_in_wrap_up(db, world, pbx):
    first, second = make_seat(db, "A01"), make_seat(db, "E01")
    seats.log_in(db, world.p("agent"), seat_code="A01")
    seats.log_in(db, world.p("supervisor"), seat_code="E01")
    db.flush()
    t0 = clock.now() + dt.timedelta(seconds=1)
    events = [
        *stream("c-tr", t0)[:3],
        {"call_id": "c-tr", "seq": 5, "type": "transferred", "at": iso(t0 + dt.timedelta(seconds=30)), "seat": "A01",
         "to": "E01", "mode": "blind"},
        {"call_id": "c-tr", "seq": 6, "type": "answered", "at": iso(t0 + dt.timedelta(seconds=35)), "seat": "E01"},
    ]
    assert pbx.post(URL, json=events).json()["accepted"] == 5
    db.expire_all()
    assert (db.get(Seat, first.id).state, db.get(Seat, second.id).state) == ("wrap_up", "busy")
    call = call_of(db, "c-tr")
    assert (call.transfers, call.three_way, call.seat_id) == (1, 0, first.id)
    pbx.post(URL, json=[{"call_id": "c-tr", "seq": 7, "type": "ended", "at": iso(t0 + dt.timedelta(seconds=90)),
                         "reason": "completed"}])
    db.expire_all()
    assert db.get(Seat, second.id).state == "wrap_up"


def test_a_call_never_ended_is_closed_as_timeout_and_a_late_end_replaces_it(db, world, pbx, travel):
    t0 = clock.now().replace(microsecond=0)
    events = stream("c-open", t0, answered=False)
    pbx.post(URL, json=events[:2])  # offered, queued: then nothing
    assert service.close_stale_calls(db) == 0
    travel.shift(dt.timedelta(minutes=241))
    assert service.close_stale_calls(db) == 1
    call = call_of(db, "c-open")
    assert (call.state, call.end_reason, call.ended_at) == ("ended", "timeout", t0 + dt.timedelta(seconds=6))
    assert call.wait_s == 0.0
    assert service.close_stale_calls(db) == 0
    response = pbx.post(URL, json=events[2:])  # the real end, late
    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    call = call_of(db, "c-open")
    assert (call.end_reason, call.ended_at, call.wait_s) == ("abandoned", t0 + dt.timedelta(seconds=20), 14.0)


def test_the_timeout_job_is_registered_and_closes_stale_calls(db, world, pbx, factory, travel):
    from hotline.kit import jobs
    from hotline.telephony import tasks

    assert tasks.CLOSE_JOB in jobs.PERIODIC
    pbx.post(URL, json=stream("c-job", clock.now(), answered=False)[:1])
    travel.shift(dt.timedelta(hours=5))
    jobs.HANDLERS[tasks.CLOSE_JOB](db, {})
    assert call_of(db, "c-job").end_reason == "timeout"


def test_a_call_answered_and_never_ended_frees_its_seat_when_closed_as_timeout(db, world, pbx, travel):
    seat = make_seat(db, "A01")
    seats.log_in(db, world.p("agent"), seat_code="A01")
    db.flush()
    t0 = clock.now() + dt.timedelta(seconds=1)
    pbx.post(URL, json=stream("c-hung", t0)[:3])  # offered, queued, answered: then silence
    db.expire_all()
    assert db.get(Seat, seat.id).state == "busy"
    travel.shift(dt.timedelta(hours=5))
    assert service.close_stale_calls(db) == 1
    db.expire_all()
    assert db.get(Seat, seat.id).state == "wrap_up"
    call = call_of(db, "c-hung")
    assert (call.end_reason, call.talk_s) == ("timeout", 0.0)


def test_an_event_after_the_platform_closed_the_call_reopens_it_when_recent(db, world, pbx, travel):
    t0 = clock.now().replace(microsecond=0)
    pbx.post(URL, json=stream("c-reopen", t0, answered=False)[:1])
    travel.shift(dt.timedelta(hours=5))
    service.close_stale_calls(db)
    assert call_of(db, "c-reopen").state == "ended"
    old = {"call_id": "c-reopen", "seq": 2, "type": "ivr", "at": iso(t0 + dt.timedelta(seconds=5)), "digits": "2"}
    assert pbx.post(URL, json=[old]).json()["accepted"] == 1  # late but old: the call stays closed
    call = call_of(db, "c-reopen")
    assert (call.state, call.end_reason, call.ended_at) == ("ended", "timeout", t0 + dt.timedelta(seconds=5))
    recent = {"call_id": "c-reopen", "seq": 3, "type": "queued", "at": iso(clock.now()), "queue": "general"}
    assert pbx.post(URL, json=[recent]).json()["accepted"] == 1  # the call was alive after all
    call = call_of(db, "c-reopen")
    assert (call.state, call.end_reason, call.ended_at) == ("queued", None, None)


def test_bulk_seat_moves_follow_the_same_rules_as_one_at_a_time(db, world):
    from hotline.telephony.lifecycle import EventType

    one, bulk, idle = make_seat(db, "B01"), make_seat(db, "B02"), make_seat(db, "B03")
    seats.log_in(db, world.p("agent"), seat_code="B01")
    seats.log_in(db, world.p("supervisor"), seat_code="B02")
    db.flush()
    now = clock.now()
    moves = [(now + dt.timedelta(seconds=s), kind) for s, kind in (
        (5, EventType.ended),  # not busy: nothing
        (10, EventType.answered), (70, EventType.ended), (-100, EventType.answered),  # late: nothing
        (80, EventType.answered), (90, EventType.ended), (95, EventType.ended))]
    for at, kind in moves:
        seats.on_call_event(db, one, kind, at)
    db.flush()
    assert seats.on_call_events(db, [(at, bulk.id, kind, None) for at, kind in moves]
                                + [(now, idle.id, EventType.answered, None)]) == 4
    db.expire_all()

    def spells(seat):
        return [(s.state, s.started_at, s.ended_at) for s in db.execute(
            select(SeatState).where(SeatState.seat_id == seat.id, SeatState.source == "pbx")
            .order_by(SeatState.started_at)).scalars()]

    assert spells(db.get(Seat, bulk.id)) == spells(db.get(Seat, one.id))
    assert [s for s, _, _ in spells(db.get(Seat, bulk.id))] == ["busy", "wrap_up", "busy", "wrap_up"]
    assert (db.get(Seat, bulk.id).state, db.get(Seat, bulk.id).state_since) == ("wrap_up", now + dt.timedelta(
        seconds=90))
    assert db.get(Seat, idle.id).state == "logged_out"  # no agent on it
    open_spells = db.execute(select(func.count()).select_from(SeatState).where(
        SeatState.seat_id == bulk.id, SeatState.ended_at.is_(None))).scalar_one()
    assert open_spells == 1


def test_the_fast_sqlite_timestamp_is_what_sqlalchemy_stores():
    from sqlalchemy.dialects import sqlite

    from hotline.kit.db import UTCDateTime
    from hotline.telephony.repository import _sqlite_utc

    stock = UTCDateTime()._cached_bind_processor(sqlite.dialect())
    for value in (dt.datetime(2026, 12, 6, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                  dt.datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=dt.UTC)):
        assert _sqlite_utc(value) == stock(value)


def test_the_call_keeps_the_agent_who_was_on_the_seat_when_it_was_answered(db, world, pbx):
    make_seat(db, "A01")
    make_seat(db, "A02")
    seats.log_in(db, world.p("agent"), seat_code="A01")
    db.flush()
    t0 = clock.now() + dt.timedelta(seconds=1)
    first, second = stream("c-agent", t0), stream("c-nobody", t0, seat="A02")
    pbx.post(URL, json=first[:3] + second[:3])
    seats.log_out(db, world.p("agent"))
    seats.log_in(db, world.p("supervisor"), seat_code="A02")  # logs in after c-nobody was answered
    db.flush()
    pbx.post(URL, json=first[3:] + second[3:])
    assert call_of(db, "c-agent").agent_id == world.user_ids["agent"]
    assert call_of(db, "c-nobody").agent_id is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("13812348000", "13812348000"), ("13812340001", "13812340001"), ("+86 138 1234 8000", "13812348000"),
    ("010-12345678", "01012345678"), ("12000000000", None), ("17400000000", "17400000000"),
    ("17406000000", None), ("14100000000", None),
])
def test_callers_numbers_are_checked_as_the_citizen_register_checks_them(raw, expected):
    from hotline.kit import validate
    from hotline.kit.errors import InvalidInput
    from hotline.telephony.schemas import _phone

    number, _ = _phone(raw)
    try:
        stock = validate.phone(raw)
    except InvalidInput:
        stock = None
    assert number == stock == expected
    assert _phone(raw)[0] == expected  # the cached verdict of the number's block
