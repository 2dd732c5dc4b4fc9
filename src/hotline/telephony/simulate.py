"""A realistic stream of call events, as a centre's PBX would post them (docs/cti.md) — for
``hotline cti simulate``, the demo's live wallboard, the benchmark and the tests.

Pure: :func:`plan` turns a seeded random generator, a start instant and the seats into a
list of :class:`Planned` events, each with the instant it is due to be sent. Nothing here
does I/O; :mod:`hotline.telephony.cli` sends the plan in real time.

The calls follow a small ACD model. Calls arrive at ``rate`` per second; each caller hears
the voice menu (about 15 % press 1 for the enterprise line, the rest 2 or nothing), joins
the queue of their choice and is answered by the seat of that queue's skill group that frees
up first (a seat takes one call at a time and has a wrap-up after each) — or hangs up:
some within five seconds (not held against the centre), some after a long wait. A few
answered calls are transferred, blindly or as a three-way call, to an expert seat (whose
specialist answers it in turn), a unit's number or another city's hotline. Every answered
call ends with a recording link.
Durations are real ones divided by ``speed`` (a three-minute talk lasts 18 s at speed 10),
so that a wallboard watching the stream moves. The sending mimics a real link: events go
in small batches, now and then one is held back and sent late (out of order) or sent twice."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The number citizens dial.
HOTLINE = "12345"
#: Queue names as the simulated PBX sends them (the enterprise one is the IVR "1" default).
QUEUES = {"general": "general", "enterprise": "enterprise"}
#: Mobile prefixes the made-up callers' numbers start with (all valid Chinese mobile ranges).
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "157", "158", "159", "176", "177", "180", "181", "182", "186", "187", "188", "189", "199")
#: Other cities' hotlines a three-way call may bring in (area code + 12345).
OTHER_HOTLINES = ("028-12345", "0831-12345", "0830-12345", "0832-12345", "023-12345")
#: Unit numbers (departments' duty phones) a call may be passed to.
UNIT_NUMBERS = ("0830-2512001", "0830-2518110", "0830-2263456")


@dataclass(frozen=True)
class Profile:
    """The mix of a day's calls (shares are of all calls unless said otherwise); durations in
    real seconds (before ``speed``)."""

    enterprise: float = 0.15  # press 1 for the enterprise line
    no_choice: float = 0.10  # press nothing (general queue)
    repeat: float = 0.20  # a caller who already called (in this stream or one of ``known_callers``)
    short_abandon: float = 0.05  # hang up within 5 s of queueing
    long_abandon: float = 0.07  # hang up after a long wait
    failed: float = 0.01  # the line drops before the menu
    transfer: float = 0.08  # of the answered calls
    three_way: float = 0.40  # of the transfers
    ivr_s: tuple[float, float] = (4.0, 15.0)
    ring_s: tuple[float, float] = (2.0, 12.0)  # the least wait before an answer
    talk_s: tuple[float, float] = (60.0, 360.0)
    wrap_up_s: tuple[float, float] = (10.0, 40.0)
    long_wait_s: tuple[float, float] = (20.0, 90.0)
    resend: float = 0.03  # an event sent twice
    late: float = 0.03  # an event held back and sent after later ones


@dataclass(frozen=True)
class Seats:
    """The seat codes of each skill group the simulated PBX routes to."""

    general: Sequence[str]
    enterprise: Sequence[str] = ()
    expert: Sequence[str] = ()

    @classmethod
    def of(cls, codes: Iterable[str], kinds: dict[str, str] | None = None) -> Seats:
        """Seats from codes; their kind from ``kinds`` (code → kind) or the code's first letter
        (``E…`` enterprise, ``X…`` expert, the rest general)."""
        groups: dict[str, list[str]] = {"general": [], "enterprise": [], "expert": []}
        for code in codes:
            kind = (kinds or {}).get(code) or {"E": "enterprise", "X": "expert"}.get(code[:1].upper(), "general")
            groups.setdefault(kind, []).append(code)
        if not groups["general"]:
            groups["general"], groups["enterprise"] = groups["enterprise"], []
        if not groups["general"]:
            raise ValueError("at least one general or enterprise seat is needed")
        return cls(tuple(groups["general"]), tuple(groups["enterprise"]), tuple(groups["expert"]))


@dataclass(frozen=True, order=True)
class Planned:
    """An event and when it is due to be sent (``send_at``); a resend or a late event is
    due after its ``at``."""

    send_at: dt.datetime
    order: int
    event: dict[str, Any] = field(compare=False)


@dataclass
class Summary:
    """What the plan holds, for the command's JSON summary."""

    calls: int = 0
    events: int = 0
    answered: int = 0
    abandoned: int = 0
    abandoned_short: int = 0
    failed: int = 0
    enterprise: int = 0
    transfers: int = 0
    three_way: int = 0
    repeat_callers: int = 0
    resends: int = 0
    late: int = 0

    def as_json(self) -> dict[str, int]:
        return dict(self.__dict__)


def mobile(rng: random.Random) -> str:
    """A made-up mobile number (valid range, random subscriber part)."""
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _iso(at: dt.datetime) -> str:
    return at.isoformat(timespec="milliseconds")


@dataclass
class _Recorder:
    """Appends a call's events, numbering them (``seq``) in the PBX's order."""

    call_id: str
    events: list[dict[str, Any]]

    def __call__(self, type_: str, at: dt.datetime, **data: Any) -> None:
        self.events.append({"call_id": self.call_id, "seq": len(self.events) + 1, "type": type_, "at": _iso(at),
                            **data})


@dataclass
class _Pool:
    free_at: dict[str, dt.datetime]

    def earliest(self) -> tuple[str, dt.datetime]:
        code = min(self.free_at, key=lambda c: (self.free_at[c], c))
        return code, self.free_at[code]


def plan(calls: int, rate: float, *, start: dt.datetime, seats: Seats, seed: int | None = None,
         speed: float = 10.0, prefix: str = "sim", known_callers: Sequence[str] = (),
         profile: Profile | None = None) -> tuple[list[Planned], Summary]:
    """The events of ``calls`` calls arriving at ``rate`` per second from ``start`` (an
    aware instant), sorted by when they are due. Call ids are ``{prefix}-{n}``."""
    if calls < 0 or rate <= 0 or speed <= 0:
        raise ValueError("calls ≥ 0, rate > 0 and speed > 0")
    if start.tzinfo is None:
        raise ValueError("start must be aware")
    p = profile or Profile()
    rng = random.Random(seed)  # noqa: S311 (a simulation, not a secret)
    pools = {kind: _Pool({code: start for code in codes})
             for kind, codes in (("general", seats.general), ("enterprise", seats.enterprise)) if codes}
    callers: list[str] = list(known_callers)
    summary = Summary()
    out: list[Planned] = []
    order = 0

    def span(bounds: tuple[float, float]) -> dt.timedelta:
        return dt.timedelta(seconds=rng.uniform(*bounds) / speed)

    arrival = start
    for n in range(calls):
        arrival += dt.timedelta(seconds=rng.expovariate(rate)) if n else dt.timedelta(0)
        call_id = f"{prefix}-{n + 1:06d}"
        if callers and rng.random() < p.repeat:
            caller = rng.choice(callers)
            summary.repeat_callers += 1
        else:
            caller = mobile(rng)
            callers.append(caller)
        events: list[dict[str, Any]] = []
        add = _Recorder(call_id, events)

        t = arrival
        add("offered", t, caller=caller, called=HOTLINE)
        roll = rng.random()
        if roll < p.failed:
            add("ended", t + span((1.0, 4.0)), reason="failed")
            summary.failed += 1
            _emit(rng, p, events, out, summary, order)
            order += len(events) * 2
            summary.calls += 1
            continue
        t += span(p.ivr_s)
        choice = rng.random()
        enterprise = choice < p.enterprise and "enterprise" in pools
        if enterprise:
            add("ivr", t, digits="1")
            summary.enterprise += 1
        elif choice < p.enterprise + (1 - p.enterprise) * (1 - p.no_choice):
            add("ivr", t, digits="2")
        kind = "enterprise" if enterprise else "general"
        t += dt.timedelta(seconds=0.2 / speed)
        add("queued", t, queue=QUEUES[kind])
        queued_at = t
        outcome = rng.random()
        pool = pools[kind]
        seat, free_at = pool.earliest()
        answer_at = max(queued_at + span(p.ring_s), free_at)
        if outcome < p.short_abandon:
            add("ended", queued_at + dt.timedelta(seconds=rng.uniform(0.5, 4.5) / speed), reason="abandoned")
            summary.abandoned += 1
            summary.abandoned_short += 1
        elif outcome < p.short_abandon + p.long_abandon or answer_at - queued_at > dt.timedelta(
                seconds=p.long_wait_s[1] * 2 / speed):
            add("ended", queued_at + span(p.long_wait_s), reason="abandoned")
            summary.abandoned += 1
        else:
            add("answered", answer_at, seat=seat)
            summary.answered += 1
            end = answer_at + span(p.talk_s)
            free_at = end + span(p.wrap_up_s)
            if rng.random() < p.transfer:
                three_way = rng.random() < p.three_way
                target_roll = rng.random()
                if seats.expert and target_roll < 0.5:
                    to = rng.choice(list(seats.expert))
                elif target_roll < 0.75 or not three_way:
                    to = rng.choice(UNIT_NUMBERS)
                else:
                    to = rng.choice(OTHER_HOTLINES)
                at = answer_at + (end - answer_at) * rng.uniform(0.3, 0.7)
                add("transferred", at, seat=seat, to=to, mode="three_way" if three_way else "blind")
                if to in seats.expert:  # the specialist picks up on the expert seat: their screen pops
                    add("answered", min(at + span((2.0, 8.0)), end), seat=to)
                summary.transfers += 1
                summary.three_way += three_way
                if not three_way:  # a blind transfer frees the seat at once
                    free_at = at + span(p.wrap_up_s)
            add("ended", end, reason="completed",
                recording_url=f"https://pbx.example.cn/recordings/{call_id}.wav")
            pool.free_at[seat] = free_at
        _emit(rng, p, events, out, summary, order)
        order += len(events) * 2
        summary.calls += 1
    out.sort()
    summary.events = len(out) - summary.resends
    return out, summary


def _emit(rng: random.Random, p: Profile, events: list[dict[str, Any]], out: list[Planned], summary: Summary,
          order: int) -> None:
    """Plan a call's events for sending at their instants; now and then one twice (a resend
    a moment later) or held back behind the call's next event (late: out of order)."""
    for i, event in enumerate(events):
        at = dt.datetime.fromisoformat(event["at"])
        send_at = at
        if i + 1 < len(events) and rng.random() < p.late:
            send_at = dt.datetime.fromisoformat(events[i + 1]["at"]) + dt.timedelta(milliseconds=300)
            summary.late += 1
        out.append(Planned(send_at, order + i * 2, event))
        if rng.random() < p.resend:
            out.append(Planned(send_at + dt.timedelta(seconds=1.5), order + i * 2 + 1, dict(event)))
            summary.resends += 1


def batches(planned: Sequence[Planned], *, window: dt.timedelta = dt.timedelta(milliseconds=500),
            size: int = 20) -> list[tuple[dt.datetime, list[dict[str, Any]]]]:
    """Group the plan into the batches a PBX link would post: the events due within
    ``window`` of a batch's first one, at most ``size`` per batch; each batch is due when
    its last event is."""
    out: list[tuple[dt.datetime, list[dict[str, Any]]]] = []
    current: list[Planned] = []
    for item in planned:
        if current and (len(current) >= size or item.send_at - current[0].send_at > window):
            out.append((current[-1].send_at, [c.event for c in current]))
            current = []
        current.append(item)
    if current:
        out.append((current[-1].send_at, [c.event for c in current]))
    return out
