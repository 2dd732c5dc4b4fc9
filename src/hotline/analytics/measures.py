"""What the statistics count, defined once: every measure as a condition on a work order, and
the dimensions a table can be broken down by. The cube (``facts.py``), the order-level queries
and the drill-down all read these conditions, so a cell and the list behind it cannot differ.

Every figure counts the orders **registered** in the period, as they stand now (a cohort): the
orders received in November, how many of them are handled, on time, satisfied…"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, true
from sqlalchemy.sql.elements import ColumnElement

from hotline.workorder.lifecycle import Status
from hotline.workorder.models import Verdict, WorkOrder

W = WorkOrder


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    kind: str  # "count" | "rate" | "avg"
    unit: str = "件"
    #: a rate: (numerator count, denominator count); an average: (sum column, count column)
    parts: tuple[str, str] | None = None
    help: str = ""


#: The conditions of the counted measures (one column of the cube each).
CONDITIONS: dict[str, ColumnElement[bool]] = {
    "received": true(),
    # 即时答复: a consultation answered during the call, closed at intake, never dispatched
    "answered_on_spot": and_(W.dispatched_at.is_(None), W.answer.is_not(None), W.merged_into_id.is_(None),
                             W.closed_at == W.registered_at),
    "dispatched": W.dispatched_at.is_not(None),
    "handled": W.status == Status.closed,
    "on_time": and_(W.status == Status.closed, W.overdue_at.is_(None)),
    "overdue": W.overdue_at.is_not(None),
    "returned": W.return_count > 0,
    "rehandled": W.rehandle_count > 0,
    "rated": W.final_verdict.is_not(None),
    "satisfied": W.final_verdict.in_([Verdict.satisfied, Verdict.basically_satisfied]),
    "merged": W.merged_into_id.is_not(None),
    "enterprise": W.is_enterprise.is_(True),
    # the orders whose time to dispatch is known (the denominator of the average)
    "dispatch_timed": W.dispatch_seconds.is_not(None),
}
#: Counted measures, in the cube's column order.
COUNTS = tuple(CONDITIONS)
#: Sums kept beside the counts: the seconds from registration to dispatch.
SUMS = ("dispatch_seconds",)

MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("received", "受理量", "count", help="期内登记的全部工单"),
    Measure("answered_on_spot", "即时答复", "count", help="受理时直接答复办结、未派单的工单"),
    Measure("dispatched", "派单量", "count", help="已派给承办单位的工单"),
    Measure("handled", "办结量", "count", help="状态为已办结的工单"),
    Measure("handling_rate", "办结率", "rate", "%", ("handled", "received"), "办结量 / 受理量"),
    Measure("on_time", "按期办结", "count", help="办结且从未超期的工单"),
    Measure("on_time_rate", "按期办结率", "rate", "%", ("on_time", "handled"), "按期办结 / 办结量"),
    Measure("overdue", "超期", "count", help="曾超过办理期限的工单"),
    Measure("returned", "退单", "count", help="被承办单位退回过的工单"),
    Measure("rehandled", "重办", "count", help="回访不满意后退回重办过的工单"),
    Measure("rated", "回访评价", "count", help="已回访并取得评价的工单"),
    Measure("satisfied", "满意（含基本满意）", "count", help="最终评价为满意或基本满意"),
    Measure("satisfaction_rate", "满意率", "rate", "%", ("satisfied", "rated"), "满意（含基本满意） / 回访评价"),
    Measure("dispatch_minutes", "平均派单时长", "avg", "分钟", ("dispatch_seconds", "dispatch_timed"),
            "从登记到派单的平均分钟数"),
    Measure("merged", "并案", "count", help="作为重复诉求并入主工单的工单"),
    Measure("enterprise", "市场主体诉求", "count", help="企业或个体工商户提出的诉求"),
)}
#: The supervision ledgers the orders of a period entered (not in the cube: read from the ledger
#: with the orders' scope); a figure drills down to the orders on that ledger.
LEDGER_MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("ledger_overdue", "超期台账", "ledger", help="期内受理、进入超期工单台账的工单"),
    Measure("ledger_buck_passing", "推诿扯皮台账", "ledger", help="期内受理、因多次退单进入推诿扯皮台账的工单"),
    Measure("ledger_perfunctory", "敷衍应付台账", "ledger", help="期内受理、答复被退回进入敷衍应付台账的工单"),
    Measure("ledger_dissatisfied_twice", "两次不满意台账", "ledger", help="期内受理、两次回访不满意的工单"),
)}
#: Every measure a drill-down may name.
ALL_MEASURES: dict[str, Measure] = {**MEASURES, **LEDGER_MEASURES}
DEFAULT_MEASURES = ("received", "handled", "handling_rate", "on_time_rate", "satisfaction_rate", "overdue")

#: The dimensions a table breaks down by, with the cube's one-letter code.
DIMENSIONS: dict[str, str] = {
    "appeal_type": "诉求类型",
    "category": "诉求分类",
    "region": "区域",
    "channel": "渠道",
    "lead_unit": "承办单位",
    "enterprise": "诉求主体",
    "urgency": "紧急程度",
}
DIM_CODES = {"appeal_type": "t", "category": "k", "region": "r", "channel": "c", "lead_unit": "u", "urgency": "g"}
#: The work-order column each dimension groups by (enterprise is a column of every cube row).
DIM_COLUMNS: dict[str, Any] = {
    "appeal_type": W.appeal_type, "category": W.category_id, "region": W.region_id, "channel": W.channel_id,
    "lead_unit": W.lead_unit_id, "urgency": W.urgency, "enterprise": W.is_enterprise,
}
#: Dimensions with a tree, read at a level (1 = top).
TREE_DIMENSIONS = frozenset({"category", "region"})
ENTERPRISE_LABELS = {"1": "市场主体（企业、个体工商户）", "0": "群众个人"}


def count_columns() -> list[Any]:
    """``SUM(CASE WHEN condition THEN 1 ELSE 0 END)`` for every count, then the sums."""
    cols: list[Any] = [func.sum(case((cond, 1), else_=0)).label(key) for key, cond in CONDITIONS.items()]
    cols.append(func.sum(func.coalesce(W.dispatch_seconds, 0.0)).label("dispatch_seconds"))
    return cols


def derive(counts: dict[str, float]) -> dict[str, int | float | None]:
    """Every measure from the counts and sums of one cell: counts as they are, rates as 0…1
    (None without a denominator), averages in the measure's unit."""
    out: dict[str, int | float | None] = {}
    for key, m in MEASURES.items():
        if m.kind == "count":
            out[key] = int(counts.get(key, 0) or 0)
        elif m.kind == "rate":
            num, den = m.parts  # type: ignore[misc]
            d = counts.get(den, 0) or 0
            out[key] = None if d <= 0 else (counts.get(num, 0) or 0) / d
        else:
            total, n = m.parts  # type: ignore[misc]
            d = counts.get(n, 0) or 0
            out[key] = None if d <= 0 else round((counts.get(total, 0) or 0) / d / 60, 1)
    return out


def ledger_condition(measure: str) -> ColumnElement[bool]:
    """The orders on the ledger a ledger measure names."""
    from sqlalchemy import select

    from hotline.supervision.models import LedgerEntry, LedgerKind

    kind = LedgerKind(measure.removeprefix("ledger_"))
    return W.id.in_(select(LedgerEntry.work_order_id).where(LedgerEntry.kind == kind))


def base_count(measure: str) -> str:
    """The counted measure a figure drills down to: a count itself, a rate its numerator, an
    average the orders it averages over."""
    m = MEASURES.get(measure)
    if m is None:
        raise KeyError(measure)
    if m.kind == "count":
        return m.key
    assert m.parts is not None
    return m.parts[0] if m.kind == "rate" else m.parts[1]
