"""Pure definitions of the call figures (no I/O). Every figure is built from additive sums
(:class:`Sums`), so the hourly rollup and the raw calls add up to the same answer.

Definitions (the industry's, as issue 20 states them; see docs/call-statistics.md):

- a call counts in the period in which it was **offered** (reached the PBX), ``[from, to)``;
- **wait** runs from ``queued`` to ``answered`` (to ``ended`` for an abandoned call), 0 for a
  call that never queued (an IVR-only call); **talk** from ``answered`` to ``ended``;
- **answered**: a seat took it; **abandoned**: it ended unanswered (whatever reason the PBX
  gave); **abandoned short**: abandoned after waiting less than 5 s — not held against the
  centre;
- **answer rate** = answered / (offered − abandoned short);
- **answered within 15 s** = answered calls that waited at most 15 s; the **service level** =
  answered within 15 s / (offered − abandoned short), on the answer rate's base;
- **average wait** and **average talk**: over answered calls (talk over those already ended);
- **average wrap-up**: over the wrap-up spells (话后整理) that ended in the period; **AHT**
  (average handling time) = average talk + average wrap-up;
- **repeat call**: a call whose caller (same number) had called the same centre in the 24 hours
  before it; **ordered**: a call that produced at least one work order.
Rates are 0–1 floats, ``None`` when their base is 0; averages are ``None`` with nothing to
average."""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from hotline.kit.clock import CST
from hotline.telephony.lifecycle import SERVICE_LEVEL_S, SHORT_ABANDON_S

#: A caller who called the same centre within this time before is a repeat caller.
REPEAT_WINDOW = dt.timedelta(hours=24)
HOUR = dt.timedelta(hours=1)
#: A call is answered within this long of being offered (the PBX's timeout closes it much
#: sooner): the calls answered in a period were offered at most this long before it.
MAX_RING = dt.timedelta(days=1)


@dataclass(slots=True)
class Sums:
    """The additive parts of the figures (one row of the hourly rollup, or any sum of them)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    abandoned_short: int = 0
    answered_15s: int = 0
    wait_sum: float = 0.0
    talked: int = 0
    talk_sum: float = 0.0
    transfers: int = 0
    three_way: int = 0
    enterprise: int = 0
    ordered: int = 0
    repeat: int = 0
    order_links: int = 0  # the work orders linked to the answered calls (agents' figures, per seat)
    wrap_spells: int = 0
    wrap_sum: float = 0.0

    def add(self, other: Sums) -> None:  # spelt out: called for every rollup row of a month
        self.offered += other.offered
        self.answered += other.answered
        self.abandoned += other.abandoned
        self.abandoned_short += other.abandoned_short
        self.answered_15s += other.answered_15s
        self.wait_sum += other.wait_sum
        self.talked += other.talked
        self.talk_sum += other.talk_sum
        self.transfers += other.transfers
        self.three_way += other.three_way
        self.enterprise += other.enterprise
        self.ordered += other.ordered
        self.repeat += other.repeat
        self.order_links += other.order_links
        self.wrap_spells += other.wrap_spells
        self.wrap_sum += other.wrap_sum


#: The sums kept per call (the columns of the hourly call rollup), and per wrap-up spell.
SUM_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Sums) if not f.name.startswith("wrap"))
WRAP_FIELDS = ("wrap_spells", "wrap_sum")


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What one call contributes: its stored facts (``hotline.telephony.lifecycle.fold``) and
    the two that depend on other rows (an order from it, an earlier call of its caller)."""

    answered: bool
    ended: bool
    wait_s: float | None
    talk_s: float | None
    transfers: int
    three_way: int
    enterprise: bool
    ordered: bool
    repeat: bool
    order_links: int = 0  # how many work orders the call is linked to


def add_call(sums: Sums, call: CallFacts) -> None:
    """Add one call to ``sums`` with the definitions above."""
    sums.offered += 1
    wait = call.wait_s
    if call.answered:
        sums.answered += 1
        sums.wait_sum += wait or 0.0
        if wait is not None and wait <= SERVICE_LEVEL_S:
            sums.answered_15s += 1
        if call.talk_s is not None:
            sums.talked += 1
            sums.talk_sum += call.talk_s
        sums.order_links += call.order_links
    elif call.ended:
        sums.abandoned += 1
        if wait is not None and wait < SHORT_ABANDON_S:
            sums.abandoned_short += 1
    sums.transfers += call.transfers
    sums.three_way += call.three_way
    sums.enterprise += int(call.enterprise)
    sums.ordered += int(call.ordered)
    sums.repeat += int(call.repeat)


def add_wrap_up(sums: Sums, seconds: float) -> None:
    sums.wrap_spells += 1
    sums.wrap_sum += max(0.0, seconds)


def _ratio(part: float, whole: float, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def figures(s: Sums, *, wrap_known: bool = True) -> dict[str, Any]:
    """The public figures of some sums (the stats endpoint's fields). ``wrap_known`` False
    (figures of a queue: a wrap-up spell belongs to a seat, not to a queue) leaves the wrap-up
    and AHT empty."""
    base = s.offered - s.abandoned_short
    avg_talk = _ratio(s.talk_sum, s.talked, 1)
    avg_wrap = _ratio(s.wrap_sum, s.wrap_spells, 1) if wrap_known else None
    return {
        "offered": s.offered,
        "answered": s.answered,
        "abandoned": s.abandoned,
        "abandoned_short": s.abandoned_short,
        "answer_rate": _ratio(s.answered, base),
        "answered_within_15s": s.answered_15s,
        "service_level": _ratio(s.answered_15s, base),
        "avg_wait_s": _ratio(s.wait_sum, s.answered, 1),
        "avg_talk_s": avg_talk,
        "avg_wrap_up_s": avg_wrap,
        "aht_s": round(avg_talk + avg_wrap, 1) if avg_talk is not None and avg_wrap is not None else None,
        "transfers": s.transfers,
        "three_way": s.three_way,
        "enterprise": s.enterprise,
        "ordered": s.ordered,
        "repeat_calls": s.repeat,
    }


# --- periods ----------------------------------------------------------------------------------

class Grouping(enum.StrEnum):
    """How the figures are broken down besides the queues."""

    hour = "hour"
    day = "day"
    month = "month"
    queue = "queue"
    seat = "seat"
    agent = "agent"
    operator = "operator"  # the outsourced operator staffing the seat


GROUPING_NAMES = {Grouping.hour: "按小时", Grouping.day: "按日", Grouping.month: "按月", Grouping.queue: "按队列",
                  Grouping.seat: "按坐席", Grouping.agent: "按话务员", Grouping.operator: "按外包运营商"}
PERIODS = frozenset({Grouping.hour, Grouping.day, Grouping.month})


def floor_hour(at: dt.datetime) -> dt.datetime:
    at = at.astimezone(dt.UTC)
    return at.replace(minute=0, second=0, microsecond=0)


def ceil_hour(at: dt.datetime) -> dt.datetime:
    floor = floor_hour(at)
    return floor if floor == at else floor + HOUR


def whole_hours(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The whole hours inside ``[start, end)``: ``[first, last)``, empty when ``first >= last``."""
    return ceil_hour(start), floor_hour(end)


@functools.lru_cache(maxsize=20_000)
def period_label(hour: dt.datetime, grouping: Grouping) -> str:
    """The China-time label of the period an hour falls in (CST is UTC+8: whole hours)."""
    local = hour.astimezone(CST)
    if grouping is Grouping.hour:
        return local.strftime("%Y-%m-%d %H:00")
    if grouping is Grouping.day:
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m")


def hour_ranges(hours: Iterable[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Hours merged into contiguous ``[start, end)`` ranges, in order."""
    ranges: list[tuple[dt.datetime, dt.datetime]] = []
    for hour in sorted(set(hours)):
        if ranges and ranges[-1][1] == hour:
            ranges[-1] = (ranges[-1][0], hour + HOUR)
        else:
            ranges.append((hour, hour + HOUR))
    return ranges
