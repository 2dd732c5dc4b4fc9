"""Use cases of seats (坐席): an agent logging in on a seat and out of it, the agent's state
(ready, busy, wrap-up, break, logged out) as the console or the PBX sets it. Every change
closes the seat's current state spell and opens the next, so the spells are the agents'
timesheet (wrap-up time, breaks, time logged in). Services take the session first and never
commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import Conflict, Forbidden, IllegalTransition, NotFound
from hotline.telephony import lifecycle, repository
from hotline.telephony.lifecycle import EventType
from hotline.telephony.models import AgentState, QueueKind, Seat, SeatState


def set_state(session: Session, seat: Seat, state: str, *, at: dt.datetime, source: str,
              agent_id: int | None = None) -> None:
    """Record that the seat's agent is in ``state`` from ``at`` (the previous spell ends then).
    A report older than the seat's current state changes nothing (events arrive late)."""
    if seat.state_since is not None and at < seat.state_since:
        return
    repository.close_state_spell(session, seat.id, at)
    seat.state, seat.state_since = state, at
    session.add(SeatState(seat_id=seat.id, agent_id=agent_id if agent_id is not None else seat.agent_id,
                          state=state, source=source, started_at=at))


def log_in(session: Session, actor: Principal, *, seat_code: str) -> Seat:
    """The agent binds their account to a seat and is ready. Centre staff who take calls sit
    on any seat of their region; a department's specialists only on their unit's expert
    seats (专家坐席), where transferred calls reach them. A seat held by someone else is a
    409; an agent already on another seat leaves it first."""
    centre_staff = actor.can(Cap.intake) and actor.can(Cap.view_calls)
    if actor.is_service or not (centre_staff or actor.can(Cap.handle)):
        raise Forbidden("只有热线中心话务人员和专家坐席人员可以签入坐席")
    seat = repository.seat_by_code(session, seat_code.strip(), lock=True)
    if seat is None or not seat.active:
        raise NotFound("坐席不存在")
    if centre_staff:
        if not repository.seat_region_code(session, seat).startswith(actor.region_prefix):
            raise NotFound("坐席不存在")
    elif seat.kind != QueueKind.expert.value or seat.unit_id != actor.unit_id:
        raise NotFound("本单位没有这个专家坐席")
    if seat.agent_id not in (None, actor.user_id):
        raise Conflict("该坐席已有话务员签入")
    current = repository.seat_of_agent(session, actor.user_id)
    now = clock.now()
    if current is not None and current.id != seat.id:
        log_out(session, actor)
    if seat.agent_id != actor.user_id:
        seat.call_id = None  # the previous agent's call is not this agent's to pop
    seat.agent_id = actor.user_id
    set_state(session, seat, AgentState.ready.value, at=now, source="console")
    audit.record(session, actor, "seat.logged_in", object_type="seat", object_id=seat.ref,
                 detail={"seat": seat.code})
    return seat


def log_out(session: Session, actor: Principal) -> None:
    seat = repository.seat_of_agent(session, actor.user_id)
    if seat is None:
        return
    set_state(session, seat, AgentState.logged_out.value, at=clock.now(), source="console")
    seat.agent_id = seat.call_id = None
    audit.record(session, actor, "seat.logged_out", object_type="seat", object_id=seat.ref,
                 detail={"seat": seat.code})


def choose_state(session: Session, actor: Principal, *, state: str) -> Seat:
    """The agent sets their own state on the console (ready ↔ break, wrap-up → ready …)."""
    seat = repository.seat_of_agent(session, actor.user_id)
    if seat is None:
        raise Conflict("尚未签入坐席")
    if state == AgentState.logged_out.value:
        log_out(session, actor)
        return seat
    if not lifecycle.console_move_allowed(seat.state, state):
        raise IllegalTransition(f"坐席状态不能从 {seat.state} 改为 {state}")
    # the PBX's clock may run a little ahead of ours: the choice is never older than the state it ends
    at = max(clock.now(), seat.state_since or clock.now())
    set_state(session, seat, state, at=at, source="console")
    return seat


def on_call_event(session: Session, seat: Seat, event_type: EventType, at: dt.datetime,
                  call_id: int | None = None) -> None:
    """What the PBX's call event says of the seat's agent: answering (call ``call_id``) makes
    them busy with that call, the end of the call puts them in wrap-up. A seat without an
    agent logged in is left alone."""
    state = lifecycle.STATE_AFTER_EVENT.get(event_type)
    if state is None or seat.agent_id is None:
        return
    if event_type is EventType.ended and seat.state != AgentState.busy.value:
        return
    if seat.state_since is not None and at < seat.state_since:
        return
    set_state(session, seat, state, at=at, source="pbx")
    if event_type is EventType.answered:
        seat.call_id = call_id



# --- the PBX's call events, a batch at a time (telephony.service.ingest) ----------------------

def on_call_events(session: Session, moves: Sequence[tuple[dt.datetime, int, EventType, int | None]]) -> int:
    """:func:`on_call_event` for many (at, seat id, event type, call id) at once, with the
    same rules (answered → busy with the call, ended → wrap-up if busy; no agent logged in, or
    a report older than the seat's state: nothing): the seats are read in one query, their
    spells closed, added and the seats updated in bulk — the ingest of a PBX's batch sets
    hundreds of states. Returns how many states were set."""
    if not moves:
        return 0
    current = repository.seat_states(session, {seat_id for _, seat_id, _, _ in moves},
                                     lock=session.get_bind().dialect.name == "postgresql")
    spells: dict[int, list[tuple[str, dt.datetime]]] = {}
    for at, seat_id, event_type, call_id in sorted(moves, key=lambda m: m[0]):
        seat = current.get(seat_id)
        state = lifecycle.STATE_AFTER_EVENT.get(event_type)
        if seat is None or state is None or seat.agent_id is None:
            continue
        if event_type is EventType.ended and seat.state != AgentState.busy.value:
            continue
        if seat.state_since is not None and at < seat.state_since:
            continue
        seat.state, seat.state_since = state, at
        if event_type is EventType.answered:
            seat.call_id = call_id
        spells.setdefault(seat_id, []).append((state, at))
    if not spells:
        return 0
    repository.close_open_spells(session, [(seat_id, runs[0][1]) for seat_id, runs in spells.items()])
    rows = []
    for seat_id, runs in spells.items():
        agent_id = current[seat_id].agent_id
        for i, (state, at) in enumerate(runs):
            rows.append({"seat_id": seat_id, "agent_id": agent_id, "state": state, "source": "pbx", "started_at": at,
                         "ended_at": runs[i + 1][1] if i + 1 < len(runs) else None})
    repository.insert_spells(session, rows)
    repository.set_seat_states(session, [(seat_id, current[seat_id].state, current[seat_id].state_since,
                                          current[seat_id].call_id) for seat_id in spells])
    return len(rows)
