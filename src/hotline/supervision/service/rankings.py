"""Evaluation and ranking of units over a period, and the drill-down: the orders behind a figure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.config import get_settings
from hotline.kit import clock, excel
from hotline.kit.errors import InvalidInput, NotFound
from hotline.org.models import Unit
from hotline.supervision import repository, rules
from hotline.supervision.service._common import _in_region
from hotline.workorder.lifecycle import STATUS_NAMES


def evaluation(session: Session, since: dt.date, until: dt.date,
               weights: dict[str, float] | None = None,
               unit_ids: list[int] | None = None) -> list[tuple[int, rules.Evaluation]]:
    """Every unit with activity in the period, best score first (from the day counters)."""
    totals = repository.unit_totals(session, since, until, unit_ids)
    evaluated = [(unit_id, rules.evaluate(counts, weights)) for unit_id, counts in totals.items()]
    return sorted(evaluated, key=lambda item: (-(item[1].score if item[1].score is not None else -1), item[0]))


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit_id: int
    unit_name: str
    region_name: str
    score: float | None
    rates: dict[str, float | None]
    counts: dict[str, int]


@dataclass(frozen=True)
class Ranking:
    period: rules.Period
    rows: list[RankRow]
    #: Units with activity but fewer than ``min_orders`` orders in the period: not ranked.
    unranked: tuple[RankRow, ...] = ()
    min_orders: int = 0


def parse_period(key: str | None) -> rules.Period:
    """The named period, or this month; ``InvalidInput`` naming ``period`` otherwise."""
    if not key:
        return rules.month_of(clock.now().astimezone(clock.CST).date())
    try:
        return rules.period(key)
    except ValueError:
        raise InvalidInput("period", "考核周期应为 2026-11（月）或 2026-Q4（季度）") from None


def ranking(session: Session, period: rules.Period, *, region_prefix: str | None = None) -> Ranking:
    """The good/bad ranking (好差评榜单) of handling units for a period, best first, within a
    region (its prefix) or the whole province. Read from the day counters the projector keeps,
    never by scanning orders. Unit-level figures only: nothing personal.

    Only a unit with at least ``ranking_min_orders`` orders dispatched to it in the period (and
    a score) is ranked: a rate over two orders says little, and a unit with none would score
    full marks on what remains. The others are listed apart (``unranked``, by region and name)."""
    settings = get_settings()
    evaluated = evaluation(session, period.since, period.until, settings.evaluation_weights or None)
    units = repository.units_by_ids(session, [unit_id for unit_id, _ in evaluated])
    rows: list[RankRow] = []
    unranked: list[RankRow] = []
    for unit_id, result in evaluated:
        unit = units.get(unit_id)
        if unit is None or (region_prefix and not unit.region.code.startswith(region_prefix)):
            continue
        ranked = result.score is not None and result.counts.get("assigned", 0) >= settings.ranking_min_orders
        row = RankRow(rank=len(rows) + 1 if ranked else 0, unit_id=unit_id, unit_name=unit.name,
                      region_name=unit.region.name, score=result.score, rates=dict(result.rates),
                      counts=dict(result.counts))
        (rows if ranked else unranked).append(row)
    unranked.sort(key=lambda row: (units[row.unit_id].region.code, row.unit_name))
    return Ranking(period=period, rows=rows, unranked=tuple(unranked), min_orders=settings.ranking_min_orders)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def ranking_xlsx(r: Ranking) -> tuple[bytes, str]:
    """The ranked units by rank, then the units with too few orders, marked 不参与排名 in the
    rank column (their figures kept, as on the page)."""
    names = list(rules.INDICATORS.values())
    apart = f"不参与排名（工单不足 {r.min_orders} 件）"
    data = excel.write("好差评榜单", ["名次", "单位", "区划", "综合得分", *names, "受理派单", "无理退单"], [
        (row.rank if ranked else apart, row.unit_name, row.region_name, row.score if ranked else None,
         *[_percent(row.rates[k]) for k in rules.INDICATORS],
         row.counts.get("assigned", 0), row.counts.get("unjustified_returns", 0))
        for ranked, rows in ((True, r.rows), (False, r.unranked)) for row in rows])
    return data, quote(f"好差评榜单-{r.period.key}.xlsx")


@dataclass(frozen=True)
class BehindRow:
    number: str
    title: str
    status: str
    registered_at: dt.datetime
    counted: list[str]  # the counters this order counted in for the unit in the period


@dataclass(frozen=True)
class Behind:
    unit: Unit
    period: rules.Period
    label: str
    rows: list[BehindRow]
    total: int  # orders
    counted: int  # counts (an order replied twice counts twice)


def orders_behind(session: Session, actor: Principal, *, unit_id: int, period: rules.Period,
                  figure: str | None = None, part: str = "base", counter: str | None = None, limit: int = 50,
                  offset: int = 0) -> Behind:
    """The orders behind one figure of a unit's evaluation, for staff: for a rate
    (``figure``), the orders of its denominator (``part=base``), of its numerator (``hit``) or
    of the denominator but not the numerator (``miss``, e.g. the orders signed late); or the
    orders of one counter (``counter``). Read from the facts the projector keeps with every
    count, so the list matches the figure. Only orders in the caller's scope are listed."""
    access.require(actor, Cap.view_orders)
    unit = session.get(Unit, unit_id)
    if unit is None or not _in_region(actor, unit):
        raise NotFound(f"单位 {unit_id} 不存在")
    excluding: tuple[str, ...] = ()
    if counter is not None:
        if counter not in rules.COUNTER_NAMES or counter in ("kb_due", "kb_on_time"):
            raise InvalidInput("counter", "没有这项统计")
        counters: tuple[str, ...] = (counter,)
        label = rules.COUNTER_NAMES[counter]
    elif figure in rules.DOCUMENT_RATES:
        raise InvalidInput("figure", "知识库维护率按政策文件统计，请在知识库的政策文件页查看")
    elif figure in rules.RATE_PARTS:
        numerator, denominator = rules.RATE_PARTS[figure]
        name = rules.INDICATORS[figure]
        if part == "hit":
            counters, label = numerator, f"{name}：计入（{'、'.join(rules.COUNTER_NAMES[n] for n in numerator)}）"
        elif part == "miss":
            counters, excluding = (denominator,), numerator
            label = f"{name}：{rules.COUNTER_NAMES[denominator]}但未计入"
        elif part == "base":
            counters, label = (denominator,), f"{name}：{rules.COUNTER_NAMES[denominator]}（分母）"
        else:
            raise InvalidInput("part", "应为 base、hit 或 miss")
    else:
        raise InvalidInput("figure", "请指定考核指标或统计项")
    found, total, counted = repository.orders_behind(
        session, lambda stmt: access.order_scope(actor, stmt), unit_id=unit.id, counters=counters,
        excluding=excluding, since=period.since, until=period.until, limit=limit, offset=offset)
    marks = repository.counters_of(session, unit.id, [o.id for o in found], period.since, period.until)
    rows = [BehindRow(number=o.number, title=o.title, status=STATUS_NAMES[o.status], registered_at=o.registered_at,
                      counted=[rules.COUNTER_NAMES[c] for c in dict.fromkeys(marks.get(o.id, []))]) for o in found]
    return Behind(unit=unit, period=period, label=label, rows=rows, total=total, counted=counted)
