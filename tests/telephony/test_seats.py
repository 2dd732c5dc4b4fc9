"""Seats: an agent logs in on a seat, sets their state, and the PBX's events move it."""

import datetime as dt

import pytest
from sqlalchemy import select

from hotline.kit import clock
from hotline.kit.errors import Conflict, IllegalTransition, NotFound
from hotline.org.models import Region
from hotline.telephony import seats
from hotline.telephony.lifecycle import EventType
from hotline.telephony.models import Seat, SeatState


def make_seat(db, code: str, region: str = "990100") -> Seat:
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    seat = Seat(code=code, region_id=region_id, created_at=clock.now())
    db.add(seat)
    db.flush()
    return seat


def spells(db, seat: Seat) -> list[tuple[str, str, bool]]:
    rows = db.execute(select(SeatState).where(SeatState.seat_id == seat.id).order_by(SeatState.id)).scalars()
    return [(r.state, r.source, r.ended_at is None) for r in rows]


def test_an_agent_logs_in_takes_a_break_and_logs_out(db, world):
    seat = make_seat(db, "S01")
    seats.log_in(db, world.p("agent"), seat_code="S01")
    assert (seat.agent_id, seat.state) == (world.user_ids["agent"], "ready")
    seats.choose_state(db, world.p("agent"), state="break")
    seats.choose_state(db, world.p("agent"), state="logged_out")
    assert seat.agent_id is None and seat.state == "logged_out"
    assert spells(db, seat) == [("ready", "console", False), ("break", "console", False),
                                ("logged_out", "console", True)]


def test_the_pbx_makes_the_agent_busy_then_wrap_up_and_the_agent_returns_to_ready(db, world):
    seat = make_seat(db, "S02")
    seats.log_in(db, world.p("agent"), seat_code="S02")
    now = clock.now()
    seats.on_call_event(db, seat, EventType.answered, now + dt.timedelta(seconds=5))
    assert seat.state == "busy"
    with pytest.raises(IllegalTransition):
        seats.choose_state(db, world.p("agent"), state="ready")
    seats.on_call_event(db, seat, EventType.ended, now + dt.timedelta(seconds=65))
    assert seat.state == "wrap_up"
    seats.on_call_event(db, seat, EventType.answered, now + dt.timedelta(seconds=1))  # late: ignored
    assert seat.state == "wrap_up"
    seats.choose_state(db, world.p("agent"), state="ready")
    assert [s for s, _, _ in spells(db, seat)] == ["ready", "busy", "wrap_up", "ready"]


def test_a_seat_held_by_another_agent_or_outside_the_region_cannot_be_taken(db, world):
    make_seat(db, "S03")
    make_seat(db, "Y01", region="990200")
    seats.log_in(db, world.p("agent"), seat_code="S03")
    with pytest.raises(Conflict):
        seats.log_in(db, world.p("supervisor"), seat_code="S03")
    with pytest.raises(NotFound):
        seats.log_in(db, world.p("agent"), seat_code="Y01")


def test_moving_to_another_seat_leaves_the_first(db, world):
    first, second = make_seat(db, "S04"), make_seat(db, "S05")
    seats.log_in(db, world.p("agent"), seat_code="S04")
    seats.log_in(db, world.p("agent"), seat_code="S05")
    assert (first.agent_id, first.state) == (None, "logged_out")
    assert second.agent_id == world.user_ids["agent"]
