"""Pure rules of a call: the event vocabulary of the call-event contract (docs/cti.md), which
event contradicts the call, and the facts a call's events add up to (wait, talk, answered,
abandoned …) with the industry's definitions. No I/O: the service stores what these decide.

Events may arrive out of order and late; the facts are computed from all of a call's events
sorted by their ``seq`` (the PBX's own order), so the arrival order never changes them."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: An abandoned call whose caller waited less than this is not counted against the answer rate.
SHORT_ABANDON_S = 5.0
#: An answered call waited at most this long to count as answered in time (service level).
SERVICE_LEVEL_S = 15.0


class EventType(enum.StrEnum):
    offered = "offered"  # the call reached the PBX
    ivr = "ivr"  # the caller chose in the voice menu (``digits``)
    queued = "queued"  # the call joined a queue (``queue``)
    answered = "answered"  # a seat took it (``seat``)
    transferred = "transferred"  # the seat passed it on (``to``, ``mode``)
    ended = "ended"  # the call is over (``reason``)


class EndReason(enum.StrEnum):
    completed = "completed"
    abandoned = "abandoned"
    timeout = "timeout"  # also: closed by the platform when no ``ended`` came in time
    failed = "failed"


class TransferMode(enum.StrEnum):
    blind = "blind"  # 盲转
    three_way = "three_way"  # 三方通话


@dataclass(frozen=True, slots=True)
class Event:
    """One call event as the contract defines it (the caller's number included)."""

    seq: int
    type: EventType
    at: dt.datetime
    caller: str | None = None
    called: str | None = None
    digits: str | None = None
    queue: str | None = None
    seat: str | None = None
    to: str | None = None
    mode: TransferMode | None = None
    reason: EndReason | None = None
    recording_url: str | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What a call's events add up to."""

    state: str
    offered_at: dt.datetime
    queued_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: EndReason | None
    caller: str | None
    called: str | None
    ivr_digits: str | None
    queue: str | None
    seat: str | None
    transfers: int
    three_way: int
    recording_url: str | None
    last_seq: int
    last_event_at: dt.datetime

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def abandoned(self) -> bool:
        """Ended unanswered, whatever the reason the PBX gave."""
        return self.ended and not self.answered

    @property
    def wait_s(self) -> float | None:
        """From queued to answered, or to ended for an abandoned call; 0 for a call that never
        queued; ``None`` while the call is still waiting."""
        end = self.answered_at or self.ended_at
        if end is None:
            return None
        if self.queued_at is None:
            return 0.0
        return max(0.0, (end - self.queued_at).total_seconds())

    @property
    def talk_s(self) -> float | None:
        """From answered to ended; ``None`` for a call not answered or not over."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0.0, (self.ended_at - self.answered_at).total_seconds())

    @property
    def abandoned_short(self) -> bool:
        """Abandoned after waiting less than :data:`SHORT_ABANDON_S`: not held against the centre."""
        wait = self.wait_s
        return self.abandoned and wait is not None and wait < SHORT_ABANDON_S

    @property
    def answered_in_time(self) -> bool:
        wait = self.wait_s
        return self.answered and wait is not None and wait <= SERVICE_LEVEL_S


def contradiction(known: Iterable[Event], new: Event, *, known_seats: frozenset[str] | None = None) -> str | None:
    """Why ``new`` cannot belong to a call that already has the ``known`` events, or ``None``.

    A call is over at its ``ended`` event: nothing may follow it in the PBX's order (a higher
    ``seq``) or in time, and a call ends once. ``known_seats``, when given, are the seat codes
    the platform knows: an answer or transfer by another seat is refused."""
    known = list(known)
    ended = next((e for e in known if e.type is EventType.ended), None)
    seat_needed = new.type in (EventType.answered, EventType.transferred) and known_seats is not None
    if seat_needed and (not new.seat or new.seat not in (known_seats or ())):
        return f"unknown seat {new.seat!r}" if new.seat else "seat missing"
    if ended is not None:
        if new.type is EventType.ended:
            return "the call has already ended"
        if new.seq > ended.seq or new.at > ended.at:
            return f"{new.type.value} after the call ended"
    elif new.type is EventType.ended:
        later = [e for e in known if e.seq > new.seq or e.at > new.at]
        if later:
            return f"the call has events after this end (seq {later[0].seq})"
    return None


def fold(events: Iterable[Event], *, ivr_queues: Mapping[str, str] | None = None,
         closed_at: dt.datetime | None = None) -> Facts:
    """The facts of a call from its events (at least one), in ``seq`` order.

    ``ivr_queues`` maps IVR digits to a queue name: a call that chose them and was never
    reported queued is counted in that queue (key 1 → the enterprise line). ``closed_at`` is
    when the platform closed the call for want of an ``ended`` (reason ``timeout``)."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered:
        raise ValueError("a call needs at least one event")
    first_of: dict[EventType, Event] = {}
    for event in ordered:
        first_of.setdefault(event.type, event)
    offered, queued, answered, ended = (first_of.get(t) for t in (EventType.offered, EventType.queued,
                                                                   EventType.answered, EventType.ended))
    digits = next((e.digits for e in reversed(ordered) if e.type is EventType.ivr and e.digits), None)
    queue = queued.queue if queued is not None else None
    if queue is None and digits is not None and ivr_queues:
        queue = ivr_queues.get(digits)
    transfers = [e for e in ordered if e.type is EventType.transferred]
    ended_at, reason = (ended.at, ended.reason) if ended is not None else (closed_at, EndReason.timeout
                                                                            if closed_at else None)
    return Facts(
        state=EventType.ended.value if ended_at is not None else ordered[-1].type.value,
        offered_at=offered.at if offered is not None else min(e.at for e in ordered),
        queued_at=queued.at if queued is not None else None,
        answered_at=answered.at if answered is not None else None,
        ended_at=ended_at,
        end_reason=reason,
        caller=next((e.caller for e in ordered if e.caller), None),
        called=next((e.called for e in ordered if e.called), None),
        ivr_digits=digits,
        queue=queue,
        seat=answered.seat if answered is not None else None,
        transfers=len(transfers),
        three_way=sum(1 for e in transfers if e.mode is TransferMode.three_way),
        recording_url=ended.recording_url if ended is not None else None,
        last_seq=ordered[-1].seq,
        last_event_at=max(e.at for e in ordered),
    )


# --- agents' states on seats ----------------------------------------------------------------

#: The states an agent may choose on the console, from each state (the PBX may set any state).
CONSOLE_MOVES: dict[str, frozenset[str]] = {
    "ready": frozenset({"break", "logged_out"}),
    "break": frozenset({"ready", "logged_out"}),
    "wrap_up": frozenset({"ready", "break", "logged_out"}),
    "busy": frozenset(),  # a call in progress ends by the PBX's ``ended``
    "logged_out": frozenset(),  # logging in on a seat is its own step
}

#: What a call event does to the state of the seat it names (set by the PBX's events).
STATE_AFTER_EVENT: dict[EventType, str] = {
    EventType.answered: "busy",
    EventType.ended: "wrap_up",
}


def console_move_allowed(current: str, wanted: str) -> bool:
    return wanted in CONSOLE_MOVES.get(current, frozenset())
