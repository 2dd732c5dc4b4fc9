"""Pure rules of linkage (联动): kinds of line, scopes, outcomes and their transitions, the
check of a line's number, and the statistics' percentiles. No I/O."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence

from hotline.kit.errors import IllegalTransition


class LineKind(enum.StrEnum):
    emergency = "emergency"  # 110 / 119 / 120 / 122
    utility = "utility"  # water, power, gas, heating, telecom service lines


class Emergency(enum.StrEnum):
    police = "police"  # 110
    fire = "fire"  # 119
    ambulance = "ambulance"  # 120
    traffic = "traffic"  # 122


EMERGENCY_NAMES = {Emergency.police: "公安报警", Emergency.fire: "消防救援", Emergency.ambulance: "医疗急救",
                   Emergency.traffic: "交通事故报警"}
#: The national numbers of the emergency lines (a line's own number may differ, e.g. a local 122).
EMERGENCY_NUMBERS = {Emergency.police: "110", Emergency.fire: "119", Emergency.ambulance: "120",
                     Emergency.traffic: "122"}
UTILITY_SERVICES = ("water", "power", "gas", "heating", "telecom")
KIND_NAMES = {LineKind.emergency: "应急联动", LineKind.utility: "公共事业"}


class Scope(enum.StrEnum):
    full = "full"  # 整体移交: the line takes the whole appeal; the order leaves the hotline's clock
    partial = "partial"  # 部分移交: 12345 keeps its part; the order stays on the clock


SCOPE_NAMES = {Scope.full: "整体移交", Scope.partial: "部分移交（热线保留部分诉求）"}


class CallMode(enum.StrEnum):
    none = "none"  # no call: the agent phoned or messaged the line separately
    three_way = "three_way"  # 三方通话: the caller, the agent and the line
    blind = "blind"  # 转接: the caller passed on to the line


CALL_MODE_NAMES = {CallMode.none: "未通过来电转接", CallMode.three_way: "三方通话", CallMode.blind: "直接转接"}


class Outcome(enum.StrEnum):
    handed_over = "handed_over"  # 已移交，待对方确认
    accepted = "accepted"  # 对方已受理
    refused = "refused"  # 对方拒收（非其职责）
    completed = "completed"  # 对方已处置完毕


OUTCOME_NAMES = {Outcome.handed_over: "已移交待确认", Outcome.accepted: "对方已受理", Outcome.refused: "对方拒收",
                 Outcome.completed: "对方已处置完毕"}

#: Outcome changes allowed (a record's outcome moves forward; refused and completed are final).
OUTCOME_TRANSITIONS: frozenset[tuple[Outcome, Outcome]] = frozenset({
    (Outcome.handed_over, Outcome.accepted),
    (Outcome.handed_over, Outcome.refused),
    (Outcome.handed_over, Outcome.completed),
    (Outcome.accepted, Outcome.completed),
    (Outcome.accepted, Outcome.refused),
})


def next_outcome(current: Outcome, wanted: Outcome) -> Outcome:
    """``wanted`` if a record in ``current`` may move there, else :class:`IllegalTransition`."""
    if (current, wanted) not in OUTCOME_TRANSITIONS:
        raise IllegalTransition(f"联动结果为“{OUTCOME_NAMES[current]}”时不能改为“{OUTCOME_NAMES[wanted]}”",
                                status=current.value, action=wanted.value)
    return wanted


#: What a full hand-over's order does when the outcome becomes …: back to the hotline to be
#: dispatched again (refused), or closed with the line (completed).
ORDER_FOLLOWS = {Outcome.refused: "take_back", Outcome.completed: "close"}

_SERVICE_NUMBER = re.compile(r"\d{3,5}")
_REF = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/.]{0,49}")


def is_service_number(number: str) -> bool:
    """A short service number (110, 95598, 12315); any other number is checked as a Chinese
    telephone number (landline with area code, mobile)."""
    return bool(_SERVICE_NUMBER.fullmatch(number))


def ref_problem(ref: str) -> str | None:
    """The other side's reference number (接警单号、工单号): letters, digits, ``-_/.``, ≤ 50."""
    if not _REF.fullmatch(ref):
        return "对方单号由字母、数字和 -_/. 组成，不超过 50 个字符"
    return None


def service_problem(kind: LineKind, service: str) -> str | None:
    allowed = [e.value for e in Emergency] if kind == LineKind.emergency else list(UTILITY_SERVICES)
    if service not in allowed:
        return f"线路业务应为 {' / '.join(allowed)} 之一"
    return None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0–1) of ``values`` by the nearest-rank method; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]
