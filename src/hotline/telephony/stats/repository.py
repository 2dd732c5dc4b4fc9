"""Every query of call statistics: the calls' facts for the raw path, the hourly rollup's
sums, the wrap-up spells, the rollup's cursors and the wallboard's live state."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Float, Interval, Row, and_, case, cast, delete, exists, func, insert, literal, select
from sqlalchemy.orm import Session, aliased

from hotline.auth.models import User
from hotline.org.models import Region
from hotline.telephony.lifecycle import SERVICE_LEVEL_S, SHORT_ABANDON_S
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


def queue_ids_by_name(session: Session, name: str, regions: Sequence[int]) -> list[int]:
    """The ids of the queues of this name in these regions (each centre's PBX names its own)."""
    return list(session.execute(select(CtiQueue.id).where(CtiQueue.name == name, CtiQueue.region_id.in_(regions))
                                ).scalars())


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
    (one probe of the index ``(caller_hash, region_id, offered_at)`` per call). On SQLite the
    bound keeps the stored text's microseconds, so the window is exact on both databases."""
    prior = aliased(Call)
    if session.get_bind().dialect.name == "sqlite":
        lower: Any = func.strftime("%Y-%m-%d %H:%M:%S", Call.offered_at, "-1 day").op("||")(
            func.substr(Call.offered_at, 20))
        assert dt.timedelta(days=1) == REPEAT_WINDOW
    else:
        lower = Call.offered_at - literal(REPEAT_WINDOW, Interval())
    return exists().where(prior.caller_hash == Call.caller_hash, prior.region_id == Call.region_id,
                          prior.offered_at < Call.offered_at, prior.offered_at >= lower)


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _call_sums(session: Session) -> list[Any]:
    """The additive parts of the figures, in SQL, as :func:`rules.add_call` defines them (the
    statistics tests check both against the hand-computed answers)."""
    answered = Call.answered_at.is_not(None)
    abandoned = and_(Call.answered_at.is_(None), Call.ended_at.is_not(None))
    exprs = {
        "offered": func.count(),
        "answered": _count(answered),
        "abandoned": _count(abandoned),
        "abandoned_short": _count(and_(abandoned, Call.wait_s < SHORT_ABANDON_S)),
        "answered_15s": _count(and_(answered, Call.wait_s <= SERVICE_LEVEL_S)),
        "wait_sum": func.sum(case((answered, func.coalesce(Call.wait_s, 0.0)), else_=0.0)),
        "talked": _count(and_(answered, Call.talk_s.is_not(None))),
        "talk_sum": func.sum(case((and_(answered, Call.talk_s.is_not(None)), Call.talk_s), else_=0.0)),
        "transfers": func.sum(func.coalesce(Call.transfers, 0)),
        "three_way": func.sum(func.coalesce(Call.three_way, 0)),
        "enterprise": _count(Call.enterprise.is_(True)),
        "ordered": _count(exists().where(CallOrder.call_id == Call.id)),
        "repeat": _count(_repeat(session)),
        "order_links": func.sum(case((answered, _links()), else_=0)),
    }
    return [exprs[name].label(name) for name in SUM_FIELDS]


def _links() -> Any:
    return select(func.count()).where(CallOrder.call_id == Call.id).correlate(Call).scalar_subquery()


RAW_GROUPS: dict[str, Any] = {"region": Call.region_id, "queue": Call.queue_id, "seat": Call.seat_id,
                              "agent": Call.agent_id}


def raw_call_sums(session: Session, *, start: dt.datetime, end: dt.datetime, regions: Sequence[int] | None,
                  queue_ids: Sequence[int] | None, by: Sequence[str]) -> list[Row[Any]]:
    """The sums of the raw calls offered in ``[start, end)``, grouped by ``by`` (names of
    :data:`RAW_GROUPS`); each row: the group values then :data:`SUM_FIELDS`."""
    keys = [RAW_GROUPS[b].label(b) for b in by]
    stmt = select(*keys, *_call_sums(session)).where(Call.offered_at >= start, Call.offered_at < end)
    if regions is not None:
        stmt = stmt.where(Call.region_id.in_(regions))
    if queue_ids is not None:
        stmt = stmt.where(Call.queue_id.in_(queue_ids))
    rows = session.execute(stmt.group_by(*keys) if keys else stmt)
    return [r for r in rows if r.offered]


def any_calls(session: Session, *, start: dt.datetime, end: dt.datetime, regions: Sequence[int] | None,
              queue_ids: Sequence[int] | None) -> bool:
    """Whether any call was offered in ``[start, end)`` (in these regions and queues)."""
    stmt = select(Call.id).where(Call.offered_at >= start, Call.offered_at < end)
    if regions is not None:
        stmt = stmt.where(Call.region_id.in_(regions))
    if queue_ids is not None:
        stmt = stmt.where(Call.queue_id.in_(queue_ids))
    return session.execute(stmt.limit(1)).first() is not None


def answered_sums(session: Session, *, regions: Sequence[int], offered_from: dt.datetime, offered_to: dt.datetime,
                  answered_from: dt.datetime, answered_to: dt.datetime | None) -> list[Row[Any]]:
    """(agent, seat, calls, talk seconds, order links) of the calls offered in
    ``[offered_from, offered_to)`` and answered in ``[answered_from, answered_to)`` by an agent,
    per agent and seat. The index ``(region_id, offered_at, answered_at)`` narrows both
    ranges without reading the rows that fall outside."""
    if not regions or offered_from >= offered_to:
        return []
    stmt = (select(Call.agent_id.label("agent"), Call.seat_id.label("seat"), func.count().label("calls"),
                   func.coalesce(func.sum(Call.talk_s), 0.0).label("talk"), func.coalesce(func.sum(_links()), 0)
                   .label("links"))
            .where(Call.region_id.in_(regions), Call.offered_at >= offered_from, Call.offered_at < offered_to,
                   Call.answered_at >= answered_from, Call.agent_id.is_not(None)))
    if answered_to is not None:
        stmt = stmt.where(Call.answered_at < answered_to)
    return list(session.execute(stmt.group_by(Call.agent_id, Call.seat_id)))


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


# --- the rollup ----------------------------------------------------------------------------------

GROUP_COLUMNS: dict[str, Any] = {"hour": CallHour.hour, "region": CallHour.region_id, "queue": CallHour.queue_id,
                                 "seat": CallHour.seat_id, "agent": CallHour.agent_id}


def rolled_sums(session: Session, *, grain: str, start: dt.datetime, end: dt.datetime,
                regions: Sequence[int] | None, skip: Sequence[dt.datetime] = (),
                queue_ids: Sequence[int] | None = None,
                by: Sequence[str]) -> list[Any]:
    """The rollup's sums of one grain over the spans starting in ``[start, end)`` but
    ``skip``, grouped by ``by`` (names of :data:`GROUP_COLUMNS`); each row: the group values
    then :data:`SUM_FIELDS`."""
    if start >= end or (regions is not None and not regions):
        return []
    keys = [GROUP_COLUMNS[b].label(b) for b in by]
    sums = [func.sum(getattr(CallHour, name)).label(name) for name in SUM_FIELDS]
    stmt = select(*keys, *sums).where(CallHour.grain == grain, CallHour.hour >= start, CallHour.hour < end)
    if regions is not None:
        stmt = stmt.where(CallHour.region_id.in_(regions))
    if skip:
        stmt = stmt.where(CallHour.hour.not_in(list(skip)))
    if queue_ids is not None:
        stmt = stmt.where(CallHour.queue_id.in_(queue_ids))
    return [r for r in session.execute(stmt.group_by(*keys) if keys else stmt) if r.offered]


def replace_rolled(session: Session, grain: str, starts: Sequence[dt.datetime], rows: list[dict[str, Any]]) -> None:
    """The rollup rows of one grain starting at ``starts`` (every region) replaced by ``rows``."""
    for chunk in _chunks(list(starts)):
        session.execute(delete(CallHour).where(CallHour.grain == grain, CallHour.hour.in_(chunk)))
    if rows:
        session.execute(insert(CallHour), [{**r, "grain": grain} for r in rows])


def clear_rolled(session: Session) -> None:
    session.execute(delete(CallHour))


# --- wrap-up spells ------------------------------------------------------------------------------

def _wrap_seconds(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(SeatState.ended_at) - func.julianday(SeatState.started_at)) * 86400.0
    return cast(func.extract("epoch", SeatState.ended_at - SeatState.started_at), Float)


WRAP_RAW_GROUPS: dict[str, Any] = {"region": Seat.region_id, "seat": SeatState.seat_id, "agent": SeatState.agent_id}


def raw_wrap_sums(session: Session, *, start: dt.datetime, end: dt.datetime, regions: Sequence[int] | None,
                  by: Sequence[str]) -> list[Any]:
    """Count and total length of the wrap-up spells that ended in ``[start, end)``, grouped."""
    keys = [WRAP_RAW_GROUPS[b].label(b) for b in by]
    stmt = (select(*keys, func.count().label("wrap_spells"), func.sum(_wrap_seconds(session)).label("wrap_sum"))
            .join(Seat, Seat.id == SeatState.seat_id)
            .where(SeatState.state == "wrap_up", SeatState.ended_at >= start, SeatState.ended_at < end))
    if regions is not None:
        stmt = stmt.where(Seat.region_id.in_(regions))
    return [r for r in session.execute(stmt.group_by(*keys) if keys else stmt) if r.wrap_spells]


def any_wraps(session: Session, *, start: dt.datetime, end: dt.datetime, regions: Sequence[int] | None) -> bool:
    """Whether any wrap-up spell ended in ``[start, end)`` (at seats of these regions)."""
    stmt = (select(SeatState.id).join(Seat, Seat.id == SeatState.seat_id)
            .where(SeatState.state == "wrap_up", SeatState.ended_at >= start, SeatState.ended_at < end))
    if regions is not None:
        stmt = stmt.where(Seat.region_id.in_(regions))
    return session.execute(stmt.limit(1)).first() is not None


WRAP_GROUP_COLUMNS: dict[str, Any] = {"hour": WrapHour.hour, "region": WrapHour.region_id, "seat": WrapHour.seat_id,
                                      "agent": WrapHour.agent_id}


def rolled_wraps(session: Session, *, grain: str, start: dt.datetime, end: dt.datetime,
                 regions: Sequence[int] | None, by: Sequence[str]) -> list[Any]:
    if start >= end or (regions is not None and not regions):
        return []
    keys = [WRAP_GROUP_COLUMNS[b].label(b) for b in by]
    stmt = (select(*keys, func.sum(WrapHour.spells).label("wrap_spells"), func.sum(WrapHour.wrap_sum).label("wrap_sum"))
            .where(WrapHour.grain == grain, WrapHour.hour >= start, WrapHour.hour < end))
    if regions is not None:
        stmt = stmt.where(WrapHour.region_id.in_(regions))
    return [r for r in session.execute(stmt.group_by(*keys) if keys else stmt) if r.wrap_spells]


def replace_wrap_rolled(session: Session, grain: str, start: dt.datetime, end: dt.datetime,
                        rows: list[dict[str, Any]]) -> None:
    session.execute(delete(WrapHour).where(WrapHour.grain == grain, WrapHour.hour >= start, WrapHour.hour < end))
    if rows:
        session.execute(insert(WrapHour), [{**r, "grain": grain} for r in rows])


def spells_at(session: Session, *, regions: Sequence[int], at: dt.datetime) -> list[Row[Any]]:
    """(agent, seat, state, started, ended) of the spell each seat of the regions was in just
    before ``at``: its last spell begun before ``at`` (a seat's spells follow one another,
    never overlap: one probe of the index ``(seat_id, started_at)`` per seat)."""
    if not regions:
        return []
    latest = (select(SeatState.id).where(SeatState.seat_id == Seat.id, SeatState.started_at < at)
              .order_by(SeatState.started_at.desc(), SeatState.id.desc()).limit(1).correlate(Seat)
              .scalar_subquery())
    ids = [i for i in session.execute(select(latest).select_from(Seat).where(Seat.region_id.in_(regions))).scalars()
           if i is not None]
    out: list[Row[Any]] = []
    for chunk in _chunks(ids):
        out += session.execute(select(SeatState.agent_id.label("agent"), SeatState.seat_id.label("seat"),
                                      SeatState.state, SeatState.started_at, SeatState.ended_at)
                               .where(SeatState.id.in_(chunk)))
    return out


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

def waiting_calls(session: Session, *, regions: Sequence[int], since: dt.datetime,
                  until: dt.datetime) -> list[Row[Any]]:
    """(queue, queued at) of the calls queued and neither answered nor ended, offered in
    ``[since, until)`` (older ones are closed as ``timeout`` by ingest; the upper bound lets
    SQLite use the ``(region_id, offered_at)`` index)."""
    if not regions:
        return []
    return list(session.execute(
        select(Call.queue_id, Call.queued_at)
        .where(Call.region_id.in_(regions), Call.offered_at >= since, Call.offered_at < until,
               Call.queued_at.is_not(None),
               Call.answered_at.is_(None), Call.ended_at.is_(None))))


def seats_now(session: Session, *, regions: Sequence[int]) -> list[Row[Any]]:
    """The active seats with their current state and agent."""
    if not regions:
        return []
    return list(session.execute(
        select(Seat.code, Seat.kind, Seat.state, Seat.state_since, User.display_name.label("agent"))
        .outerjoin(User, User.id == Seat.agent_id)
        .where(Seat.region_id.in_(regions), Seat.active.is_(True)).order_by(Seat.code)))


