"""A hand-built call stream with known answers, posted through the call-event API at the
times the PBX would send it (the clock travels), for the statistics tests.

t0 = 2026-11-10 09:00 China time (01:00 UTC). Calls (seconds after t0):

===== ======== ====== ==================================== ===== ===== ==========================
call  queue    caller what happens                          wait  talk  notes
===== ======== ====== ==================================== ===== ===== ==========================
c1    general  X      answered by A01 (agent)               10    60    within 15 s, has an order
c2    general  Y      answered by A01                       20    100   after 15 s
c3    general  Z      abandoned                             3           short (not held against)
c4    general  X      abandoned                             30          long; repeat caller (X)
c5    —        W      hung up in the IVR (digit 9)          0           short
c6    ent.     V      IVR 1, answered by A02, three-way     5     89    enterprise, transfer
c7    general  U      answered by A02, blind transfer       12    82    transfer
c8    general  T      offered 09:59:50, answered by A01     5     60
c9    ent.     S      offered 10:00:10, answered by A02     8     80    enterprise
c10   general  X      offered 11:01:40, abandoned           8           long; repeat caller (X)
===== ======== ====== ==================================== ===== ===== ==========================

The agent on A01 returns to ready 14 s, 24 s and 40 s after c1, c2 and c8 ended: three
wrap-up spells (avg 26 s)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from hotline.kit import clock
from hotline.org.models import Region
from hotline.telephony import seats
from hotline.telephony.models import Call, CallOrder, Seat
from hotline.workorder import service as wo

T0 = dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC)
CST = dt.timezone(dt.timedelta(hours=8))
X, Y, Z, W, V, U, T, S = ("13800000001", "13800000002", "13800000003", "13800000004", "13800000005",
                          "13800000006", "13800000007", "13800000008")
URL = "/api/v1/cti/events"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def iso(seconds: float) -> str:
    return at(seconds).astimezone(CST).isoformat()


def ev(call_id: str, seq: int, type_: str, seconds: float, **fields: Any) -> dict[str, Any]:
    return {"call_id": call_id, "seq": seq, "type": type_, "at": iso(seconds), **fields}


def answered_call(call_id: str, caller: str, start: float, *, queue: str, wait: float, talk: float,
                  seat: str, digits: str | None = None) -> list[dict[str, Any]]:
    q = start + 6
    events = [ev(call_id, 1, "offered", start, caller=caller, called="12345")]
    if digits is not None:
        events.append(ev(call_id, 2, "ivr", start + 4, digits=digits))
    events += [ev(call_id, 3, "queued", q, queue=queue), ev(call_id, 4, "answered", q + wait, seat=seat),
               ev(call_id, 9, "ended", q + wait + talk, reason="completed")]
    return events


def abandoned_call(call_id: str, caller: str, start: float, *, queue: str | None, wait: float,
                   digits: str | None = None) -> list[dict[str, Any]]:
    events = [ev(call_id, 1, "offered", start, caller=caller, called="12345")]
    if digits is not None:
        events.append(ev(call_id, 2, "ivr", start + 5, digits=digits))
    if queue is not None:
        events.append(ev(call_id, 3, "queued", start + 6, queue=queue))
        events.append(ev(call_id, 9, "ended", start + 6 + wait, reason="abandoned"))
    else:
        events.append(ev(call_id, 9, "ended", start + 10, reason="abandoned"))
    return events


def make_seat(db, code: str, region: str = "990100") -> Seat:
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    seat = Seat(code=code, region_id=region_id, created_at=clock.now())
    db.add(seat)
    db.flush()
    return seat


def post(pbx, events: list[dict[str, Any]]) -> None:
    response = pbx.post(URL, json=events)
    assert response.status_code == 202, response.text
    assert not response.json()["rejected"], response.text


def play(db, world, pbx, travel) -> None:
    """Post the stream of the module's docstring, moving the clock as the PBX would."""
    travel.move_to(at(-60), tick=False)
    make_seat(db, "A01")
    make_seat(db, "A02")
    seats.log_in(db, world.p("agent"), seat_code="A01")
    db.commit()
    travel.move_to(at(80), tick=False)
    post(pbx, answered_call("c1", X, 0, queue="general", wait=10, talk=60, seat="A01"))
    travel.move_to(at(90), tick=False)  # c1 ended at 76: 14 s of wrap-up
    seats.choose_state(db, world.p("agent"), state="ready")
    db.commit()
    travel.move_to(at(230), tick=False)
    post(pbx, answered_call("c2", Y, 100, queue="general", wait=20, talk=100, seat="A01"))
    travel.move_to(at(250), tick=False)  # c2 ended at 226: 24 s
    seats.choose_state(db, world.p("agent"), state="ready")
    db.commit()
    travel.move_to(at(1000), tick=False)
    post(pbx, abandoned_call("c3", Z, 300, queue="general", wait=3))
    post(pbx, abandoned_call("c4", X, 400, queue="general", wait=30))
    post(pbx, abandoned_call("c5", W, 500, queue=None, wait=0, digits="9"))
    c6 = answered_call("c6", V, 600, queue="enterprise", wait=5, talk=89, seat="A02", digits="1")
    c6.insert(4, ev("c6", 5, "transferred", 650, seat="A02", to="EXP01", mode="three_way"))
    c7 = answered_call("c7", U, 800, queue="general", wait=12, talk=82, seat="A02")
    c7.insert(4, ev("c7", 5, "transferred", 850, seat="A02", to="unit-B", mode="blind"))
    post(pbx, c6 + c7)
    travel.move_to(at(3665), tick=False)
    post(pbx, answered_call("c8", T, 3590, queue="general", wait=5, talk=60, seat="A01"))
    travel.move_to(at(3701), tick=False)  # c8 ended at 3661: 40 s
    seats.choose_state(db, world.p("agent"), state="ready")
    db.commit()
    travel.move_to(at(3 * 3600 + 60), tick=False)
    post(pbx, answered_call("c9", S, 3610, queue="enterprise", wait=8, talk=80, seat="A02", digits="1"))
    post(pbx, abandoned_call("c10", X, 7300, queue="general", wait=8))
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="路灯不亮", content="幸福路路灯坏了晚上一片漆黑",
        phone=X, region_code="990102001"))
    c1 = db.execute(select(Call.id).where(Call.call_id == "c1")).scalar_one()
    db.add(CallOrder(call_id=c1, order_id=order.id, created_at=clock.now()))
    db.commit()


#: The hand-computed answers for [t0, t0 + 3 h).
TOTAL = {"offered": 10, "answered": 6, "abandoned": 4, "abandoned_short": 2, "answer_rate": 0.75,
         "answered_within_15s": 5, "service_level": 0.625, "avg_wait_s": 10.0, "avg_talk_s": 78.5,
         "avg_wrap_up_s": 26.0, "aht_s": 104.5, "transfers": 2, "three_way": 1, "enterprise": 2, "ordered": 1,
         "repeat_calls": 2}
BY_QUEUE = {
    "general": {"offered": 7, "answered": 4, "abandoned": 3, "abandoned_short": 1, "answer_rate": 0.6667,
                "answered_within_15s": 3, "service_level": 0.5, "avg_wait_s": 11.8, "avg_talk_s": 75.5,
                "avg_wrap_up_s": None, "aht_s": None, "transfers": 1, "three_way": 0, "enterprise": 0, "ordered": 1,
                "repeat_calls": 2},
    "enterprise": {"offered": 2, "answered": 2, "abandoned": 0, "abandoned_short": 0, "answer_rate": 1.0,
                   "answered_within_15s": 2, "service_level": 1.0, "avg_wait_s": 6.5, "avg_talk_s": 84.5,
                   "avg_wrap_up_s": None, "aht_s": None, "transfers": 1, "three_way": 1, "enterprise": 2,
                   "ordered": 0, "repeat_calls": 0},
    "": {"offered": 1, "answered": 0, "abandoned": 1, "abandoned_short": 1, "answer_rate": None,
         "answered_within_15s": 0, "service_level": None, "avg_wait_s": None, "avg_talk_s": None,
         "avg_wrap_up_s": None, "aht_s": None, "transfers": 0, "three_way": 0, "enterprise": 0, "ordered": 0,
         "repeat_calls": 0},
}
