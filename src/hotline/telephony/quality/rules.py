"""Pure rules of quality inspection: the inspection's transition table, the reproducible
sample draw, score validation, wrap-up time inside a period, registration accuracy and the
month's bounds. No I/O."""

from __future__ import annotations

import datetime as dt
import enum
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hotline.kit.clock import CST
from hotline.kit.errors import IllegalTransition, InvalidInput


class Status(enum.StrEnum):
    """Where an inspection (质检单) stands."""

    pending = "pending"  # 待质检：drawn or picked, not yet scored
    scored = "scored"  # 已评分：the agent sees score and feedback and may appeal once
    appealed = "appealed"  # 申诉中
    appeal_upheld = "appeal_upheld"  # 申诉成立：score adjusted
    appeal_rejected = "appeal_rejected"  # 申诉驳回：score kept


class Action(enum.StrEnum):
    score = "score"
    appeal = "appeal"
    uphold = "uphold"
    reject = "reject"


STATUS_NAMES = {Status.pending: "待质检", Status.scored: "已评分", Status.appealed: "申诉中",
                Status.appeal_upheld: "申诉成立", Status.appeal_rejected: "申诉驳回"}

#: Every legal move; anything else (a second score, a second appeal, deciding twice) is a 409.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.pending, Action.score): Status.scored,
    (Status.scored, Action.appeal): Status.appealed,
    (Status.appealed, Action.uphold): Status.appeal_upheld,
    (Status.appealed, Action.reject): Status.appeal_rejected,
}

#: Inspections whose score counts in the monthly figures (final or open to appeal).
SCORED = frozenset({Status.scored, Status.appealed, Status.appeal_upheld, Status.appeal_rejected})


def apply(status: Status, action: Action) -> Status:
    try:
        return TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(f"质检单当前状态为“{STATUS_NAMES[status]}”，不能执行此操作",
                                status=status.value, action=action.value) from None


class Kind(enum.StrEnum):
    """What an inspection looks at."""

    call = "call"  # 通话：the recording, times, seat (and the order it produced)
    order = "order"  # 工单：the registration (and the call it came from)


KIND_NAMES = {Kind.call: "通话", Kind.order: "工单"}


# --- the checklist ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    code: str
    name: str
    max_points: float


CODE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def validate_items(items: Sequence[Mapping[str, object]]) -> list[Item]:
    """A checklist's items in order: 1–30 items, each with a code (lower-case letters, digits,
    ``_``; unique), a name (1–50 characters) and max points (0 < points ≤ 100)."""
    if not items:
        raise InvalidInput("items", "质检项不能为空")
    if len(items) > 30:
        raise InvalidInput("items", "质检项最多 30 项")
    out: list[Item] = []
    seen: set[str] = set()
    for i, raw in enumerate(items):
        code = str(raw.get("code") or "").strip()
        name = str(raw.get("name") or "").strip()
        points = raw.get("max_points")
        if not code or len(code) > 32 or not set(code) <= CODE_CHARS:
            raise InvalidInput(f"items[{i}].code", "编码只能由小写字母、数字和下划线组成（1–32 位）")
        if code in seen:
            raise InvalidInput(f"items[{i}].code", f"编码 {code} 重复")
        if not name or len(name) > 50 or any(ord(c) < 32 for c in name):
            raise InvalidInput(f"items[{i}].name", "名称须为 1–50 个字符")
        if isinstance(points, bool) or not isinstance(points, int | float) or not math.isfinite(points) \
                or not 0 < points <= 100:
            raise InvalidInput(f"items[{i}].max_points", "分值须大于 0 且不超过 100")
        seen.add(code)
        out.append(Item(code, name, float(points)))
    return out


def validate_scores(items: Sequence[Item], scores: Mapping[str, object]) -> dict[str, float]:
    """Points for every item of the checklist: each between 0 and the item's max; an unknown
    item or a missing one is refused (422, naming it)."""
    known = {i.code: i for i in items}
    for code in scores:
        if code not in known:
            raise InvalidInput(f"scores.{code}"[:80], "质检项不存在")
    out: dict[str, float] = {}
    for item in items:
        value = scores.get(item.code)
        if value is None:
            raise InvalidInput(f"scores.{item.code}", f"请为“{item.name}”评分")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput(f"scores.{item.code}", "分数须为数字")
        if not 0 <= value <= item.max_points:
            raise InvalidInput(f"scores.{item.code}", f"“{item.name}”的分数须在 0 到 {item.max_points:g} 之间")
        out[item.code] = float(value)
    return out


# --- sampling ---------------------------------------------------------------------------------

def sample_size(available: int, share: float) -> int:
    """How many of an agent's ``available`` pieces of work a share draws: ``ceil(share × n)``,
    so an agent with any work in the period gets at least one inspection."""
    if available <= 0:
        return 0
    return min(available, math.ceil(share * available - 1e-9))


def draw(ids: Iterable[int], share: float, *, seed: int, key: str) -> list[int]:
    """A reproducible random sample of ``ids``: the same ids, share, seed and key (the agent
    and the kind of work) always give the same picks, whatever order the ids came in."""
    pool = sorted(set(ids))
    picked = random.Random(f"{seed}:{key}").sample(pool, sample_size(len(pool), share))  # noqa: S311 (reproducible on purpose)
    return sorted(picked)


def validate_share(share: float) -> float:
    if not math.isfinite(share) or not 0 < share <= 1:
        raise InvalidInput("share", "抽检比例须大于 0 且不超过 1（如 0.05 表示 5%）")
    return share


# --- periods and figures ----------------------------------------------------------------------

def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` → the month's first instant and the next month's, in China time."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        start = dt.datetime(year, mon, 1, tzinfo=CST)
    except (ValueError, TypeError):
        raise InvalidInput("month", "月份格式应为 YYYY-MM") from None
    end = dt.datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=CST)
    return start, end


def month_of(at: dt.datetime) -> str:
    return at.astimezone(CST).strftime("%Y-%m")


def validate_period(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if start.tzinfo is None:
        raise InvalidInput("from", "时间须带时区")
    if end.tzinfo is None:
        raise InvalidInput("to", "时间须带时区")
    if end <= start:
        raise InvalidInput("to", "结束时间须晚于开始时间")
    if end - start > dt.timedelta(days=366):
        raise InvalidInput("to", "统计区间不能超过一年")
    return start, end


def overlap_seconds(started: dt.datetime, ended: dt.datetime | None, start: dt.datetime, end: dt.datetime,
                    now: dt.datetime) -> float:
    """Seconds of a state spell inside ``[start, end)``; an open spell runs until ``now``."""
    stop = min(ended or now, end)
    begin = max(started, start)
    return max(0.0, (stop - begin).total_seconds())


def accuracy(registered: int, inaccurate: int) -> float | None:
    """Registration accuracy (登记准确率): the share of the agent's orders that were neither
    re-categorised by the centre nor returned for a wrong intake; None without orders."""
    if registered <= 0:
        return None
    return round((registered - inaccurate) / registered, 4)


def percent(score: float, max_score: float) -> float | None:
    """An inspection's score on a 100-point scale (checklists may differ in their maxima)."""
    return round(score * 100 / max_score, 2) if max_score > 0 else None
