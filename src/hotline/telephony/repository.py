"""Every query of telephony."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.kit.db import UTCDateTime, insert_many, reserve_ids, table_of
from hotline.org.models import Region, Unit
from hotline.telephony.models import Call, CallEvent, CallOrder, CtiQueue, QueueKind, Seat, SeatState

# --- seats ------------------------------------------------------------------------------------

def seat_by_code(session: Session, code: str, *, lock: bool = False) -> Seat | None:
    stmt = select(Seat).where(Seat.code == code)
    return session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()


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
    call_id: int | None


def seat_states(session: Session, ids: Collection[int], *, lock: bool = False) -> dict[int, SeatNow]:
    if not ids:
        return {}
    wanted = sorted(ids)
    sql = (f"SELECT id, agent_id, state, state_since, call_id FROM seat WHERE id IN ({_marks(wanted)})"  # noqa: S608
           + (" ORDER BY id FOR UPDATE" if lock else ""))
    instant = _instant_reader(session)
    return {seat_id: SeatNow(agent_id, state, instant(since), call_id)
            for seat_id, agent_id, state, since, call_id in _rows(session, sql, wanted)}


def close_open_spells(session: Session, ends: Sequence[tuple[int, dt.datetime]]) -> None:
    """End each seat's open state spell at the given instant."""
    _executemany(session, "close_spell", table_of(SeatState), ("ended_at",),
                 [{"b_seat_id": seat_id, "ended_at": at} for seat_id, at in ends])


_SPELL_COLUMNS = ("seat_id", "agent_id", "state", "source", "started_at", "ended_at")


def insert_spells(session: Session, rows: list[dict[str, Any]]) -> None:
    _executemany(session, "insert", table_of(SeatState), _SPELL_COLUMNS, rows)


def set_seat_states(session: Session, states: Sequence[tuple[int, str, dt.datetime | None, int | None]]) -> None:
    """Each seat's (id, state, since, call on it)."""
    _executemany(session, "set_state", table_of(Seat), ("state", "state_since", "call_id"),
                 [{"b_id": seat_id, "state": state, "state_since": since, "call_id": call_id}
                  for seat_id, state, since, call_id in states])


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
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(compiled.string, params)
    except dialect.loaded_dbapi.IntegrityError as exc:
        # as SQLAlchemy would raise it: callers catch one IntegrityError whatever the driver
        raise IntegrityError(compiled.string, None, exc) from exc
    finally:
        cursor.close()


def region_of_unit(session: Session, unit_id: int) -> int:
    return session.execute(select(Unit.region_id).where(Unit.id == unit_id)).scalar_one()


# The ingest's reads run through the driver's own cursor: a batch makes a handful of small
# queries, and SQLAlchemy's statement machinery costs several times the query itself. The SQL
# is plain (``?`` placeholders, rewritten for psycopg) and the values are converted here:
# SQLite keeps instants as text and JSON as text, PostgreSQL hands back both typed.


def _rows(session: Session, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    connection = session.connection()
    if connection.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _marks(values: Collection[Any]) -> str:
    return ", ".join("?" * len(values))


def _instant_reader(session: Session) -> Callable[[Any], dt.datetime | None]:
    if session.get_bind().dialect.name == "sqlite":
        return lambda v: None if v is None else dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC)
    return lambda v: None if v is None else v.astimezone(dt.UTC)


def _json_reader(session: Session) -> Callable[[Any], Any]:
    if session.get_bind().dialect.name == "sqlite":
        return lambda v: None if v is None else json.loads(v)
    return lambda v: v


def calls_by_pbx_ids(session: Session, call_ids: Collection[str], *, lock: bool = False) -> list[dict[str, Any]]:
    """The calls of these PBX call ids, as :data:`CALL_COLUMNS` (locked for update on
    PostgreSQL when ``lock``: two batches of one call fold it one after the other)."""
    if not call_ids:
        return []
    wanted = sorted(call_ids)
    # in one order, so that two batches locking the same calls never deadlock
    sql = (f"SELECT {', '.join(CALL_COLUMNS)} FROM call WHERE call_id IN ({_marks(wanted)})"  # noqa: S608
           + (" ORDER BY call_id FOR UPDATE" if lock else ""))
    instant = _instant_reader(session)
    out = []
    for values in _rows(session, sql, wanted):
        row = dict(zip(CALL_COLUMNS, values, strict=True))
        row["ended_at"], row["last_event_at"] = instant(row["ended_at"]), instant(row["last_event_at"])
        out.append(row)
    return out


def events_of_calls(session: Session, ids: Collection[int]) -> list[tuple[int, int, str, dt.datetime, Any]]:
    """(call id, seq, type, at, data) of every stored event of these calls."""
    if not ids:
        return []
    wanted = sorted(ids)
    sql = f"SELECT call_id, seq, type, at, data FROM call_event WHERE call_id IN ({_marks(wanted)})"  # noqa: S608
    instant, data = _instant_reader(session), _json_reader(session)
    return [(int(a), int(b), str(c), instant(d), data(e))  # type: ignore[misc]
            for a, b, c, d, e in _rows(session, sql, wanted)]


def active_seats(session: Session, codes: Collection[str]) -> dict[str, tuple[int, int | None]]:
    """Seat code → (seat id, the agent logged in on it) of the active seats of these codes."""
    if not codes:
        return {}
    wanted = sorted(codes)
    sql = f"SELECT code, id, agent_id FROM seat WHERE code IN ({_marks(wanted)}) AND active = ?"  # noqa: S608
    return {code: (seat_id, agent_id) for code, seat_id, agent_id in _rows(session, sql, [*wanted, True])}


def queues_by_names(session: Session, region_id: int, names: Collection[str]) -> dict[str, tuple[int, str]]:
    """Queue name → (id, kind), of the region's queues."""
    if not names:
        return {}
    wanted = sorted(names)
    sql = f"SELECT name, id, kind FROM cti_queue WHERE region_id = ? AND name IN ({_marks(wanted)})"  # noqa: S608
    return {name: (queue_id, kind) for name, queue_id, kind in _rows(session, sql, [region_id, *wanted])}


def insert_queues(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, CtiQueue, rows)


def insert_calls(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new calls; each row carries its ``id`` (:func:`new_call_ids`), every row the same keys."""
    if rows:
        _executemany(session, "insert", table_of(Call), list(rows[0]), rows)


def new_call_ids(session: Session, count: int) -> list[int]:
    """``count`` new ids of calls (:func:`hotline.kit.db.reserve_ids`; on SQLite read here
    through the driver: the transaction holds the write lock, so nobody else takes them)."""
    if count <= 0 or session.get_bind().dialect.name != "sqlite":
        return reserve_ids(session, Call, count)
    last = _rows(session, "SELECT max(id) FROM call", [])[0][0] or 0
    return list(range(int(last) + 1, int(last) + 1 + count))


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


def stale_open_calls(session: Session, before: dt.datetime, *, limit: int,
                     lock: bool = False) -> list[dict[str, Any]]:
    """Calls still open (no end) whose last event is older than ``before``, oldest first
    (``lock``: locked, skipping calls a batch is writing — they are not silent)."""
    table = table_of(Call)
    stmt = (select(*(table.c[name] for name in CALL_COLUMNS))
            .where(table.c.ended_at.is_(None), table.c.last_event_at < before)
            .order_by(table.c.last_event_at).limit(limit))
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    return [{str(k): v for k, v in row.items()} for row in session.execute(stmt).mappings()]


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


def expert_seat_codes(session: Session, unit_id: int) -> list[str]:
    """Codes of the unit's active expert seats (专家坐席), by code."""
    stmt = select(Seat.code).where(Seat.unit_id == unit_id, Seat.kind == QueueKind.expert.value, Seat.active.is_(True))
    return list(session.execute(stmt.order_by(Seat.code)).scalars())


def active_seat_codes(session: Session, *, kind: str | None = None) -> list[str]:
    """Codes of the active seats (of one kind), by code (the simulator's default seats)."""
    stmt = select(Seat.code).where(Seat.active.is_(True)).order_by(Seat.code)
    if kind is not None:
        stmt = stmt.where(Seat.kind == kind)
    return list(session.execute(stmt).scalars())


def queues_of_regions(session: Session, region_prefix: str) -> list[tuple[CtiQueue, str]]:
    """The queues of the regions under ``region_prefix``, each with its region's code, by
    name and region."""
    rows = session.execute(select(CtiQueue, Region.code).join(Region, Region.id == CtiQueue.region_id)
                           .where(Region.code.startswith(region_prefix, autoescape=True))
                           .order_by(CtiQueue.name, Region.code))
    return [(queue, code) for queue, code in rows]


def queue_by_name(session: Session, region_id: int, name: str) -> CtiQueue | None:
    return session.execute(select(CtiQueue).where(CtiQueue.region_id == region_id, CtiQueue.name == name)
                           ).scalar_one_or_none()


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


# --- the agent's console, the screen-pop and the call records (cti-console) ------------------

def console_status_statement(agent_id: int) -> Select[str, str, dt.datetime | None, str]:
    return (select(Seat.code, Seat.state, Seat.state_since, Call.ref).outerjoin(Call, Call.id == Seat.call_id)
            .where(Seat.agent_id == agent_id).limit(1))


def console_status(session: Session, agent_id: int) -> tuple[str, str, dt.datetime | None, str | None] | None:
    """The agent's seat as the console polls it — ``(code, state, state_since, ref of the call
    the agent last answered on the seat)`` — in one statement (the seat by its agent, the
    call by its key); None when the agent is on no seat."""
    row = session.execute(console_status_statement(agent_id)).first()
    if row is None:
        return None
    return row[0], row[1], row[2], row[3]


def earlier_calls(session: Session, call: Call, *, days: int) -> int:
    """Calls from the same number (keyed hash) to the same centre's region in the ``days``
    before this one (through ``ix_call_caller_region_offered``)."""
    if call.caller_hash is None:
        return 0
    since = call.offered_at - dt.timedelta(days=days)
    return session.execute(select(func.count()).select_from(Call).where(
        Call.caller_hash == call.caller_hash, Call.region_id == call.region_id, Call.id != call.id,
        Call.offered_at >= since, Call.offered_at < call.offered_at)).scalar_one()


def call_by_ref(session: Session, ref: str) -> Call | None:
    return session.execute(select(Call).where(Call.ref == ref)).scalar_one_or_none()


def queue_of(session: Session, queue_id: int | None) -> CtiQueue | None:
    return session.get(CtiQueue, queue_id) if queue_id is not None else None


def seats_by_id(session: Session, ids: set[int]) -> dict[int, Seat]:
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Seat).where(Seat.id.in_(ids))).scalars()}


def queues_by_id(session: Session, ids: set[int]) -> dict[int, CtiQueue]:
    if not ids:
        return {}
    return {q.id: q for q in session.execute(select(CtiQueue).where(CtiQueue.id.in_(ids))).scalars()}


def call_events(session: Session, call_id: int) -> list[CallEvent]:
    return list(session.execute(select(CallEvent).where(CallEvent.call_id == call_id)
                                .order_by(CallEvent.seq)).scalars())


def order_ids_of_call(session: Session, call_id: int) -> list[int]:
    return list(session.execute(select(CallOrder.order_id).where(CallOrder.call_id == call_id)
                                .order_by(CallOrder.created_at, CallOrder.order_id)).scalars())


def order_ids_of_calls(session: Session, call_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    if not call_ids:
        return out
    for call_id, order_id in session.execute(select(CallOrder.call_id, CallOrder.order_id)
                                             .where(CallOrder.call_id.in_(call_ids))
                                             .order_by(CallOrder.created_at, CallOrder.order_id)):
        out.setdefault(call_id, []).append(order_id)
    return out


def link_exists(session: Session, call_id: int, order_id: int) -> bool:
    return session.get(CallOrder, (call_id, order_id)) is not None


def calls_of_order(session: Session, order_id: int, scope: Callable[[Select[Any]], Select[Any]]) -> list[Call]:
    """The calls an order was registered from, oldest first, among those ``scope`` lets through."""
    stmt = scope(select(Call).join(CallOrder, CallOrder.call_id == Call.id).where(CallOrder.order_id == order_id))
    return list(session.execute(stmt.order_by(Call.offered_at, Call.id)).scalars())


@dataclass
class CallFilter:
    offered_from: dt.datetime | None = None
    offered_to: dt.datetime | None = None
    queue: str | None = None  # the PBX's queue name
    seat: str | None = None  # the seat's code
    state: str | None = None


def search_calls(session: Session, scope: Callable[[Select[Any]], Select[Any]], f: CallFilter, *,
                 limit: int, offset: int) -> tuple[list[Call], int]:
    """Calls newest first (through the index on ``(region_id, offered_at)`` once scoped)."""
    stmt = scope(select(Call))
    if f.offered_from is not None:
        stmt = stmt.where(Call.offered_at >= f.offered_from)
    if f.offered_to is not None:
        stmt = stmt.where(Call.offered_at < f.offered_to)
    if f.queue:
        stmt = stmt.where(Call.queue_id.in_(select(CtiQueue.id).where(CtiQueue.name == f.queue)))
    if f.seat:
        stmt = stmt.where(Call.seat_id.in_(select(Seat.id).where(Seat.code == f.seat)))
    if f.state:
        stmt = stmt.where(Call.state == f.state)
    total = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Call.offered_at.desc(), Call.id.desc()).limit(limit).offset(offset))
    return list(rows.scalars()), int(total)
