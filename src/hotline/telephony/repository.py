"""Every query of telephony."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import RowMapping, bindparam, select, update
from sqlalchemy.orm import Session

from hotline.kit.db import insert_many, reserve_ids, table_of
from hotline.org.models import Region, Unit
from hotline.telephony.models import Call, CallEvent, CtiQueue, Seat, SeatState

# --- seats ------------------------------------------------------------------------------------

def seat_by_code(session: Session, code: str, *, lock: bool = False) -> Seat | None:
    stmt = select(Seat).where(Seat.code == code)
    return session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


def seat_by_ref(session: Session, ref: str) -> Seat | None:
    return session.execute(select(Seat).where(Seat.ref == ref)).scalar_one_or_none()


def seat_of_agent(session: Session, agent_id: int) -> Seat | None:
    return session.execute(select(Seat).where(Seat.agent_id == agent_id)).scalars().first()


def close_state_spell(session: Session, seat_id: int, at: dt.datetime) -> None:
    """End the seat's open state spell (if any) at ``at``."""
    session.execute(update(SeatState).where(SeatState.seat_id == seat_id, SeatState.ended_at.is_(None))
                    .values(ended_at=at))


def seat_region_code(session: Session, seat: Seat) -> str:
    return session.execute(select(Region.code).where(Region.id == seat.region_id)).scalar_one()


# --- call-event ingest (service.ingest, tasks.close_stale_calls) -------------------------------

#: The columns of a call the ingest reads back to recompute its facts.
CALL_COLUMNS = ("id", "call_id", "region_id", "caller_hash", "state", "end_reason", "ended_at", "last_event_at",
                "seat_id", "agent_id", "queue_id")


def region_of_unit(session: Session, unit_id: int) -> int:
    return session.execute(select(Unit.region_id).where(Unit.id == unit_id)).scalar_one()


def calls_by_pbx_ids(session: Session, call_ids: Collection[str], *, lock: bool = False) -> list[RowMapping]:
    """The calls of these PBX call ids (locked for update on PostgreSQL when ``lock``: two
    batches of one call fold it one after the other)."""
    if not call_ids:
        return []
    table = table_of(Call)
    stmt = select(*(table.c[name] for name in CALL_COLUMNS)).where(table.c.call_id.in_(sorted(call_ids)))
    if lock:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).mappings())


def events_of_calls(session: Session, ids: Collection[int]) -> list[tuple[int, int, str, dt.datetime, Any]]:
    """(call id, seq, type, at, data) of every stored event of these calls."""
    if not ids:
        return []
    table = table_of(CallEvent)
    stmt = select(table.c.call_id, table.c.seq, table.c.type, table.c.at, table.c.data).where(
        table.c.call_id.in_(sorted(ids)))
    return [(int(a), int(b), str(c), d, e) for a, b, c, d, e in session.execute(stmt)]


def active_seats(session: Session) -> dict[str, tuple[int, int | None]]:
    """Seat code → (seat id, the agent logged in on it) of every active seat."""
    stmt = select(Seat.code, Seat.id, Seat.agent_id).where(Seat.active.is_(True))
    return {code: (seat_id, agent_id) for code, seat_id, agent_id in session.execute(stmt)}


def seats_by_ids(session: Session, ids: Collection[int]) -> dict[int, Seat]:
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Seat).where(Seat.id.in_(sorted(ids)))).scalars()}


def queues_by_names(session: Session, names: Collection[str]) -> dict[str, tuple[int, str]]:
    """Queue name → (id, kind)."""
    if not names:
        return {}
    stmt = select(CtiQueue.name, CtiQueue.id, CtiQueue.kind).where(CtiQueue.name.in_(sorted(names)))
    return {name: (queue_id, kind) for name, queue_id, kind in session.execute(stmt)}


def insert_queues(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, CtiQueue, rows)


def insert_calls(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new calls; each row carries its ``id`` (:func:`new_call_ids`)."""
    insert_many(session, Call, rows)


def new_call_ids(session: Session, count: int) -> list[int]:
    return reserve_ids(session, Call, count)


def insert_call_events(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, CallEvent, rows)


def update_calls(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write the facts of calls: each row holds ``call_pk`` and the columns to set; rows
    with the same columns go in one ``executemany``."""
    table = table_of(Call)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    for group in groups.values():
        session.execute(update(table).where(table.c.id == bindparam("call_pk")), group)


def stale_open_calls(session: Session, before: dt.datetime, *, limit: int) -> list[RowMapping]:
    """Calls still open (no end) whose last event is older than ``before``, oldest first."""
    table = table_of(Call)
    stmt = (select(*(table.c[name] for name in CALL_COLUMNS))
            .where(table.c.ended_at.is_(None), table.c.last_event_at < before)
            .order_by(table.c.last_event_at).limit(limit))
    return list(session.execute(stmt).mappings())
