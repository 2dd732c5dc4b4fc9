"""Use cases of call statistics: the figures of a period (``report``), the hourly rollup that
keeps them fast (``rollup``), and the wallboard's live state (``wallboard``).

How a period is read: its whole hours come from the rollup (:class:`CallHour`, in the grain
the request needs), except the hours holding a call changed after the rollup's cursor
("dirty" hours); the partial hours at the edges and the dirty hours are aggregated from the raw
calls by the same SQL that builds the rollup (the definitions of :func:`rules.add_call`). An
answer is therefore exact as soon as ingest has committed, and the rollup only makes it fast.
Wrap-up spells work the same way with their own cursor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.config import get_settings
from hotline.kit import clock
from hotline.kit.errors import InvalidInput
from hotline.telephony.stats import repository
from hotline.telephony.stats.models import Grain
from hotline.telephony.stats.rules import (
    HOUR,
    MAX_RING,
    PERIODS,
    REPEAT_WINDOW,
    SUM_FIELDS,
    Grouping,
    Sums,
    ceil_hour,
    figures,
    floor_hour,
    hour_ranges,
    period_label,
    whole_hours,
)

#: The rollup reads the calls changed up to this long before it runs: a change committed
#: later than this after its ``updated_at`` would be missed (ingest transactions are short).
LAG = dt.timedelta(seconds=60)
#: The longest period one request may ask for.
MAX_RANGE = dt.timedelta(days=400)
CALLS, WRAPS = "calls", "wraps"
NO_QUEUE = ""  # by_queue's key for calls that never joined a queue (hung up in the IVR)


# --- parsing the request ---------------------------------------------------------------------

def parse_instant(value: str | None, name: str) -> dt.datetime:
    """An ISO-8601 instant with its offset (``2026-12-01T00:00:00+08:00`` or ``…Z``)."""
    if not value:
        raise InvalidInput(name, "必填，ISO-8601 时间（含时区），如 2026-12-01T00:00:00+08:00")
    try:
        at = dt.datetime.fromisoformat(value.strip().replace(" ", "+") if "T" in value else value.strip())
    except ValueError:
        raise InvalidInput(name, "不是有效的 ISO-8601 时间") from None
    if at.tzinfo is None:
        raise InvalidInput(name, "时间须带时区（如 +08:00 或 Z）")
    return at.astimezone(dt.UTC)


def parse_grouping(value: str | None) -> Grouping | None:
    if not value:
        return None
    try:
        return Grouping(value)
    except ValueError:
        raise InvalidInput("group", f"应为 {'/'.join(g.value for g in Grouping)} 之一") from None


def check_range(start: dt.datetime, end: dt.datetime) -> None:
    if start >= end:
        raise InvalidInput("to", "结束时间须晚于开始时间")
    if end - start > MAX_RANGE:
        raise InvalidInput("to", "统计区间不能超过 400 天")


# --- the report ----------------------------------------------------------------------------------

@dataclass
class Group:
    key: str | None  # a period label, queue name, seat code, agent's name or operator
    figures: dict[str, Any]


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    queue: str | None
    grouping: Grouping | None
    total: dict[str, Any]
    by_queue: dict[str, dict[str, Any]]
    groups: list[Group] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.start.isoformat(), "to": self.end.isoformat(), "queue": self.queue,
                               **self.total, "by_queue": self.by_queue}
        if self.grouping is not None:
            out["group"] = self.grouping.value
            out["groups"] = [{"key": g.key, **g.figures} for g in self.groups]
        return out


def report(session: Session, principal: Principal, *, start: dt.datetime, end: dt.datetime,
           queue: str | None = None, grouping: Grouping | None = None) -> Report:
    """The figures of the calls offered in ``[start, end)`` in the caller's region (roles with
    ``view_calls``), optionally of one queue, broken down by queue and by ``grouping``."""
    access.require(principal, Cap.view_calls)
    check_range(start, end)
    regions = repository.region_ids(session, principal.region_prefix)
    return compute(session, regions=regions, start=start, end=end, queue=queue or None, grouping=grouping)


_CALL_KEY = {Grouping.hour: "hour", Grouping.day: "hour", Grouping.month: "hour", Grouping.seat: "seat",
             Grouping.operator: "seat", Grouping.agent: "agent"}


def compute(session: Session, *, regions: Sequence[int], start: dt.datetime, end: dt.datetime,
            queue: str | None = None, grouping: Grouping | None = None) -> Report:
    """The report, for the regions given (no access check: the caller did it)."""
    queue_ids = repository.queue_ids_by_name(session, queue, regions) if queue else None
    extra = _CALL_KEY.get(grouping) if grouping is not None else None
    by = ["queue"] + ([extra] if extra else [])
    buckets: dict[tuple[Any, ...], Sums] = {}
    if regions and (queue_ids is None or queue_ids):
        _call_sums(session, buckets, regions=regions, start=start, end=end, queue_ids=queue_ids, by=by,
                   hourly=grouping is Grouping.hour)
    wrap_by = [extra] if extra else []
    wraps: dict[tuple[Any, ...], Sums] = {}
    wrap_known = queue is None
    if wrap_known and grouping is not Grouping.queue and regions:
        _wrap_sums(session, wraps, regions=regions, start=start, end=end, by=wrap_by)
    return _assemble(session, buckets, wraps, start=start, end=end, queue=queue, grouping=grouping,
                     wrap_known=wrap_known)


def _call_sums(session: Session, buckets: dict[tuple[Any, ...], Sums], *, regions: Sequence[int],
               start: dt.datetime, end: dt.datetime, queue_ids: Sequence[int] | None, by: list[str],
               hourly: bool = True) -> None:
    """Add the calls offered in ``[start, end)`` to ``buckets`` (keyed by the ``by`` values).

    Whole hours come from the rollup: per day for the whole clean days (unless figures per
    ``hourly`` period are asked for) and per hour around them (per queue-hour when no seat or
    agent is asked for). A day-grain row's ``hour`` is the day's start: right for day and month
    labels. Dirty hours and the
    partial hours at the edges are read raw, an hour at a time."""
    first, last = whole_hours(start, end)
    position = repository.cursor(session, CALLS)
    raw: list[tuple[dt.datetime, dt.datetime]] = []
    if position is None or first >= last:
        raw.append((start, end))
    else:
        dirty = sorted(h for h in dirty_hours(session, position) if first <= h < last)
        fine = "seat" in by or "agent" in by
        hour_grain = Grain.hour if fine else Grain.queue_hour
        pieces: list[tuple[str, dt.datetime, dt.datetime, Sequence[dt.datetime]]] = []
        days = clean_days(first, last, dirty) if fine or not hourly else []
        if days:  # whole clean days from the day grain, the hours around them from an hour grain
            pieces.append((Grain.day, days[0], days[-1] + DAY, [d for d in _day_starts(days[0], days[-1])
                                                                 if d not in days]))
            covered = [(d, d + DAY) for d in days]
            pieces += [(hour_grain, lo, hi, dirty) for lo, hi in _gaps(first, last, covered)]
        else:
            pieces.append((hour_grain, first, last, dirty))
        # Per queue × hour, a month is ~4,300 rows; the queues' sums and the hours' sums are
        # read apart instead (~730 rows), keyed (queue, SPLIT) and (SPLIT, hour): see _assemble.
        ways: list[tuple[list[str], int | None]] = ([(["queue"], 1), (["hour"], 0)]
                                                    if hourly and by == ["queue", "hour"] else [(by, None)])
        for grain, lo, hi, skip in pieces:
            for way, at in ways:
                n = len(way)
                for row in repository.rolled_sums(session, grain=grain, start=lo, end=hi, regions=regions,
                                                  skip=skip, queue_ids=queue_ids, by=way):
                    key: tuple[Any, ...] = tuple(row[:n])
                    if at is not None:
                        key = (row[0], SPLIT) if at == 1 else (SPLIT, row[0])
                    sums = _sums_of(row[n:])
                    known = buckets.get(key)
                    if known is None:
                        buckets[key] = sums
                    else:
                        known.add(sums)
        raw += [(start, first)] if start < first else []
        raw += hour_ranges(dirty)
        raw += [(last, end)] if last < end else []
    for lo, hi in raw:
        _raw_calls(session, buckets, lo, hi, regions=regions, queue_ids=queue_ids, by=by)


DAY = dt.timedelta(days=1)
#: Stands for "all of them" in a bucket's key: (queue, SPLIT) sums a queue over the rolled
#: hours, (SPLIT, hour) an hour over the queues (see :func:`_call_sums`).
SPLIT: Any = object()


def day_start(at: dt.datetime) -> dt.datetime:
    """The UTC instant of the China-time midnight starting the day ``at`` falls in."""
    local = at.astimezone(clock.CST)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)


def _day_starts(first: dt.datetime, last: dt.datetime) -> list[dt.datetime]:
    out, at = [], first
    while at <= last:
        out.append(at)
        at += DAY
    return out


def clean_days(first: dt.datetime, last: dt.datetime, dirty: Sequence[dt.datetime]) -> list[dt.datetime]:
    """The China-time days wholly inside ``[first, last)`` with no dirty hour."""
    day = day_start(first)
    day = day if day >= first else day + DAY
    bad = {day_start(h) for h in dirty}
    out = []
    while day + DAY <= last:
        if day not in bad:
            out.append(day)
        day += DAY
    return out


def _gaps(first: dt.datetime, last: dt.datetime,
          covered: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    out, at = [], first
    for lo, hi in covered:
        if at < lo:
            out.append((at, lo))
        at = max(at, hi)
    if at < last:
        out.append((at, last))
    return out


_SUM_TYPES = tuple(type(getattr(Sums(), name)) for name in SUM_FIELDS)


def _sums_of(values: Sequence[Any]) -> Sums:
    """One row of sums as :class:`Sums` (its fields start with :data:`SUM_FIELDS`, in order)."""
    return Sums(*[kind(value or 0) for kind, value in zip(_SUM_TYPES, values, strict=True)])


def _add_row(sums: Sums, values: Sequence[Any]) -> None:
    """Add one row of sums (PostgreSQL's sums may come back as decimals)."""
    for name, value in zip(SUM_FIELDS, values, strict=True):
        current = getattr(sums, name)
        setattr(sums, name, current + type(current)(value or 0))


def _hour_pieces(lo: dt.datetime, hi: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    out = []
    while lo < hi:
        step = min(hi, floor_hour(lo) + HOUR)
        out.append((lo, step))
        lo = step
    return out


def _raw_calls(session: Session, buckets: dict[tuple[Any, ...], Sums], lo: dt.datetime, hi: dt.datetime, *,
               regions: Sequence[int] | None, queue_ids: Sequence[int] | None, by: list[str]) -> None:
    """Add the raw calls offered in ``[lo, hi)`` to the buckets: in one read, or an hour at a
    time (only the hours that had calls) when the figures are per hour."""
    sql_by = [b for b in by if b != "hour"]
    pieces = [(lo, hi)]
    if "hour" in by:
        pieces = _occupied(_hour_pieces(lo, hi), lambda a, b: repository.any_calls(
            session, start=a, end=b, regions=regions, queue_ids=queue_ids))
    for a, b in pieces:
        hour = floor_hour(a)
        for row in repository.raw_call_sums(session, start=a, end=b, regions=regions, queue_ids=queue_ids,
                                            by=sql_by):
            values = dict(zip(sql_by, row[:len(sql_by)], strict=True))
            key = tuple(hour if name == "hour" else values[name] for name in by)
            _add_row(buckets.setdefault(key, Sums()), row[len(sql_by):])


def _occupied(pieces: list[tuple[dt.datetime, dt.datetime]],
              any_in: Callable[[dt.datetime, dt.datetime], bool]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Those of the consecutive ``pieces`` (hours) in which ``any_in`` finds something, found
    by halving: a stretch without calls costs one probe of an index, however long (a year
    read hour by hour before the rollup ever ran was ~8,700 hours of several statements
    each — most of a minute). A single piece is left to its read, which finds nothing as
    cheaply as a probe would."""
    if len(pieces) <= 1:
        return pieces
    if not any_in(pieces[0][0], pieces[-1][1]):
        return []
    half = len(pieces) // 2
    return _occupied(pieces[:half], any_in) + _occupied(pieces[half:], any_in)


def dirty_hours(session: Session, since: dt.datetime) -> set[dt.datetime]:
    """The hours whose rollup a change after ``since`` made stale: the hour each changed call
    was offered in, and the hours of its caller's calls in the 24 hours after it (whether
    those are repeat calls depends on it)."""
    changed = repository.changed_calls(session, since)
    key = (id(session.get_bind()), since, frozenset(tuple(r) for r in changed))
    known = _LAST_DIRTY.get(key[0])
    if known is not None and known[0] == key:
        return set(known[1])
    hours = {floor_hour(r.offered_at) for r in changed}
    with_caller = [r for r in changed if r.caller_hash]
    if with_caller:
        lo = min(r.offered_at for r in with_caller)
        hi = max(r.offered_at for r in with_caller) + REPEAT_WINDOW + dt.timedelta(microseconds=1)
        times = repository.caller_times(session, (r.caller_hash for r in with_caller), start=lo, end=hi)
        for r in with_caller:
            for t in times.get((r.region_id, r.caller_hash), ()):
                if r.offered_at < t <= r.offered_at + REPEAT_WINDOW:
                    hours.add(floor_hour(t))
    _LAST_DIRTY[key[0]] = (key, frozenset(hours))
    return hours


#: Per database, the last answer of :func:`dirty_hours` and what it was computed from. Every
#: request asks again with the same changed calls until the next rollup; the answer depends
#: only on them and on their callers' other calls, and a call added or changed since would be
#: among the changed calls (the rollup's own assumption, :data:`LAG`), so the same changed
#: calls give the same hours.
_LAST_DIRTY: dict[int, tuple[Any, frozenset[dt.datetime]]] = {}


def _wrap_sums(session: Session, wraps: dict[tuple[Any, ...], Sums], *, regions: Sequence[int],
               start: dt.datetime, end: dt.datetime, by: list[str]) -> None:
    first, last = whole_hours(start, end)
    position = repository.cursor(session, WRAPS)
    rolled_end = min(last, position) if position is not None else first
    raw: list[tuple[dt.datetime, dt.datetime]] = []
    if first < rolled_end:
        pieces: list[tuple[str, dt.datetime, dt.datetime]] = []
        days = clean_days(first, rolled_end, []) if "hour" not in by else []
        if days:
            pieces.append((Grain.day, days[0], days[-1] + DAY))
            pieces += [(Grain.hour, lo, hi) for lo, hi in _gaps(first, rolled_end, [(days[0], days[-1] + DAY)])]
        else:
            pieces.append((Grain.hour, first, rolled_end))
        for grain, lo, hi in pieces:
            for row in repository.rolled_wraps(session, grain=grain, start=lo, end=hi, regions=regions, by=by):
                sums = wraps.setdefault(tuple(row[:len(by)]), Sums())
                sums.wrap_spells += int(row.wrap_spells or 0)
                sums.wrap_sum += float(row.wrap_sum or 0.0)
        raw += [(start, first)] if start < first else []
        raw += [(rolled_end, end)] if rolled_end < end else []
    else:
        raw.append((start, end))
    for lo, hi in raw:
        _raw_wraps(session, wraps, lo, hi, regions=regions, by=by)


def _raw_wraps(session: Session, wraps: dict[tuple[Any, ...], Sums], lo: dt.datetime, hi: dt.datetime, *,
               regions: Sequence[int] | None, by: list[str]) -> None:
    sql_by = [b for b in by if b != "hour"]
    pieces = [(lo, hi)]
    if "hour" in by:
        pieces = _occupied(_hour_pieces(lo, hi), lambda a, b: repository.any_wraps(
            session, start=a, end=b, regions=regions))
    for a, b in pieces:
        hour = floor_hour(a)
        for row in repository.raw_wrap_sums(session, start=a, end=b, regions=regions, by=sql_by):
            values = dict(zip(sql_by, row[:len(sql_by)], strict=True))
            sums = wraps.setdefault(tuple(hour if n == "hour" else values[n] for n in by), Sums())
            sums.wrap_spells += int(row.wrap_spells or 0)
            sums.wrap_sum += float(row.wrap_sum or 0.0)


def _assemble(session: Session, buckets: dict[tuple[Any, ...], Sums], wraps: dict[tuple[Any, ...], Sums], *,
              start: dt.datetime, end: dt.datetime, queue: str | None, grouping: Grouping | None,
              wrap_known: bool) -> Report:
    names = repository.queue_names(session)
    total = Sums()
    per_queue: dict[str, Sums] = {}
    grouped: dict[Any, Sums] = {}
    label = _labeller(session, grouping, buckets, wraps)
    for key, sums in buckets.items():
        if key[0] is not SPLIT:  # (SPLIT, hour): an hour's sums over its queues, for its group only
            total.add(sums)
            per_queue.setdefault(names.get(key[0], NO_QUEUE) if key[0] is not None else NO_QUEUE, Sums()).add(sums)
        if grouping is Grouping.queue:
            grouped.setdefault(names.get(key[0], NO_QUEUE) if key[0] is not None else NO_QUEUE, Sums()).add(sums)
        elif grouping is not None and key[1] is not SPLIT:  # (queue, SPLIT): a queue's sums, no group
            grouped.setdefault(label(key[1]), Sums()).add(sums)
    for key, sums in wraps.items():
        total.wrap_spells += sums.wrap_spells
        total.wrap_sum += sums.wrap_sum
        if grouping is not None and grouping is not Grouping.queue:
            target = grouped.setdefault(label(key[0]), Sums())
            target.wrap_spells += sums.wrap_spells
            target.wrap_sum += sums.wrap_sum
    groups = [Group(k, figures(s, wrap_known=wrap_known and grouping is not Grouping.queue))
              for k, s in sorted(grouped.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
    return Report(start=start, end=end, queue=queue, grouping=grouping, total=figures(total, wrap_known=wrap_known),
                  by_queue={n: figures(s, wrap_known=False) for n, s in sorted(per_queue.items())}, groups=groups)


def _labeller(session: Session, grouping: Grouping | None, buckets: dict[tuple[Any, ...], Sums],
              wraps: dict[tuple[Any, ...], Sums]) -> Callable[[Any], str | None]:
    if grouping in PERIODS:
        assert grouping is not None
        return lambda hour: period_label(hour, grouping)
    ids = {k[1] for k in buckets if len(k) > 1 and k[1] is not None} | {k[0] for k in wraps if k and k[0] is not None}
    if grouping in (Grouping.seat, Grouping.operator):
        seats = repository.seat_labels(session, ids)
        if grouping is Grouping.seat:
            return lambda seat_id: seats[seat_id][0] if seat_id in seats else None
        return lambda seat_id: (seats[seat_id][1] or "（本中心）") if seat_id in seats else None
    if grouping is Grouping.agent:
        agents = repository.agent_names(session, ids)
        return lambda agent_id: agents.get(agent_id) if agent_id is not None else None
    return lambda _: None


# --- agents' figures (quality inspection) ---------------------------------------------------------

@dataclass(slots=True)
class AnsweredCalls:
    calls: int = 0
    talk_s: float = 0.0
    order_links: int = 0


def answered_calls(session: Session, *, regions: Sequence[int], start: dt.datetime,
                   end: dt.datetime) -> dict[tuple[int, int | None], AnsweredCalls]:
    """Per (agent, seat): the calls *answered* in ``[start, end)`` (the agents' figures count a
    call when it was answered), their talk and their order links.

    The calls *offered* in the whole hours ``[first, last)`` come from the rollup (raw for the
    dirty hours, as :func:`compute` reads them); then, from the raw calls through the index
    ``(region_id, offered_at, answered_at)``: plus the calls offered in the edges
    (``[start − MAX_RING, first)`` and ``[last, end)``) answered in the period, minus those
    offered in the whole hours but answered at or after ``end``."""
    first, last = whole_hours(start, end)
    if first >= last:
        first = last = start
    buckets: dict[tuple[Any, ...], Sums] = {}
    out: dict[tuple[int, int | None], AnsweredCalls] = {}
    if regions and first < last:
        _call_sums(session, buckets, regions=regions, start=first, end=last, queue_ids=None, by=["agent", "seat"],
                   hourly=False)
    for (agent, seat), sums in buckets.items():
        if agent is not None and sums.answered:
            out[agent, seat] = AnsweredCalls(sums.answered, sums.talk_sum, sums.order_links)

    def add(rows: Sequence[Any], sign: int) -> None:
        for row in rows:
            entry = out.setdefault((row.agent, row.seat), AnsweredCalls())
            entry.calls += sign * int(row.calls)
            entry.talk_s += sign * float(row.talk or 0.0)
            entry.order_links += sign * int(row.links or 0)

    for lo, hi in ((start - MAX_RING, first), (last, end)):
        add(repository.answered_sums(session, regions=regions, offered_from=lo, offered_to=hi, answered_from=start,
                                     answered_to=end), 1)
    add(repository.answered_sums(session, regions=regions, offered_from=max(first, end - MAX_RING), offered_to=last,
                                 answered_from=end, answered_to=None), -1)
    return {k: v for k, v in out.items() if v.calls}


def wrap_up_time(session: Session, *, regions: Sequence[int], start: dt.datetime, end: dt.datetime,
                 now: dt.datetime) -> dict[tuple[int | None, int], float]:
    """Per (agent, seat): seconds in the wrap-up state inside ``[start, end)`` (a spell crossing
    a bound counts its part inside; an open one runs until ``now``).

    The spells that *ended* in ``[start, stop)`` (``stop = min(end, now)``) count whole, from
    the wrap-up rollup and the raw edges as :func:`compute` reads them; then each seat's spell
    in progress at ``start`` loses its part before ``start``, and the one in progress at
    ``stop`` (not ended by then) adds its part inside. A seat's spells never overlap, so there
    is at most one of each per seat."""
    stop = min(end, now)
    out: dict[tuple[int | None, int], float] = {}
    if not regions or stop <= start:
        return out
    wraps: dict[tuple[Any, ...], Sums] = {}
    _wrap_sums(session, wraps, regions=regions, start=start, end=stop, by=["agent", "seat"])
    for (agent, seat), sums in wraps.items():
        out[agent, seat] = sums.wrap_sum
    for spell in repository.spells_at(session, regions=regions, at=start):
        if spell.state == WRAP_UP and spell.ended_at is not None and start <= spell.ended_at < stop:
            key = (spell.agent, spell.seat)
            out[key] = out.get(key, 0.0) - (start - spell.started_at).total_seconds()
    for spell in repository.spells_at(session, regions=regions, at=stop):
        if spell.state == WRAP_UP and (spell.ended_at is None or spell.ended_at >= stop):
            key = (spell.agent, spell.seat)
            out[key] = out.get(key, 0.0) + (stop - max(spell.started_at, start)).total_seconds()
    return out


WRAP_UP = "wrap_up"


# --- the rollup ------------------------------------------------------------------------------------

@dataclass
class RollupResult:
    call_hours: int
    wrap_hours: int
    position: dt.datetime


def rollup(session: Session, *, rebuild: bool = False) -> RollupResult:
    """Bring the rollup up to date: re-aggregate every hour a change since the cursor made
    stale (all hours with ``rebuild`` or on the first run) and the days holding them, then the
    wrap-up spells that ended in the hours since the wrap cursor. Idempotent; the cursor moves
    to ``now − LAG`` (never back)."""
    now = clock.now()
    position = now - LAG
    cursor = None if rebuild else repository.cursor(session, CALLS)
    hours: list[dt.datetime] = []
    if cursor is None:
        repository.clear_rolled(session)
        first = repository.first_offered(session)
        if first is not None:
            at, stop = floor_hour(first), ceil_hour(now) + HOUR
            while at < stop:
                hours.append(at)
                at += HOUR
    else:
        hours = sorted(dirty_hours(session, cursor))
    for hour in hours:
        _roll_call_hour(session, hour)
    for day in sorted({day_start(h) for h in hours}):
        _roll_day(session, day)
    # never back: a cursor set ahead of ``now − LAG`` (the demo's, after its committed load) stays
    repository.set_cursor(session, CALLS, position if cursor is None else max(position, cursor), now)
    wrap_hours = _roll_wraps(session, until=floor_hour(position), rebuild=rebuild)
    return RollupResult(call_hours=len(hours), wrap_hours=wrap_hours, position=position)


_FINE = ["region", "queue", "seat", "agent"]


def _roll_call_hour(session: Session, hour: dt.datetime) -> None:
    fine: list[dict[str, Any]] = []
    coarse: dict[tuple[Any, ...], Sums] = {}
    for row in repository.raw_call_sums(session, start=hour, end=hour + HOUR, regions=None, queue_ids=None, by=_FINE):
        sums = Sums()
        _add_row(sums, row[len(_FINE):])
        fine.append({"hour": hour, **{f"{k}_id": v for k, v in zip(_FINE, row[:len(_FINE)], strict=True)},
                     **{name: getattr(sums, name) for name in SUM_FIELDS}})
        coarse.setdefault((row.region, row.queue), Sums()).add(sums)
    repository.replace_rolled(session, Grain.hour, [hour], fine)
    repository.replace_rolled(session, Grain.queue_hour, [hour], [
        {"hour": hour, "region_id": k[0], "queue_id": k[1], "seat_id": None, "agent_id": None,
         **{name: getattr(s, name) for name in SUM_FIELDS}} for k, s in coarse.items()])


def _roll_day(session: Session, day: dt.datetime) -> None:
    rows = []
    for r in repository.rolled_sums(session, grain=Grain.hour, start=day, end=day + DAY, regions=None, by=_FINE):
        sums = Sums()
        _add_row(sums, r[len(_FINE):])
        rows.append({"hour": day, **{f"{k}_id": v for k, v in zip(_FINE, r[:len(_FINE)], strict=True)},
                     **{name: getattr(sums, name) for name in SUM_FIELDS}})
    repository.replace_rolled(session, Grain.day, [day], rows)


_WRAP_FINE = ["region", "seat", "agent"]


def _roll_wraps(session: Session, *, until: dt.datetime, rebuild: bool) -> int:
    cursor = None if rebuild else repository.cursor(session, WRAPS)
    if cursor is None:
        first = repository.first_wrap_end(session)
        cursor = floor_hour(first) if first is not None else until
        for grain in (Grain.hour, Grain.day):
            repository.replace_wrap_rolled(session, grain, dt.datetime.min.replace(tzinfo=dt.UTC), until + DAY, [])
    count = 0
    at = cursor
    while at < until:
        rows = repository.raw_wrap_sums(session, start=at, end=at + HOUR, regions=None, by=_WRAP_FINE)
        repository.replace_wrap_rolled(session, Grain.hour, at, at + HOUR, [
            {"hour": at, "region_id": r.region, "seat_id": r.seat, "agent_id": r.agent, "spells": int(r.wrap_spells),
             "wrap_sum": float(r.wrap_sum)} for r in rows])
        count += 1
        at += HOUR
    for day in sorted({day_start(cursor + HOUR * i) for i in range(count)}):
        rows = repository.rolled_wraps(session, grain=Grain.hour, start=day, end=day + DAY, regions=None, by=_WRAP_FINE)
        repository.replace_wrap_rolled(session, Grain.day, day, day + HOUR, [
            {"hour": day, "region_id": r.region, "seat_id": r.seat, "agent_id": r.agent, "spells": int(r.wrap_spells),
             "wrap_sum": float(r.wrap_sum)} for r in rows])
    if cursor < until or repository.cursor(session, WRAPS) is None:
        repository.set_cursor(session, WRAPS, max(cursor, until), clock.now())
    return count


# --- the wallboard ------------------------------------------------------------------------------------

@dataclass
class Wallboard:
    now: dt.datetime
    waiting: int
    longest_wait_s: float | None
    waiting_by_queue: dict[str, dict[str, Any]]
    seats_by_state: dict[str, int]
    seats: list[dict[str, Any]]
    today: Report


SEAT_STATES = ("ready", "busy", "wrap_up", "break", "logged_out")


def wallboard(session: Session, principal: Principal) -> Wallboard:
    """What the centre looks like now: calls waiting in each queue and the longest wait,
    seats by state, and today's (China time) figures per queue."""
    access.require(principal, Cap.view_calls)
    now = clock.now()
    regions = repository.region_ids(session, principal.region_prefix)
    names = repository.queue_names(session)
    waiting_by_queue: dict[str, dict[str, Any]] = {}
    longest: float | None = None
    timeout = dt.timedelta(minutes=get_settings().cti_call_timeout_minutes)
    for row in repository.waiting_calls(session, regions=regions, since=now - timeout, until=now + DAY):
        queue_id, queued_at = row.queue_id, row.queued_at
        wait = max(0.0, (now - queued_at).total_seconds())
        entry = waiting_by_queue.setdefault(names.get(queue_id, NO_QUEUE), {"waiting": 0, "longest_wait_s": 0.0})
        entry["waiting"] += 1
        entry["longest_wait_s"] = round(max(entry["longest_wait_s"], wait), 1)
        longest = wait if longest is None else max(longest, wait)
    seats = [{"code": s.code, "kind": s.kind, "state": s.state, "agent": s.agent,
              "since_s": round((now - s.state_since).total_seconds()) if s.state_since else None}
             for s in repository.seats_now(session, regions=regions)]
    by_state = {state: sum(1 for s in seats if s["state"] == state) for state in SEAT_STATES}
    local = now.astimezone(clock.CST)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    today = compute(session, regions=regions, start=midnight, end=now + dt.timedelta(microseconds=1))
    return Wallboard(now=now, waiting=sum(q["waiting"] for q in waiting_by_queue.values()),
                     longest_wait_s=round(longest, 1) if longest is not None else None,
                     waiting_by_queue=waiting_by_queue, seats_by_state=by_state, seats=seats, today=today)
