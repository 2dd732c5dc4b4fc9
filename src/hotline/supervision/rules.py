"""Pure rules of supervision and evaluation (no I/O): which appeals go on the emergency and
stability ledger, and how a unit's counts become rates and a score."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from hotline.kit.clock import CST
from hotline.kit.errors import IllegalTransition
from hotline.kit.workcalendar import WorkCalendar, business_date
from hotline.supervision.models import (
    COUNTERS,
    ESCALATION_NAMES,
    NOTICE_STATUS_NAMES,
    EscalationKind,
    LedgerKind,
    MeetingKind,
    NoticeStatus,
)

#: Words that put an appeal on the daily emergency ledger (natural disasters, work safety).
EMERGENCY_TERMS = (
    "洪水", "洪涝", "内涝", "山洪", "山体滑坡", "滑坡", "泥石流", "塌方", "地震", "台风", "冰雹", "暴雨成灾",
    "火灾", "起火", "着火", "爆炸", "燃气泄漏", "煤气泄漏", "天然气泄漏", "气体泄漏", "危化品", "坍塌", "垮塌",
    "溃坝", "决堤", "矿难", "透水", "触电", "被困",
)
#: Words that mark a stability risk (collective action, threats to life).
STABILITY_TERMS = (
    "群体", "集体上访", "聚集", "围堵", "堵路", "拉横幅", "静坐", "讨薪", "跳楼", "自杀", "轻生", "极端",
    "报复社会", "闹事", "打砸",
)


def classify(title: str, content: str) -> tuple[LedgerKind, str] | None:
    """The emergency or stability ledger an appeal belongs on, with the matched term."""
    text = f"{title} {content}"
    for kind, terms in ((LedgerKind.emergency, EMERGENCY_TERMS), (LedgerKind.stability, STABILITY_TERMS)):
        for term in terms:
            if term in text:
                return kind, term
    return None


#: Indicators of the evaluation, their Chinese names, and default weights (points of 100).
INDICATORS: dict[str, str] = {
    "sign_on_time_rate": "按时签收率",
    "on_time_close_rate": "按时办结率",
    "handling_rate": "办理率",
    "satisfaction_rate": "满意率",
    "resolution_rate": "解决率",
    "return_rate": "退单率",
    "rehandle_rate": "重办率",
    "knowledge_upkeep_rate": "知识库维护率",
}
DEFAULT_WEIGHTS: dict[str, float] = {
    "sign_on_time_rate": 10, "on_time_close_rate": 25, "handling_rate": 15, "satisfaction_rate": 30,
    "resolution_rate": 10, "return_rate": 5, "rehandle_rate": 5, "knowledge_upkeep_rate": 5,
}
#: Each rate as (the counters summed above the line, the counter below it): the figures a
#: ranking shows and the orders a figure drills down to.
RATE_PARTS: dict[str, tuple[tuple[str, ...], str]] = {
    "sign_on_time_rate": (("signed_on_time",), "signed"),
    "on_time_close_rate": (("closed_on_time",), "closed"),
    "handling_rate": (("replied",), "assigned"),
    "satisfaction_rate": (("satisfied", "basically_satisfied"), "rated"),
    "resolution_rate": (("resolved",), "replied"),
    "return_rate": (("returned",), "assigned"),
    "rehandle_rate": (("rehandled",), "closed"),
    # policy documents whose items were published within 7 working days / whose deadline fell in the period
    "knowledge_upkeep_rate": (("kb_on_time",), "kb_due"),
}
#: Rates counted over policy documents, not orders: they drill down to the knowledge base.
DOCUMENT_RATES = frozenset({"knowledge_upkeep_rate"})
#: Rates where lower is better: they count towards the score as (1 - rate).
LOWER_IS_BETTER = frozenset({"return_rate", "rehandle_rate"})
#: Points taken off the score for each unjustified return (无理退单), at most UNJUSTIFIED_CAP.
UNJUSTIFIED_PENALTY = 2.0
UNJUSTIFIED_CAP = 20.0


def _ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator <= 0 else min(1.0, numerator / denominator)


@dataclass(frozen=True)
class Evaluation:
    counts: Mapping[str, int]
    rates: Mapping[str, float | None]
    score: float | None


def evaluate(counts: Mapping[str, int], weights: Mapping[str, float] | None = None) -> Evaluation:
    """Rates from summed daily counts, and a weighted score out of 100.

    satisfaction = (satisfied + basically satisfied) / rated; resolution = resolved / replied;
    handling = replied / assigned; on-time close = closed on time / closed; sign-for on time =
    signed on time / signed; return = returned / assigned; re-handling = re-handled / closed;
    knowledge upkeep = policy documents with items published within 7 working days / documents due.
    A rate without a denominator is None and drops out of the score (its weight with it)."""
    c = {k: int(counts.get(k, 0)) for k in counts}
    get = c.get
    rates: dict[str, float | None] = {
        key: _ratio(sum(get(n, 0) for n in numerator), get(denominator, 0))
        for key, (numerator, denominator) in RATE_PARTS.items()
    }
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    total = points = 0.0
    for key, rate in rates.items():
        weight = max(0.0, float(w.get(key, 0)))
        if rate is None or weight == 0:
            continue
        total += weight
        points += weight * ((1 - rate) if key in LOWER_IS_BETTER else rate)
    score = None
    if total > 0:
        penalty = min(UNJUSTIFIED_CAP, UNJUSTIFIED_PENALTY * get("unjustified_returns", 0))
        score = round(max(0.0, 100 * points / total - penalty), 2)
    return Evaluation(counts=c, rates=rates, score=score)


@dataclass(frozen=True)
class Period:
    """An evaluation period: a month (``2026-11``) or a quarter (``2026-Q4``); ``until`` is
    the first day after it."""

    key: str
    label: str
    since: dt.date
    until: dt.date


_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


def period(key: str) -> Period:
    """The period a key names; ``ValueError`` for anything else."""
    key = key.strip().upper()
    if m := _MONTH.fullmatch(key):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise ValueError(key)
        start = dt.date(year, month, 1)
        end = dt.date(year + month // 12, month % 12 + 1, 1)
        return Period(f"{year}-{month:02d}", f"{year}年{month}月", start, end)
    if m := _QUARTER.fullmatch(key):
        year, quarter = int(m[1]), int(m[2])
        if not 2000 <= year <= 2100:
            raise ValueError(key)
        start = dt.date(year, 3 * quarter - 2, 1)
        end = dt.date(year + quarter // 4, (3 * quarter) % 12 + 1, 1)
        return Period(f"{year}-Q{quarter}", f"{year}年第{quarter}季度", start, end)
    raise ValueError(key)


def month_of(day: dt.date) -> Period:
    return period(f"{day.year}-{day.month:02d}")


# --- escalated supervision -------------------------------------------------------------------


def opened_before(calendar: WorkCalendar, now: dt.datetime, working_days: int) -> dt.datetime:
    """Orders registered before this instant have been open longer than ``working_days``
    working days: their deadline of that many working days (the day of intake not counted)
    has passed. It is the start of the day that many working days before today."""
    day = business_date(now)
    counted = 0
    while counted < working_days:
        day -= dt.timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return dt.datetime.combine(day, dt.time(), tzinfo=CST)


def escalation_reason(kind: EscalationKind, threshold: int, window_days: int | None, found: int) -> str:
    """Why an order was escalated, in the words of the ledger."""
    name = ESCALATION_NAMES[kind]
    if kind == EscalationKind.many_to_one:
        return f"{name}：同一地点同类诉求 {window_days} 天内 {found} 件（阈值 {threshold}）"
    if kind == EscalationKind.one_to_many:
        return f"{name}：同一诉求人 {window_days} 天内 {found} 件（阈值 {threshold}）"
    if kind == EscalationKind.long_open:
        return f"{name}：超过 {threshold} 个工作日仍未办结"
    return f"{name}：已重办 {found} 次（超过 {threshold} 次）"


def check_rule(kind: EscalationKind, threshold: int, window_days: int | None) -> None:
    """``ValueError`` (with the field) for a rule that cannot work."""
    lowest = 0 if kind == EscalationKind.rehandled else 1  # re-handled more than 0 times: at all
    if not lowest <= threshold <= 10_000:
        raise ValueError("threshold", f"阈值应在 {lowest} 到 10000 之间")
    counting = kind in (EscalationKind.many_to_one, EscalationKind.one_to_many)
    if counting and (window_days is None or not 1 <= window_days <= 366):
        raise ValueError("window_days", "统计窗口应为 1 到 366 天")
    if not counting and window_days is not None:
        raise ValueError("window_days", "该规则不使用统计窗口")


# --- supervision letters -------------------------------------------------------------------

#: What a letter template may say, filled from the order: never the citizen's personal data.
LETTER_FIELDS: dict[str, str] = {
    "number": "工单编号", "title": "诉求标题", "unit": "承办单位", "registered": "受理时间", "due": "办理期限",
    "state": "工单状态", "reason": "督办事由", "reply_by": "回复期限", "centre": "发文单位", "today": "发文日期",
}


def template_fields(body: str) -> set[str]:
    """The ``{placeholders}`` a template uses; ``ValueError`` for one that is not allowed or
    for braces that do not form one."""
    import string

    try:
        names = {name for _, name, _, _ in string.Formatter().parse(body) if name is not None}
    except ValueError:
        raise ValueError("模板中的花括号不成对") from None
    unknown = sorted(names - LETTER_FIELDS.keys())
    if unknown:
        raise ValueError("模板中有不能填写的字段：" + "、".join(unknown))
    return names


def fill(body: str, facts: Mapping[str, str]) -> str:
    """The template with the order's facts filled in (every allowed field is provided)."""
    template_fields(body)
    return body.format(**{name: facts.get(name, "") for name in LETTER_FIELDS})


# --- meetings and public notices -------------------------------------------------------------

#: The fewest units an admonition talk (the unit admonished) and a joint meeting take.
MEETING_MIN_UNITS = {MeetingKind.admonition: 1, MeetingKind.joint_meeting: 2}
MEETING_MAX_UNITS = 50
MEETING_MAX_ORDERS = 200
NOTICE_MAX_ITEMS = 200

#: A public notice's life: a draft is edited and published; a published one can be withdrawn.
NOTICE_TRANSITIONS: dict[tuple[NoticeStatus, str], NoticeStatus] = {
    (NoticeStatus.draft, "publish"): NoticeStatus.published,
    (NoticeStatus.published, "withdraw"): NoticeStatus.withdrawn,
}


def notice_step(status: NoticeStatus, action: str) -> NoticeStatus:
    try:
        return NOTICE_TRANSITIONS[status, action]
    except KeyError:
        raise IllegalTransition(f"{NOTICE_STATUS_NAMES[status]}的通报不能{NOTICE_ACTIONS.get(action, action)}",
                                status=status.value) from None


NOTICE_ACTIONS = {"publish": "发布", "withdraw": "撤回"}

#: What each day counter counts, as a drill-down page names it.
COUNTER_NAMES: dict[str, str] = {
    "assigned": "派单", "signed": "签收", "signed_on_time": "按时签收", "replied": "答复",
    "replied_on_time": "按时答复", "resolved": "已解决", "partly_resolved": "部分解决", "not_resolved": "未解决",
    "closed": "办结", "closed_on_time": "按时办结", "rated": "回访评价", "satisfied": "满意",
    "basically_satisfied": "基本满意", "dissatisfied": "不满意", "returned": "退单", "unjustified_returns": "无理退单",
    "reply_rejected": "答复被退回", "rehandled": "重办", "overdue": "超期",
    "kb_due": "到期政策文件", "kb_on_time": "按时发布知识点",
}
assert set(COUNTER_NAMES) == set(COUNTERS)
