"""Use cases of calls: taking in the PBX's call events (docs/cti.md, docs/adr/0021-call-events.md)
and closing calls the PBX never ended.

A batch of events is written in one transaction: each event is a duplicate (its call and
``seq`` already stored, or earlier in the batch), contradicts its call (rejected, with the
reason, while the rest is kept) or is accepted and stored. Every call that gained an event
has its facts recomputed from *all* its stored events by :func:`lifecycle.fold`, so events
arriving late or out of order give the same facts as the PBX's own order. The write path
is built for a PBX's stream: per batch a handful of queries (the touched calls, their
events, the seats, the queues) and bulk inserts and updates, whatever the batch's size.

Services take the session first and never commit; the caller (the request's group commit,
the job) commits."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hotline.citizen import service as citizen_service
from hotline.config import get_settings
from hotline.kit import clock
from hotline.kit.cache import TtlCache
from hotline.telephony import lifecycle, repository, seats
from hotline.telephony.lifecycle import EndReason, Event, EventType, Facts, TransferMode
from hotline.telephony.models import QueueKind, new_ref
from hotline.telephony.schemas import Incoming

log = logging.getLogger(__name__)

#: Calls closed per round of the timeout job (each round one transaction).
CLOSE_CHUNK = 500
#: The region of a CTI account's unit (a unit never moves to another region).
_REGION_OF_UNIT: TtlCache[int, int] = TtlCache(ttl_seconds=600)


@dataclass(frozen=True, slots=True)
class Batch:
    """A PBX's batch, checked (:func:`hotline.telephony.schemas.parse_batch`), with the unit
    of the CTI account that posted it (its region is the calls' region)."""

    unit_id: int
    events: Sequence[Incoming]


@dataclass(frozen=True, slots=True)
class Rejected:
    index: int
    call_id: str
    seq: int
    reason: str


@dataclass(slots=True)
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)


@dataclass(slots=True)
class _CallWork:
    """One call touched by a batch: what is stored, what the batch adds."""

    call_id: str
    row: Mapping[str, Any] | None
    stored: list[Event]
    new: list[Incoming] = field(default_factory=list)


_TYPES = {t.value: t for t in EventType}
_MODES = {m.value: m for m in TransferMode}
_REASONS = {r.value: r for r in EndReason}


def _stored_event(seq: int, type_: str, at: dt.datetime, data: Mapping[str, Any] | None) -> Event:
    if not data:
        return Event(seq, _TYPES[type_], at)
    get = data.get
    mode, reason = get("mode"), get("reason")
    return Event(seq, _TYPES[type_], at, None, get("called"), get("digits"), get("queue"), get("seat"), get("to"),
                 _MODES[mode] if mode else None, _REASONS[reason] if reason else None, get("recording_url"))


def _event_data(event: Event) -> dict[str, Any]:
    """What a stored event keeps besides its columns: its fields without the caller's number."""
    values = {"called": event.called, "digits": event.digits, "queue": event.queue, "seat": event.seat,
              "to": event.to, "mode": event.mode.value if event.mode else None,
              "reason": event.reason.value if event.reason else None, "recording_url": event.recording_url}
    return {k: v for k, v in values.items() if v is not None}


def _closed_by_platform(row: Mapping[str, Any] | None, events: Iterable[Event]) -> bool:
    """The platform closed the call as ``timeout`` (no ``ended`` event is stored)."""
    return (row is not None and row["end_reason"] == EndReason.timeout.value and row["ended_at"] is not None
            and not any(e.type is EventType.ended for e in events))


def _holding_seats(events: Sequence[Event]) -> list[str]:
    """The seats on the call when it ended: every seat that answered it, less those that
    passed it on by a blind transfer (a three-way call keeps the transferring seat on)."""
    holding: dict[str, None] = {}
    for event in sorted(events, key=lambda e: e.seq):
        if event.type is EventType.answered and event.seat:
            holding[event.seat] = None
        elif event.type is EventType.transferred and event.mode is TransferMode.blind and event.seat:
            holding.pop(event.seat, None)
    return list(holding)


class _Writer:
    """The shared second half of an ingest and of the timeout job: queues, facts columns,
    seat states."""

    def __init__(self, session: Session, now: dt.datetime) -> None:
        self.session = session
        self.now = now
        settings = get_settings()
        self.ivr_queues = dict(settings.cti_ivr_queues)
        self.enterprise_queues = frozenset(v for k, v in self.ivr_queues.items() if k == "1")
        self.timeout = dt.timedelta(minutes=settings.cti_call_timeout_minutes)
        #: seat code → (id, agent logged in) of the active seats the calls at hand name
        self.seats: dict[str, tuple[int, int | None]] = {}
        #: (at, seq, seat code, type, call pk) of the seat moves of the calls at hand
        self.transitions: list[tuple[dt.datetime, int, str, EventType, int]] = []

    def load_seats(self, events: Iterable[Event]) -> None:
        """The active seats these events name (only those: a province has thousands)."""
        codes = {e.seat for e in events if e.seat and e.type in (EventType.answered, EventType.transferred)}
        self.seats = repository.active_seats(self.session, codes)

    def fold(self, events: list[Event], *, was_closed: bool) -> Facts:
        """The call's facts; a call the platform had closed stays closed (at its last event)
        unless its events now end it or show it active within the timeout."""
        facts = lifecycle.fold(events, ivr_queues=self.ivr_queues)
        if not facts.ended and was_closed and self.now - facts.last_event_at >= self.timeout:
            facts = lifecycle.fold(events, ivr_queues=self.ivr_queues, closed_at=facts.last_event_at)
        return facts

    def queues(self, region_id: int, names: Iterable[str]) -> dict[str, tuple[int, str]]:
        """Queue name → (id, kind) of the centre's region; a name seen there for the first time
        makes a queue (kind general, or enterprise for the IVR map's digit-1 queue)."""
        wanted = set(names)
        found = repository.queues_by_names(self.session, region_id, wanted)
        missing = sorted(wanted - found.keys())
        if missing:
            repository.insert_queues(self.session, [
                {"region_id": region_id, "name": name, "created_at": self.now, "label": None,
                 "kind": (QueueKind.enterprise if name in self.enterprise_queues else QueueKind.general).value}
                for name in missing])
            found.update(repository.queues_by_names(self.session, region_id, missing))
        return found

    def facts_values(self, facts: Facts, row: Mapping[str, Any] | None, queues: Mapping[str, tuple[int, str]]
                     ) -> dict[str, Any]:
        queue = queues.get(facts.queue) if facts.queue else None
        seat = self.seats.get(facts.seat) if facts.seat else None
        seat_id = seat[0] if seat else (row["seat_id"] if row is not None else None)
        agent_id = row["agent_id"] if row is not None else None
        if seat is not None and (row is None or row["seat_id"] != seat_id):
            # the agent on the answering seat when its answer is taken in, kept afterwards (an
            # earlier answer arriving late names another seat: that seat's agent, then)
            agent_id = seat[1]
        return {
            "state": facts.state, "offered_at": facts.offered_at, "queued_at": facts.queued_at,
            "answered_at": facts.answered_at, "ended_at": facts.ended_at,
            "end_reason": facts.end_reason.value if facts.end_reason else None,
            "ivr_digits": facts.ivr_digits, "called": facts.called,
            "queue_id": queue[0] if queue else (row["queue_id"] if row is not None else None),
            "enterprise": bool(queue and queue[1] == QueueKind.enterprise.value),
            "seat_id": seat_id, "agent_id": agent_id, "transfers": facts.transfers, "three_way": facts.three_way,
            "wait_s": facts.wait_s, "talk_s": facts.talk_s, "recording_url": facts.recording_url,
            "last_seq": facts.last_seq, "last_event_at": facts.last_event_at, "updated_at": self.now,
        }

    def seat_moves(self, call_pk: int, events: Sequence[Event], new: Sequence[Event], facts: Facts, *,
                   end_is_new: bool) -> None:
        """The seat states the call's new events set: an answer makes the seat busy with the
        call (the seat that takes over a blind transfer answers it too), a blind
        transfer puts the transferring seat in wrap-up, the end of the call puts the seats
        still on it in wrap-up. An end already known is applied again when an answer arrives
        after it (late): the seat's late-report rule keeps the latest state."""
        for event in new:
            if event.type is EventType.answered and event.seat:
                self.transitions.append((event.at, event.seq, event.seat, EventType.answered, call_pk))
            elif event.type is EventType.transferred and event.mode is TransferMode.blind and event.seat:
                self.transitions.append((event.at, event.seq, event.seat, EventType.ended, call_pk))
        seat_news = any(e.type in (EventType.answered, EventType.transferred) for e in new)
        if facts.ended_at is not None and (end_is_new or seat_news):
            for code in _holding_seats(events):
                self.transitions.append((facts.ended_at, facts.last_seq + 1, code, EventType.ended, call_pk))

    def apply_seat_moves(self) -> None:
        moves = [(at, self.seats[code][0], kind, call_pk)
                 for at, _, code, kind, call_pk in sorted(self.transitions, key=lambda t: (t[0], t[1]))
                 if code in self.seats]
        seats.on_call_events(self.session, moves)
        self.transitions.clear()


def ingest(session: Session, batch: Batch) -> Outcome:
    """Take in a checked batch of call events (see the module's docstring). Returns how many
    were accepted, how many were duplicates, and each rejected event with its reason."""
    outcome = Outcome()
    if not batch.events:
        return outcome
    now = clock.now()
    writer = _Writer(session, now)
    region_id = _REGION_OF_UNIT.get_or_load(batch.unit_id, lambda: repository.region_of_unit(session, batch.unit_id))
    grouped: dict[str, list[Incoming]] = defaultdict(list)
    for item in batch.events:
        grouped[item.call_id].append(item)
    lock = session.get_bind().dialect.name == "postgresql"
    rows = {row["call_id"]: row for row in repository.calls_by_pbx_ids(session, grouped.keys(), lock=lock)}
    stored: dict[int, list[Event]] = defaultdict(list)
    for call_pk, seq, type_, at, data in repository.events_of_calls(session, [r["id"] for r in rows.values()]):
        stored[call_pk].append(_stored_event(seq, type_, at, data))
    writer.load_seats([i.event for i in batch.events] + [e for events in stored.values() for e in events])
    known_seats = frozenset(writer.seats)

    works: list[_CallWork] = []
    for call_id, items in grouped.items():
        row = rows.get(call_id)
        work = _CallWork(call_id, row, stored.get(row["id"], []) if row is not None else [])
        if row is not None and row["region_id"] != region_id:
            outcome.rejected.extend(Rejected(i.index, call_id, i.event.seq, "the call belongs to another centre")
                                    for i in items)
            continue
        known = list(work.stored)
        seen = {e.seq for e in known}
        # the PBX's own order: events of one call in one batch are judged by seq, not by position
        for item in sorted(items, key=lambda i: (i.event.seq, i.index)):
            if item.event.seq in seen:
                outcome.duplicates += 1
                continue
            reason = lifecycle.contradiction(known, item.event, known_seats=known_seats)
            if reason is not None:
                outcome.rejected.append(Rejected(item.index, call_id, item.event.seq, reason))
                continue
            seen.add(item.event.seq)
            known.append(item.event)
            work.new.append(item)
        if work.new:
            works.append(work)
    outcome.accepted = sum(len(w.new) for w in works)
    outcome.rejected.sort(key=lambda r: r.index)
    if not works:
        return outcome

    folded: list[tuple[_CallWork, list[Event], Facts]] = []
    for work in works:
        events = work.stored + [i.event for i in work.new]
        facts = writer.fold(events, was_closed=_closed_by_platform(work.row, work.stored))
        folded.append((work, events, facts))
    queues = writer.queues(region_id, (f.queue for _, _, f in folded if f.queue))

    new_calls = [w for w, _, _ in folded if w.row is None]
    ids = dict(zip((w.call_id for w in new_calls), repository.new_call_ids(session, len(new_calls)), strict=True))
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    for work, events, facts in folded:
        values = writer.facts_values(facts, work.row, queues)
        caller = next((i.event.caller for i in sorted(work.new, key=lambda i: i.event.seq) if i.event.caller), None)
        if work.row is None:
            call_pk = ids[work.call_id]
            inserts.append({"id": call_pk, "ref": new_ref(), "call_id": work.call_id, "region_id": region_id,
                            "caller": caller, "caller_hash": citizen_service.phone_hash(caller) if caller else None,
                            **values})
        else:
            call_pk = work.row["id"]
            extra = {}
            if caller is not None and work.row["caller_hash"] is None:
                extra = {"caller": caller, "caller_hash": citizen_service.phone_hash(caller)}
            updates.append({"call_pk": call_pk, **values, **extra})
        event_rows.extend({"call_id": call_pk, "seq": i.event.seq, "type": i.event.type.value, "at": i.event.at,
                           "data": _event_data(i.event), "received_at": now} for i in work.new)
        was_ended = work.row is not None and work.row["ended_at"] is not None
        end_is_new = facts.ended_at is not None and (
            not was_ended or any(i.event.type is EventType.ended for i in work.new))
        writer.seat_moves(call_pk, events, [i.event for i in work.new], facts, end_is_new=end_is_new)
    # new calls in one order: two batches creating the same calls never deadlock on PostgreSQL
    repository.insert_calls(session, sorted(inserts, key=lambda row: row["call_id"]))
    repository.update_calls(session, updates)
    repository.insert_call_events(session, event_rows)
    writer.apply_seat_moves()
    log.debug("call events taken in: %d accepted, %d duplicates, %d rejected, %d calls", outcome.accepted,
             outcome.duplicates, len(outcome.rejected), len(works))
    return outcome


def write_batches(session: Session, batches: Sequence[Batch]) -> list[Outcome | BaseException]:
    """The group-commit writer (:class:`hotline.kit.groupcommit.GroupCommitter`): batches of
    several requests, one after the other in one transaction (a later batch sees the
    earlier's events)."""
    return [ingest(session, batch) for batch in batches]


def close_stale_calls(session: Session, *, limit: int = CLOSE_CHUNK) -> int:
    """Close calls whose last event is older than the timeout and that never ``ended``:
    reason ``timeout``, ended at their last event; the seats still on them go to wrap-up.
    A real ``ended`` arriving later replaces the closure. Returns how many were closed."""
    now = clock.now()
    writer = _Writer(session, now)
    rows = repository.stale_open_calls(session, now - writer.timeout, limit=limit,
                                       lock=session.get_bind().dialect.name == "postgresql")
    if not rows:
        return 0
    stored: dict[int, list[Event]] = defaultdict(list)
    for call_pk, seq, type_, at, data in repository.events_of_calls(session, [r["id"] for r in rows]):
        stored[call_pk].append(_stored_event(seq, type_, at, data))
    writer.load_seats(e for events in stored.values() for e in events)
    folded = []
    for row in rows:
        events = stored.get(row["id"], [])
        if not events:
            continue
        facts = lifecycle.fold(events, ivr_queues=writer.ivr_queues, closed_at=max(e.at for e in events))
        folded.append((row, events, facts))
    named: dict[int, set[str]] = defaultdict(set)  # region → the queue names its calls use
    for row, _, facts in folded:
        if facts.queue:
            named[row["region_id"]].add(facts.queue)
    queues = {region_id: writer.queues(region_id, named[region_id])
              for region_id in {row["region_id"] for row, _, _ in folded}}
    updates = []
    for row, events, facts in folded:
        updates.append({"call_pk": row["id"], **writer.facts_values(facts, row, queues[row["region_id"]])})
        writer.seat_moves(row["id"], events, [], facts, end_is_new=True)
    repository.update_calls(session, updates)
    writer.apply_seat_moves()
    if updates:
        log.info("calls closed as timeout: %d", len(updates))
    return len(updates)
