"""Every query of telephony."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from hotline.kit.db import UTCDateTime, insert_many, reserve_ids, table_of
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


@dataclass(slots=True)
class SeatNow:
    """A seat's agent and state, as :func:`hotline.telephony.seats.on_call_events` moves them."""

    agent_id: int | None
    state: str
    state_since: dt.datetime | None


def seat_states(session: Session, ids: Collection[int], *, lock: bool = False) -> dict[int, SeatNow]:
    stmt = select(Seat.id, Seat.agent_id, Seat.state, Seat.state_since).where(Seat.id.in_(sorted(ids)))
    if lock:
        stmt = stmt.with_for_update()
    return {seat_id: SeatNow(agent_id, state, since) for seat_id, agent_id, state, since in session.execute(stmt)}


def close_open_spells(session: Session, ends: Sequence[tuple[int, dt.datetime]]) -> None:
    """End each seat's open state spell at the given instant."""
    _executemany(session, "close_spell", table_of(SeatState), ("ended_at",),
                 [{"b_seat_id": seat_id, "ended_at": at} for seat_id, at in ends])


def insert_spells(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, SeatState, rows)


def set_seat_states(session: Session, states: Sequence[tuple[int, str, dt.datetime | None]]) -> None:
    _executemany(session, "set_state", table_of(Seat), ("state", "state_since"),
                 [{"b_id": seat_id, "state": state, "state_since": since} for seat_id, state, since in states])


def seat_region_code(session: Session, seat: Seat) -> str:
    return session.execute(select(Region.code).where(Region.id == seat.region_id)).scalar_one()


# --- call-event ingest (service.ingest, tasks.close_stale_calls) -------------------------------

#: The columns of a call the ingest reads back to recompute its facts.
CALL_COLUMNS = ("id", "call_id", "region_id", "caller_hash", "state", "end_reason", "ended_at", "last_event_at",
                "seat_id", "agent_id", "queue_id")


#: Bind names of the keys (``WHERE``) of the statements below → their column.
_KEYS = {"call_pk": "id", "b_id": "id", "b_seat_id": "seat_id"}


def _statement(kind: str, table: Table) -> Any:
    """The statement of :func:`_executemany`: an insert, or an update of the named columns of
    a call (by ``call_pk``), a seat (by ``b_id``) or a seat's open state spell (by ``b_seat_id``)."""
    if kind == "insert":
        return insert(table)
    if kind == "close_spell":
        return update(table).where(table.c.seat_id == bindparam("b_seat_id"), table.c.ended_at.is_(None))
    return update(table).where(table.c.id == bindparam("call_pk" if kind == "update" else "b_id"))


_COMPILED: dict[tuple[str, str, str, tuple[str, ...]], Any] = {}


def _sqlite_utc(value: dt.datetime) -> str:
    """What SQLAlchemy's SQLite DATETIME stores for an aware instant (UTC, microseconds),
    formatted by ``isoformat`` in C rather than by a format dict per value."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _processor(table: Table, name: str, dialect: Any) -> Any:
    column = table.c.get(_KEYS.get(name, name))
    if column is None:
        return None
    if dialect.name == "sqlite" and isinstance(column.type, UTCDateTime):
        return _sqlite_utc
    return column.type._cached_bind_processor(dialect)


def _executemany(session: Session, kind: str, table: Table, names: Sequence[str],
                 rows: Sequence[Mapping[str, Any]]) -> None:
    """An ``insert`` (or an update, see :func:`_statement`) of ``names``, once per row,
    through the driver's own ``executemany``: each value goes through its column's bind
    processor (encryption, UTC, JSON) as SQLAlchemy would send it, column by column, without
    SQLAlchemy's per-row parameter machinery — the ingest's hottest cost on batches of
    hundreds of rows."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    key = (dialect.name, kind, table.name, tuple(names))
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _statement(kind, table).compile(dialect=dialect, column_keys=list(names))
    order: list[str] = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
    columns = []
    for name in order:
        values = [row[name] for row in rows]
        proc = _processor(table, name, dialect)
        if proc is not None:
            values = [None if v is None else proc(v) for v in values]
        columns.append(values)
    if compiled.positional:
        params: list[Any] = list(zip(*columns, strict=True))
    else:
        params = [dict(zip(order, values, strict=True)) for values in zip(*columns, strict=True)]
    connection.exec_driver_sql(compiled.string, params)


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


def queues_by_names(session: Session, names: Collection[str]) -> dict[str, tuple[int, str]]:
    """Queue name → (id, kind)."""
    if not names:
        return {}
    stmt = select(CtiQueue.name, CtiQueue.id, CtiQueue.kind).where(CtiQueue.name.in_(sorted(names)))
    return {name: (queue_id, kind) for name, queue_id, kind in session.execute(stmt)}


def insert_queues(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, CtiQueue, rows)


def insert_calls(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new calls; each row carries its ``id`` (:func:`new_call_ids`), every row the same keys."""
    if rows:
        _executemany(session, "insert", table_of(Call), list(rows[0]), rows)


def new_call_ids(session: Session, count: int) -> list[int]:
    return reserve_ids(session, Call, count)


_EVENT_COLUMNS = ("call_id", "seq", "type", "at", "data", "received_at")


def insert_call_events(session: Session, rows: list[dict[str, Any]]) -> None:
    _executemany(session, "insert", table_of(CallEvent), _EVENT_COLUMNS, rows)


def update_calls(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write the facts of calls: each row holds ``call_pk`` and the columns to set; rows
    with the same columns go in one ``executemany``."""
    table = table_of(Call)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(k for k in row if k != "call_pk"), []).append(row)
    for names, group in groups.items():
        _executemany(session, "update", table, names, group)


def stale_open_calls(session: Session, before: dt.datetime, *, limit: int) -> list[RowMapping]:
    """Calls still open (no end) whose last event is older than ``before``, oldest first."""
    table = table_of(Call)
    stmt = (select(*(table.c[name] for name in CALL_COLUMNS))
            .where(table.c.ended_at.is_(None), table.c.last_event_at < before)
            .order_by(table.c.last_event_at).limit(limit))
    return list(session.execute(stmt).mappings())


# --- telephony administration (admin.py: seats, queues, CTI keys) ------------------------------

def seat_rows(session: Session, *, region_prefix: str) -> list[tuple[Seat, str, str | None, str | None, str | None]]:
    """(seat, its region's code, its unit's code and name, the name of the agent logged in)
    of every seat in the regions under ``region_prefix``, by code."""
    from hotline.auth.models import User

    stmt = (select(Seat, Region.code, Unit.code, Unit.name, User.display_name)
            .join(Region, Region.id == Seat.region_id)
            .outerjoin(Unit, Unit.id == Seat.unit_id)
            .outerjoin(User, User.id == Seat.agent_id)
            .where(Region.code.startswith(region_prefix, autoescape=True))
            .order_by(Seat.code))
    return [(s, rc, uc, un, an) for s, rc, uc, un, an in session.execute(stmt)]


def active_seat_codes(session: Session, *, kind: str | None = None) -> list[str]:
    """Codes of the active seats (of one kind), by code (the simulator's default seats)."""
    stmt = select(Seat.code).where(Seat.active.is_(True)).order_by(Seat.code)
    if kind is not None:
        stmt = stmt.where(Seat.kind == kind)
    return list(session.execute(stmt).scalars())


def all_queues(session: Session) -> list[CtiQueue]:
    return list(session.execute(select(CtiQueue).order_by(CtiQueue.name)).scalars())


def queue_by_name(session: Session, name: str) -> CtiQueue | None:
    return session.execute(select(CtiQueue).where(CtiQueue.name == name)).scalar_one_or_none()


def queue_by_id(session: Session, queue_id: int) -> CtiQueue | None:
    return session.get(CtiQueue, queue_id)


def region_by_id(session: Session, region_id: int) -> Region | None:
    return session.get(Region, region_id)


def cti_tokens(session: Session, *, region_prefix: str, token_id: int | None = None) -> list[tuple[Any, ...]]:
    """(token, account username, unit code, unit name) of the API tokens of CTI accounts whose
    unit lies under ``region_prefix`` (one token with ``token_id``), newest first."""
    from hotline.auth.models import ApiToken, User
    from hotline.auth.roles import Role

    stmt = (select(ApiToken, User.username, Unit.code, Unit.name)
            .join(User, User.id == ApiToken.user_id)
            .join(Unit, Unit.id == User.unit_id)
            .join(Region, Region.id == Unit.region_id)
            .where(User.role == Role.cti, Region.code.startswith(region_prefix, autoescape=True))
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    if token_id is not None:
        stmt = stmt.where(ApiToken.id == token_id)
    return [tuple(row) for row in session.execute(stmt)]
