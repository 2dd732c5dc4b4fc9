"""API shapes of telephony: the call-event batch a PBX posts (docs/cti.md) and the answer.

A batch is read and checked here, by hand rather than through pydantic models: a PBX posts
hundreds of events per request, and a refusal must name the item (its index in the array)
and the field. Checking is all-or-nothing: the first bad item makes the whole batch a 422
and nothing is written. The pydantic models below only describe the shapes for OpenAPI."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from hotline.kit import validate
from hotline.kit.errors import InvalidInput
from hotline.telephony.lifecycle import EndReason, Event, EventType, TransferMode

#: Events per request at most: a PBX with more to send posts several batches.
MAX_BATCH = 1000
#: The largest ``seq`` (a 32-bit column).
MAX_SEQ = 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DIGITS = re.compile(r"^[0-9*#]{1,50}$")
_TYPES = {t.value: t for t in EventType}
_REASONS = {r.value: r for r in EndReason}
_MODES = {m.value: m for m in TransferMode}
#: Every field an event may carry, with its longest length for strings.
_LENGTHS = {"call_id": 100, "called": 50, "queue": 100, "seat": 50, "to": 100, "recording_url": 500}
FIELDS = frozenset({"call_id", "seq", "type", "at", "caller", "called", "digits", "queue", "seat", "to", "mode",
                    "reason", "recording_url"})
#: The fields each type of event must carry (besides call_id, seq, type and at).
REQUIRED: dict[EventType, tuple[str, ...]] = {
    EventType.offered: ("caller",),
    EventType.ivr: ("digits",),
    EventType.queued: ("queue",),
    EventType.answered: ("seat",),
    EventType.transferred: ("seat", "to", "mode"),
    EventType.ended: ("reason",),
}


@dataclass(frozen=True, slots=True)
class Incoming:
    """One checked event of a batch: its place in the array, the PBX's call id, the event
    (the caller's number in national digits)."""

    index: int
    call_id: str
    event: Event


def _bad(index: int, name: str, reason: str) -> InvalidInput:
    return InvalidInput(f"{index}.{name}", reason, index=index)


def _text(item: dict[str, Any], index: int, name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(index, name, "必须是字符串")
    value = value.strip()
    if not value:
        return None
    if len(value) > _LENGTHS.get(name, 100):
        raise _bad(index, name, f"长度不能超过 {_LENGTHS.get(name, 100)} 个字符")
    if _CONTROL.search(value):
        raise _bad(index, name, "不能包含控制字符")
    return value


def _instant(value: Any, index: int) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise _bad(index, "at", "必须是 ISO-8601 时间字符串（带时区）")
    try:
        at = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _bad(index, "at", "不是有效的 ISO-8601 时间") from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise _bad(index, "at", "时间必须带时区（如 +08:00 或 Z）")
    try:
        return at.astimezone(dt.UTC)
    except OverflowError:
        raise _bad(index, "at", "时间超出范围") from None


def _event(item: Any, index: int) -> Incoming:
    if not isinstance(item, dict):
        raise _bad(index, "item", "每个事件必须是 JSON 对象")
    unknown = item.keys() - FIELDS
    if unknown:
        raise _bad(index, sorted(unknown)[0][:50], "不是呼叫事件的字段")
    call_id = _text(item, index, "call_id")
    if call_id is None:
        raise _bad(index, "call_id", "必填")
    seq = item.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise _bad(index, "seq", "必填，且必须是整数")
    if not 0 <= seq <= MAX_SEQ:
        raise _bad(index, "seq", f"必须在 0 到 {MAX_SEQ} 之间")
    raw_type = item.get("type")
    kind = _TYPES.get(raw_type) if isinstance(raw_type, str) else None
    if kind is None:
        raise _bad(index, "type", "必填，取值 " + "|".join(_TYPES))
    if "at" not in item or item["at"] is None:
        raise _bad(index, "at", "必填")
    at = _instant(item["at"], index)
    values: dict[str, Any] = {}
    for name in ("called", "queue", "seat", "to", "recording_url"):
        values[name] = _text(item, index, name)
    raw_caller = _text(item, index, "caller") if "caller" in item else None
    try:
        values["caller"] = validate.phone(raw_caller) if raw_caller is not None else None
    except InvalidInput as exc:
        raise _bad(index, "caller", exc.reason) from None
    digits = item.get("digits")
    if digits is not None and (not isinstance(digits, str) or not _DIGITS.match(digits)):
        raise _bad(index, "digits", "必须是 1–50 位按键（0–9、*、#）")
    values["digits"] = digits or None
    for name, choices in (("mode", _MODES), ("reason", _REASONS)):
        raw = item.get(name)
        if raw is None:
            values[name] = None
            continue
        choice = choices.get(raw) if isinstance(raw, str) else None
        if choice is None:
            raise _bad(index, name, "取值 " + "|".join(choices))
        values[name] = choice
    url = values["recording_url"]
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise _bad(index, "recording_url", "必须是 http:// 或 https:// 地址")
    for name in REQUIRED[kind]:
        if values[name] is None:
            raise _bad(index, name, f"{kind.value} 事件必须有此字段")
    return Incoming(index, call_id, Event(seq=seq, type=kind, at=at, **values))


def parse_batch(body: Any) -> list[Incoming]:
    """The batch's events, checked; the first fault refuses the whole batch (422 naming the
    item's index and field)."""
    if not isinstance(body, list):
        raise InvalidInput("body", "请求体必须是呼叫事件的 JSON 数组")
    if len(body) > MAX_BATCH:
        raise InvalidInput("body", f"一次最多提交 {MAX_BATCH} 个事件（本次 {len(body)} 个），请分批提交")
    return [_event(item, index) for index, item in enumerate(body)]


# --- OpenAPI shapes -----------------------------------------------------------------------------


class CallEventIn(BaseModel):
    """One call event (docs/cti.md). Per type: ``offered`` needs ``caller``; ``ivr`` needs
    ``digits``; ``queued`` needs ``queue``; ``answered`` needs ``seat``; ``transferred`` needs
    ``seat``, ``to`` and ``mode``; ``ended`` needs ``reason`` (``recording_url`` optional)."""

    call_id: str = Field(max_length=100)
    seq: int = Field(ge=0, le=MAX_SEQ)
    type: Literal["offered", "ivr", "queued", "answered", "transferred", "ended"]
    at: str = Field(description="ISO-8601 with a UTC offset, e.g. 2026-12-06T09:30:00+08:00")
    caller: str | None = None
    called: str | None = Field(default=None, max_length=50)
    digits: str | None = Field(default=None, max_length=50)
    queue: str | None = Field(default=None, max_length=100)
    seat: str | None = Field(default=None, max_length=50)
    to: str | None = Field(default=None, max_length=100)
    mode: Literal["blind", "three_way"] | None = None
    reason: Literal["completed", "abandoned", "timeout", "failed"] | None = None
    recording_url: str | None = Field(default=None, max_length=500)


class RejectedEventOut(BaseModel):
    index: int
    call_id: str
    seq: int
    reason: str


class CallEventsOut(BaseModel):
    """``accepted + duplicates + len(rejected)`` is the number of events posted."""

    accepted: int
    duplicates: int
    rejected: list[RejectedEventOut]
