"""Every query of call statistics: the calls' facts for the raw path, the hourly rollup's
sums, the wrap-up spells, the rollup's cursors and the wallboard's live state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Interval, Row, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from hotline.auth.models import User
from hotline.org.models import Region
from hotline.telephony.models import Call, CallOrder, CtiQueue, Seat, SeatState
from hotline.telephony.stats.models import CallHour, RollupCursor, WrapHour
from hotline.telephony.stats.rules import REPEAT_WINDOW, SUM_FIELDS

CHUNK = 500  # bound parameters per IN list


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), CHUNK):
        yield values[i:i + CHUNK]


# --- reference ----------------------------------------------------------------------------------

def region_ids(session: Session, prefix: str) -> list[int]:
    """The regions whose code starts with ``prefix`` (a principal's scope)."""
    return list(session.execute(select(Region.id).where(Region.code.startswith(prefix, autoescape=True)))
                .scalars())


def queue_names(session: Session) -> dict[int, str]:
    return {r.id: r.name for r in session.execute(select(CtiQueue.id, CtiQueue.name))}


def queue_by_name(session: Session, name: str) -> int | None:
    return session.execute(select(CtiQueue.id).where(CtiQueue.name == name)).scalar_one_or_none()


def seat_labels(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str | None]]:
    """Seat id → (code, outsourced operator)."""
    wanted = sorted(set(ids))
    out: dict[int, tuple[str, str | None]] = {}
    for chunk in _chunks(wanted):
        out.update({r.id: (r.code, r.operator)
                    for r in session.execute(select(Seat.id, Seat.code, Seat.operator).where(Seat.id.in_(chunk)))})
    return out


def agent_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    out: dict[int, str] = {}
    for chunk in _chunks(wanted):
        out.update({r.id: r.display_name for r in session.execute(select(User.id, User.display_name)
                                                                   .where(User.id.in_(chunk)))})
    return out


# --- raw calls ------------------------------------------------------------------------------------

def _repeat(session: Session) -> Any:
    """Whether the call's caller called the same centre in the :data:`REPEAT_WINDOW` before it
    (a probe of the caller-hash index per call). On SQLite the bound keeps the stored text's
    microseconds, so the window is exact on both databases."""
    prior = aliased(Call)
    if session.get_bind().dialect.name == "sqlite":
        lower: Any = func.strftime("%Y-%m-%d %H:%M:%S", Call.offered_at, "-1 day").op("||")(
            func.substr(Call.offered_at, 20))
        assert dt.timedelta(days=1) == REPEAT_WINDOW
    else:
        lower = Call.offered_at - literal(REPEAT_WINDOW, Interval())
    return exists().where(prior.caller_hash == Call.caller_hash, prior.region_id == Call.region_id,
                          prior.offered_at < Call.offered_at, prior.offered_at >= lower).label("repeat")


def _call_columns(session: Session) -> list[Any]:
    return [Call.region_id, Call.offered_at, Call.queue_id, Call.seat_id, Call.agent_id,
            Call.answered_at.is_not(None).label("answered"), Call.ended_at.is_not(None).label("ended"),
            Call.wait_s, Call.talk_s, Call.transfers, Call.three_way, Call.enterprise, Call.caller_hash,
            exists().where(CallOrder.call_id == Call.id).label("ordered"), _repeat(session)]


def calls_offered(session: Session, *, start: dt.datetime, end: dt.datetime, regions: Sequence[int] | None,
                  queue_id: int | None = None) -> list[Row[Any]]:
    """The facts of the calls offered in ``[start, end)`` in these regions (all: ``None``)."""
    stmt = select(*_call_columns(session)).where(Call.offered_at >= start, Call.offered_at < end)
    if regions is not None:
        stmt = stmt.where(Call.region_id.in_(regions))
    if queue_id is not None:
        stmt = stmt.where(Call.queue_id == queue_id)
    return list(session.execute(stmt))


def caller_times(session: Session, hashes: Iterable[str], *, start: dt.datetime,
                 end: dt.datetime) -> dict[Any, list[dt.datetime]]:
    """When each of these callers called, per centre, in ``[start, end)``."""
    out: dict[Any, list[dt.datetime]] = {}
    for chunk in _chunks(sorted(set(hashes))):
        rows = session.execute(select(Call.region_id, Call.caller_hash, Call.offered_at)
                               .where(Call.caller_hash.in_(chunk), Call.offered_at >= start, Call.offered_at < end))
        for region, hashed, at in rows:
            out.setdefault((region, hashed), []).append(at)
    return out


def changed_calls(session: Session, since: dt.datetime) -> list[Row[Any]]:
    """(region, caller hash, offered at) of the calls changed after ``since``, and of the calls
    that gained a work order after it."""
    changed = select(Call.region_id, Call.caller_hash, Call.offered_at).where(Call.updated_at > since)
    linked = (select(Call.region_id, Call.caller_hash, Call.offered_at)
              .join(CallOrder, CallOrder.call_id == Call.id).where(CallOrder.created_at > since))
    return [*session.execute(changed), *session.execute(linked)]


def first_offered(session: Session) -> dt.datetime | None:
    return session.execute(select(func.min(Call.offered_at))).scalar_one_or_none()


# --- the hourly rollup -------------------------------------------------------------------------

GROUP_COLUMNS = {"hour": CallHour.hour, "queue": CallHour.queue_id, "seat": CallHour.seat_id,
                 "agent": CallHour.agent_id}


def hour_sums(session: Session, *, start: dt.datetime, end: dt.datetime, regions: Sequence[int],
              skip: Sequence[dt.datetime], queue_id: int | None, by: Sequence[str]) -> list[Row[Any]]:
    """The rollup's sums over the hours in ``[start, end)`` but ``skip``, grouped by ``by``
    (names of :data:`GROUP_COLUMNS`); each row: the group values then :data:`SUM_FIELDS`."""
    if start >= end or not regions:
        return []
    keys = [GROUP_COLUMNS[b].label(b) for b in by]
    sums = [func.sum(getattr(CallHour, name)).label(name) for name in SUM_FIELDS]
    stmt = select(*keys, *sums).where(CallHour.region_id.in_(regions), CallHour.hour >= start, CallHour.hour < end)
    if skip:
        stmt = stmt.where(CallHour.hour.not_in(list(skip)))
    if queue_id is not None:
        stmt = stmt.where(CallHour.queue_id == queue_id)
    return list(session.execute(stmt.group_by(*keys) if keys else stmt))


def replace_call_hours(session: Session, hours: Sequence[dt.datetime], rows: list[dict[str, Any]]) -> None:
    """The rollup rows of these hours (every region) replaced by ``rows``."""
    for chunk in _chunks(list(hours)):
        session.execute(delete(CallHour).where(CallHour.hour.in_(chunk)))
    if rows:
        session.execute(insert(CallHour), rows)


def clear_call_hours(session: Session) -> None:
    session.execute(delete(CallHour))


# --- wrap-up spells ------------------------------------------------------------------------------

def wrap_spells(session: Session, *, start: dt.datetime, end: dt.datetime,
                regions: Sequence[int] | None) -> list[Row[Any]]:
    """(region, seat, agent, started, ended) of the wrap-up spells that ended in ``[start, end)``."""
    stmt = (select(Seat.region_id, SeatState.seat_id, SeatState.agent_id, SeatState.started_at, SeatState.ended_at)
            .join(Seat, Seat.id == SeatState.seat_id)
            .where(SeatState.state == "wrap_up", SeatState.ended_at >= start, SeatState.ended_at < end))
    if regions is not None:
        stmt = stmt.where(Seat.region_id.in_(regions))
    return list(session.execute(stmt))


WRAP_GROUP_COLUMNS = {"hour": WrapHour.hour, "seat": WrapHour.seat_id, "agent": WrapHour.agent_id}


def wrap_sums(session: Session, *, start: dt.datetime, end: dt.datetime, regions: Sequence[int],
              by: Sequence[str]) -> list[Row[Any]]:
    if start >= end or not regions:
        return []
    keys = [WRAP_GROUP_COLUMNS[b].label(b) for b in by]
    stmt = (select(*keys, func.sum(WrapHour.spells).label("wrap_spells"), func.sum(WrapHour.wrap_sum).label("wrap_sum"))
            .where(WrapHour.region_id.in_(regions), WrapHour.hour >= start, WrapHour.hour < end))
    return list(session.execute(stmt.group_by(*keys) if keys else stmt))


def replace_wrap_hours(session: Session, start: dt.datetime, end: dt.datetime, rows: list[dict[str, Any]]) -> None:
    session.execute(delete(WrapHour).where(WrapHour.hour >= start, WrapHour.hour < end))
    if rows:
        session.execute(insert(WrapHour), rows)


def first_wrap_end(session: Session) -> dt.datetime | None:
    stmt = select(func.min(SeatState.ended_at)).where(SeatState.state == "wrap_up")
    return session.execute(stmt).scalar_one_or_none()


# --- cursors ----------------------------------------------------------------------------------------

def cursor(session: Session, name: str) -> dt.datetime | None:
    return session.execute(select(RollupCursor.position).where(RollupCursor.name == name)).scalar_one_or_none()


def set_cursor(session: Session, name: str, position: dt.datetime, now: dt.datetime) -> None:
    row = session.get(RollupCursor, name)
    if row is None:
        session.add(RollupCursor(name=name, position=position, updated_at=now))
    else:
        row.position, row.updated_at = position, now
    session.flush()


def delete_cursors(session: Session) -> None:
    session.execute(delete(RollupCursor))


# --- the wallboard --------------------------------------------------------------------------------

def waiting_calls(session: Session, *, regions: Sequence[int], since: dt.datetime) -> list[Row[Any]]:
    """(queue, queued at) of the calls queued and neither answered nor ended, offered after
    ``since`` (older ones are closed as ``timeout`` by ingest)."""
    if not regions:
        return []
    return list(session.execute(
        select(Call.queue_id, Call.queued_at)
        .where(Call.region_id.in_(regions), Call.offered_at >= since, Call.queued_at.is_not(None),
               Call.answered_at.is_(None), Call.ended_at.is_(None))))


def seats_now(session: Session, *, regions: Sequence[int]) -> list[Row[Any]]:
    """The active seats with their current state and agent."""
    if not regions:
        return []
    return list(session.execute(
        select(Seat.code, Seat.kind, Seat.state, Seat.state_since, User.display_name.label("agent"))
        .outerjoin(User, User.id == Seat.agent_id)
        .where(Seat.region_id.in_(regions), Seat.active.is_(True)).order_by(Seat.code)))


