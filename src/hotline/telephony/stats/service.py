"""Use cases of call statistics: the figures of a period (``report``), the hourly rollup that
keeps them fast (``rollup``), and the wallboard's live state (``wallboard``).

How a period is read: its whole hours come from the rollup (:class:`CallHour`), except the
hours holding a call changed after the rollup's cursor ("dirty" hours); the partial hours at
the edges and the dirty hours are read from the raw calls with the same rules
(:func:`rules.add_call`). An answer is therefore exact as soon as ingest has committed, and the
rollup only makes it fast. Wrap-up spells work the same way with their own cursor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import InvalidInput
from hotline.telephony.stats import repository
from hotline.telephony.stats.rules import (
    HOUR,
    PERIODS,
    REPEAT_WINDOW,
    SUM_FIELDS,
    CallFacts,
    Grouping,
    Sums,
    add_call,
    add_wrap_up,
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
    queue_id = repository.queue_by_name(session, queue) if queue else None
    extra = _CALL_KEY.get(grouping) if grouping is not None else None
    by = ["queue"] + ([extra] if extra else [])
    buckets: dict[tuple[Any, ...], Sums] = {}
    if regions and (queue is None or queue_id is not None):
        _call_sums(session, buckets, regions=regions, start=start, end=end, queue_id=queue_id, by=by)
    wrap_by = [extra] if extra else []
    wraps: dict[tuple[Any, ...], Sums] = {}
    wrap_known = queue is None
    if wrap_known and grouping is not Grouping.queue and regions:
        _wrap_sums(session, wraps, regions=regions, start=start, end=end, by=wrap_by)
    return _assemble(session, buckets, wraps, start=start, end=end, queue=queue, grouping=grouping,
                     wrap_known=wrap_known)


def _call_sums(session: Session, buckets: dict[tuple[Any, ...], Sums], *, regions: Sequence[int],
               start: dt.datetime, end: dt.datetime, queue_id: int | None, by: list[str]) -> None:
    first, last = whole_hours(start, end)
    position = repository.cursor(session, CALLS)
    raw: list[tuple[dt.datetime, dt.datetime]] = []
    if position is None or first >= last:
        raw.append((start, end))
    else:
        dirty = sorted(h for h in dirty_hours(session, position) if first <= h < last)
        for row in repository.hour_sums(session, start=first, end=last, regions=regions, skip=dirty,
                                        queue_id=queue_id, by=by):
            key = tuple(row[:len(by)])
            _add_row(buckets.setdefault(key, Sums()), row[len(by):])
        raw += [(start, first)] if start < first else []
        raw += hour_ranges(dirty)
        raw += [(last, end)] if last < end else []
    for lo, hi in raw:
        _raw_calls(session, buckets, lo, hi, regions=regions, queue_id=queue_id, key=_key_fn(by))


def _add_row(sums: Sums, values: Sequence[Any]) -> None:
    for name, value in zip(SUM_FIELDS, values, strict=True):
        setattr(sums, name, getattr(sums, name) + (value or 0))


def _key_fn(by: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    def key(row: Any) -> tuple[Any, ...]:
        parts: list[Any] = []
        for name in by:
            if name == "hour":
                parts.append(floor_hour(row.offered_at))
            elif name == "region":
                parts.append(row.region_id)
            else:
                parts.append(getattr(row, f"{name}_id"))
        return tuple(parts)
    return key


def _raw_calls(session: Session, buckets: dict[tuple[Any, ...], Sums], lo: dt.datetime, hi: dt.datetime, *,
               regions: Sequence[int] | None, queue_id: int | None,
               key: Callable[[Any], tuple[Any, ...]]) -> None:
    """Add the raw calls offered in ``[lo, hi)`` to the buckets, with the same rules as the rollup."""
    for row in repository.calls_offered(session, start=lo, end=hi, regions=regions, queue_id=queue_id):
        add_call(buckets.setdefault(key(row), Sums()), CallFacts(
            answered=bool(row.answered), ended=bool(row.ended), wait_s=row.wait_s, talk_s=row.talk_s,
            transfers=row.transfers or 0, three_way=row.three_way or 0, enterprise=bool(row.enterprise),
            ordered=bool(row.ordered), repeat=bool(row.repeat)))


def dirty_hours(session: Session, since: dt.datetime) -> set[dt.datetime]:
    """The hours whose rollup a change after ``since`` made stale: the hour each changed call
    was offered in, and the hours of its caller's calls in the 24 hours after it (whether
    those are repeat calls depends on it)."""
    changed = repository.changed_calls(session, since)
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
    return hours


def _wrap_sums(session: Session, wraps: dict[tuple[Any, ...], Sums], *, regions: Sequence[int],
               start: dt.datetime, end: dt.datetime, by: list[str]) -> None:
    first, last = whole_hours(start, end)
    position = repository.cursor(session, WRAPS)
    rolled_end = min(last, position) if position is not None else first
    raw: list[tuple[dt.datetime, dt.datetime]] = []
    if first < rolled_end:
        for row in repository.wrap_sums(session, start=first, end=rolled_end, regions=regions, by=by):
            sums = wraps.setdefault(tuple(row[:len(by)]), Sums())
            sums.wrap_spells += row.wrap_spells or 0
            sums.wrap_sum += row.wrap_sum or 0.0
        raw += [(start, first)] if start < first else []
        raw += [(rolled_end, end)] if rolled_end < end else []
    else:
        raw.append((start, end))
    for lo, hi in raw:
        _raw_wraps(session, wraps, lo, hi, regions=regions, by=by)


def _raw_wraps(session: Session, wraps: dict[tuple[Any, ...], Sums], lo: dt.datetime, hi: dt.datetime, *,
               regions: Sequence[int] | None, by: list[str]) -> None:
    for row in repository.wrap_spells(session, start=lo, end=hi, regions=regions):
        parts = {"hour": floor_hour(row.ended_at), "seat": row.seat_id, "agent": row.agent_id,
                 "region": row.region_id}
        add_wrap_up(wraps.setdefault(tuple(parts[b] for b in by), Sums()),
                    (row.ended_at - row.started_at).total_seconds())


def _assemble(session: Session, buckets: dict[tuple[Any, ...], Sums], wraps: dict[tuple[Any, ...], Sums], *,
              start: dt.datetime, end: dt.datetime, queue: str | None, grouping: Grouping | None,
              wrap_known: bool) -> Report:
    names = repository.queue_names(session)
    total = Sums()
    per_queue: dict[str, Sums] = {}
    grouped: dict[Any, Sums] = {}
    label = _labeller(session, grouping, buckets, wraps)
    for key, sums in buckets.items():
        total.add(sums)
        per_queue.setdefault(names.get(key[0], NO_QUEUE) if key[0] is not None else NO_QUEUE, Sums()).add(sums)
        if grouping is Grouping.queue:
            grouped.setdefault(names.get(key[0], NO_QUEUE) if key[0] is not None else NO_QUEUE, Sums()).add(sums)
        elif grouping is not None:
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


# --- the rollup ------------------------------------------------------------------------------------

@dataclass
class RollupResult:
    call_hours: int
    wrap_hours: int
    position: dt.datetime


def rollup(session: Session, *, rebuild: bool = False) -> RollupResult:
    """Bring the hourly rollup up to date: re-aggregate every hour a change since the cursor
    made stale (all hours with ``rebuild`` or on the first run), then the wrap-up spells that
    ended in the hours since the wrap cursor. Idempotent; the cursor moves to ``now − LAG``."""
    now = clock.now()
    position = now - LAG
    cursor = None if rebuild else repository.cursor(session, CALLS)
    if cursor is None:
        repository.clear_call_hours(session)
        first = repository.first_offered(session)
        hours: Iterable[dt.datetime] = []
        ranges = [(floor_hour(first), ceil_hour(now) + HOUR)] if first is not None else []
    else:
        hours = dirty_hours(session, cursor)
        ranges = hour_ranges(hours)
    call_hours = 0
    for lo, hi in ranges:
        while lo < hi:  # a day at a time: bounded memory
            step = min(hi, lo + dt.timedelta(hours=24))
            call_hours += _roll_calls(session, lo, step)
            lo = step
    repository.set_cursor(session, CALLS, position, now)
    wrap_hours = _roll_wraps(session, until=floor_hour(position), rebuild=rebuild)
    return RollupResult(call_hours=call_hours, wrap_hours=wrap_hours, position=position)


def _roll_calls(session: Session, lo: dt.datetime, hi: dt.datetime) -> int:
    buckets: dict[tuple[Any, ...], Sums] = {}
    _raw_calls(session, buckets, lo, hi, regions=None, queue_id=None,
               key=_key_fn(["region", "hour", "queue", "seat", "agent"]))
    rows = [{"region_id": k[0], "hour": k[1], "queue_id": k[2], "seat_id": k[3], "agent_id": k[4],
             **{name: getattr(s, name) for name in SUM_FIELDS}} for k, s in buckets.items()]
    hours = []
    at = lo
    while at < hi:
        hours.append(at)
        at += HOUR
    repository.replace_call_hours(session, hours, rows)
    return len(hours)


def _roll_wraps(session: Session, *, until: dt.datetime, rebuild: bool) -> int:
    cursor = None if rebuild else repository.cursor(session, WRAPS)
    if cursor is None:
        first = repository.first_wrap_end(session)
        cursor = floor_hour(first) if first is not None else until
        repository.replace_wrap_hours(session, dt.datetime.min.replace(tzinfo=dt.UTC), until, [])
    count = 0
    lo = cursor
    while lo < until:
        hi = min(until, lo + dt.timedelta(hours=24))
        wraps: dict[tuple[Any, ...], Sums] = {}
        _raw_wraps(session, wraps, lo, hi, regions=None, by=["region", "hour", "seat", "agent"])
        repository.replace_wrap_hours(session, lo, hi, [
            {"region_id": k[0], "hour": k[1], "seat_id": k[2], "agent_id": k[3], "spells": s.wrap_spells,
             "wrap_sum": s.wrap_sum} for k, s in wraps.items()])
        count += int((hi - lo) / HOUR)
        lo = hi
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
    for row in repository.waiting_calls(session, regions=regions, since=now - dt.timedelta(hours=6)):
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
