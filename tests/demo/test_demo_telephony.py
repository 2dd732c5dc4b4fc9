"""The demo's telephony: queues with their skill groups, a dozen seats (outsourced ones, an
expert seat of a department), three weeks of past calls taken in through the ingest (a demo
citizen is a repeat caller), and a CTI key issued afresh at each start."""

from __future__ import annotations

import time_machine
from sqlalchemy import func, select

from hotline.citizen import service as citizen_service
from hotline.demo import telephony
from hotline.telephony.models import Call, CallEvent, CtiQueue, Seat


def test_the_demo_has_queues_seats_and_weeks_of_past_calls(demo_db):
    queues = {q.name: (q.kind, q.label) for q in demo_db.execute(select(CtiQueue)).scalars()}
    assert queues == {"general": ("general", "综合话务"), "enterprise": ("enterprise", "企业专线"),
                      "expert": ("expert", "专家坐席")}
    seats = {s.code: s for s in demo_db.execute(select(Seat)).scalars()}
    assert len(seats) == 12 and seats["X001"].kind == "expert" and seats["X001"].unit_id is not None
    assert seats["S008"].operator == telephony.OUTSOURCED and seats["S001"].operator is None
    calls = demo_db.execute(select(func.count()).select_from(Call)).scalar_one()
    assert calls == telephony.HISTORY_DAYS * telephony.CALLS_PER_DAY
    assert demo_db.execute(select(func.count()).select_from(Call).where(Call.ended_at.is_(None))).scalar_one() == 0
    answered = demo_db.execute(select(func.count()).select_from(Call).where(Call.answered_at.is_not(None))).scalar_one()
    enterprise = demo_db.execute(select(func.count()).select_from(Call).where(Call.enterprise.is_(True))).scalar_one()
    assert 0.7 < answered / calls < 0.97 and 0.08 < enterprise / calls < 0.22
    assert demo_db.execute(select(func.count()).select_from(CallEvent)).scalar_one() > calls * 4
    repeat = citizen_service.phone_hash(telephony.CITIZEN_PHONES[0])
    assert demo_db.execute(select(func.count()).select_from(Call).where(Call.caller_hash == repeat)).scalar_one() >= 2
    from hotline.citizen.models import Citizen
    from hotline.workorder.models import WorkOrder

    with_orders = demo_db.execute(select(func.count()).select_from(WorkOrder).join(
        Citizen, Citizen.id == WorkOrder.citizen_id).where(Citizen.phone_hash == repeat)).scalar_one()
    assert with_orders >= 1  # the repeat caller's pop has orders to show


def test_the_demo_rolls_its_past_calls_up_before_a_server_starts(demo_db, demo):
    from hotline.telephony.stats import service as call_statistics

    with time_machine.travel(demo.loaded_at, tick=False):  # just after the load, as `hotline demo` does
        assert telephony.roll_up_history(demo_db) >= telephony.HISTORY_DAYS * 12  # every hour of the calls
        assert call_statistics.rollup(demo_db).call_hours == 0  # the worker's first run: nothing left to roll


def test_each_demo_start_issues_a_fresh_cti_key_and_revokes_the_last(demo_db):
    from hotline.telephony import admin

    first = telephony.issue_demo_key(demo_db)
    second = telephony.issue_demo_key(demo_db)
    assert first != second
    rows = [r for r in admin.list_keys(demo_db, telephony._admin(demo_db)) if r.name == telephony.DEMO_KEY_NAME]
    assert [r.revoked_at is None for r in rows] == [True, False] and rows[0].account == "cti.c-990100"
    assert set(telephony.seat_kinds(demo_db)) == {code for code, *_ in telephony.SEATS}


def test_duty_agents_sit_on_the_seats_take_the_past_calls_and_return_to_ready(demo_db):
    import datetime as dt

    from hotline.kit import clock
    from hotline.telephony import seats as seat_service
    from hotline.telephony.lifecycle import EventType

    seats = {s.code: s for s in demo_db.execute(select(Seat)).scalars()}
    free = {code for code, seat in seats.items() if seat.agent_id is None}
    assert free == {"S001", "X001"}  # for the agent and the housing bureau's handler
    assert {seats[c].state for c in telephony.DUTY_SEATS} == {"ready"}
    # the past calls were answered by the duty agents: agents' figures and quality have work to show
    by_agent = demo_db.execute(select(func.count()).select_from(Call).where(Call.agent_id.is_not(None))).scalar_one()
    answered = demo_db.execute(select(func.count()).select_from(Call).where(Call.answered_at.is_not(None))).scalar_one()
    duty_ids = [seats[c].id for c in telephony.DUTY_SEATS]
    unstaffed = demo_db.execute(select(func.count()).select_from(Call).where(
        Call.seat_id.in_(duty_ids), Call.answered_at.is_not(None), Call.agent_id.is_(None))).scalar_one()
    assert unstaffed == 0 and by_agent > 0.7 * answered  # S001's calls had no agent on the seat
    # a duty agent in wrap-up chooses ready once the wrap-up has lasted long enough, not before
    seat = seats["S002"]
    now = clock.now()
    seat_service.on_call_event(demo_db, seat, EventType.answered, now)
    seat_service.on_call_event(demo_db, seat, EventType.ended, now)
    assert seat.state == "wrap_up" and telephony.release_wrap_ups(demo_db) == 0
    assert telephony.release_wrap_ups(demo_db, after=dt.timedelta(seconds=-60)) == 1
    assert seat.state == "ready"
