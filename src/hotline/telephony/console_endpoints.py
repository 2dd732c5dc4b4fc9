"""JSON API of the agent's seat and of call records (``/api/v1/cti/…``): log in on a seat,
set one's state, log out, read one's seat with the call on it (the screen-pop); the call list
and one call for centre staff; an order's calls (``/api/v1/orders/{number}/calls``).

Errors: 403 for roles that do not take calls (seat) or see no calls (records), 404 for an
unknown seat or a call outside the caller's scope, 409 for a seat held by someone else or a
state the agent may not choose now, 422 for a bad field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.auth.schemas import Page
from hotline.kit.db import MAX_ID
from hotline.kit.errors import InvalidInput
from hotline.telephony import records, repository, screenpop, seats
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["cti"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed for the role"},
    404: {"description": "Unknown seat, or a call outside the caller's scope"},
    409: {"description": "Seat held by another agent, or a state move not allowed now"},
    422: {"description": "Invalid field"},
}


class SeatLogin(BaseModel):
    seat: str = Field(min_length=1, max_length=50)


class SeatStateIn(BaseModel):
    state: Literal["ready", "break", "logged_out"]


class OrderBrief(BaseModel):
    number: str
    status: str
    title: str
    registered_at: dt.datetime


class PopOut(BaseModel):
    """What the screen-pop shows of the caller."""

    caller: str | None
    caller_masked: bool
    queue: str | None
    queue_label: str | None
    enterprise_line: bool
    wait_s: float | None
    citizens: list[str | None]  # names as the role sees them
    orders: list[OrderBrief]  # earlier orders, newest first
    open_orders: list[OrderBrief]
    enterprise_name: str | None
    uscc: str | None
    linked_orders: list[str]
    earlier_calls: int  # the caller's calls to the centre in the 30 days before this one


class CurrentCall(BaseModel):
    ref: str
    answered_at: dt.datetime | None
    pop: PopOut


class SeatOut(BaseModel):
    seat: str | None  # None: not logged in on a seat
    state: str | None
    since: dt.datetime | None
    call: CurrentCall | None = None


class OrderLinkOut(BaseModel):
    number: str | None  # None: an order the caller may not see


class CallOut(BaseModel):
    ref: str
    call_id: str
    caller: str | None
    caller_masked: bool
    state: str
    offered_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str | None
    queue: str | None
    enterprise_line: bool
    seat: str | None
    agent: str | None
    wait_s: float | None
    talk_s: float | None
    transfers: int
    three_way: int
    recording_url: str | None
    orders: list[OrderLinkOut]


class LegOut(BaseModel):
    at: dt.datetime
    seat: str | None
    to: str | None
    mode: str | None


class EventOut(BaseModel):
    seq: int
    type: str
    at: dt.datetime
    data: str


class CallDetailOut(CallOut):
    ivr_digits: str | None
    events: list[EventOut]
    legs: list[LegOut]


def _brief(principal: Principal, orders: list[Any]) -> list[OrderBrief]:
    from hotline.workorder import service as workorder

    return [OrderBrief(number=o.number, status=o.status.value, title=workorder.order_text(principal, o)[0],
                       registered_at=o.registered_at) for o in orders]


def _seat_out(db: Session, principal: Principal, *, pop: bool) -> SeatOut:
    status = screenpop.console_status(db, principal)
    if status is None:
        return SeatOut(seat=None, state=None, since=None)
    out = SeatOut(seat=status.code, state=status.state, since=status.since)
    if pop and status.call_ref is not None:
        call = repository.call_by_ref(db, status.call_ref)
        assert call is not None
        p = screenpop.screen_pop(db, principal, call)
        out.call = CurrentCall(ref=call.ref, answered_at=call.answered_at, pop=PopOut(
            caller=p.caller, caller_masked=p.masked, queue=p.queue_name, queue_label=p.queue_label,
            enterprise_line=p.enterprise_line, wait_s=p.wait_s, citizens=[c.name for c in p.citizens],
            orders=_brief(principal, p.history.orders), open_orders=_brief(principal, p.history.open_orders),
            enterprise_name=p.history.enterprise_name, uscc=p.history.uscc, linked_orders=p.linked_orders,
            earlier_calls=p.earlier_calls))
    return out


@router.get("/cti/seat", responses=ERRORS)
def my_seat(principal: CurrentPrincipal, db: Db) -> SeatOut:
    """The caller's seat and state; while busy or in wrap-up, the call answered there with
    its screen-pop (the caller masked per role; an unmasked view is audited)."""
    screenpop.require_seat_user(db, principal)
    return _seat_out(db, principal, pop=True)


@router.post("/cti/seat/login", responses=ERRORS)
def seat_login(body: SeatLogin, principal: CurrentPrincipal, db: Db) -> SeatOut:
    """Log in on the seat with this code (the agent is ready); leaving any other seat first."""
    screenpop.require_seat_user(db, principal)
    seats.log_in(db, principal, seat_code=body.seat)
    db.flush()
    return _seat_out(db, principal, pop=False)


@router.post("/cti/seat/state", responses=ERRORS)
def seat_state(body: SeatStateIn, principal: CurrentPrincipal, db: Db) -> SeatOut:
    """Choose ready, break or logged out (busy and wrap-up come from the PBX's events)."""
    screenpop.require_seat_user(db, principal)
    seats.choose_state(db, principal, state=body.state)
    db.flush()
    return _seat_out(db, principal, pop=False)


@router.post("/cti/seat/logout", responses=ERRORS)
def seat_logout(principal: CurrentPrincipal, db: Db) -> SeatOut:
    screenpop.require_seat_user(db, principal)
    seats.log_out(db, principal)
    db.flush()
    return _seat_out(db, principal, pop=False)


def _aware(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(name, "须带时区（如 +08:00）")
    return value


def _call_out(row: records.CallRow) -> dict[str, Any]:
    return {"ref": row.ref, "call_id": row.call_id, "caller": row.caller, "caller_masked": row.caller_masked,
            "state": row.state, "offered_at": row.offered_at, "answered_at": row.answered_at,
            "ended_at": row.ended_at, "end_reason": row.end_reason, "queue": row.queue,
            "enterprise_line": row.enterprise_line, "seat": row.seat, "agent": row.agent, "wait_s": row.wait_s,
            "talk_s": row.talk_s, "transfers": row.transfers, "three_way": row.three_way,
            "recording_url": row.recording_url, "orders": [{"number": o.number} for o in row.orders]}


@router.get("/cti/calls", responses=ERRORS)
def list_calls(
    principal: CurrentPrincipal, db: Db,
    from_: Annotated[dt.datetime | None, Query(alias="from", description="offered at or after (ISO-8601)")] = None,
    to: Annotated[dt.datetime | None, Query(description="offered before (ISO-8601)")] = None,
    queue: Annotated[str | None, Query(max_length=100)] = None,
    seat: Annotated[str | None, Query(max_length=50)] = None,
    state: Annotated[Literal["offered", "ivr", "queued", "answered", "transferred", "ended"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Page[CallOut]:
    """Calls of the caller's region, newest first; callers masked (see one call for the number)."""
    access.require(principal, Cap.view_calls)
    f = repository.CallFilter(offered_from=_aware(from_, "from"), offered_to=_aware(to, "to"), queue=queue,
                              seat=seat, state=state)
    rows, total = records.list_calls(db, principal, f, limit=limit, offset=offset)
    return Page[CallOut](items=[CallOut(**_call_out(r)) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/cti/calls/{ref}", responses=ERRORS)
def get_call(ref: str, principal: CurrentPrincipal, db: Db) -> CallDetailOut:
    """One call: its facts, its events as reported, its transfer legs and the orders it
    produced; the caller unmasked for roles with PII (audited)."""
    access.require(principal, Cap.view_calls)
    detail = records.call_detail(db, principal, access.access_call(db, principal, ref))
    return CallDetailOut(**_call_out(detail.row), ivr_digits=detail.ivr_digits,
                         events=[EventOut(seq=e.seq, type=e.type, at=e.at, data=e.detail) for e in detail.events],
                         legs=[LegOut(at=leg.at, seat=leg.seat, to=leg.to, mode=leg.mode) for leg in detail.legs])


@router.get("/orders/{number}/calls", responses=ERRORS)
def order_calls(number: str, principal: CurrentPrincipal, db: Db) -> list[CallOut]:
    """The calls the order was registered from (an order outside the caller's scope is a 404;
    calls outside it are left out); callers masked."""
    order = access.access_work_order(db, principal, number)
    return [CallOut(**_call_out(r)) for r in records.calls_of_order(db, principal, order)]
