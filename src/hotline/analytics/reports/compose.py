"""What a report says: its tables, chart series and the generated text of each section, read
from :func:`hotline.analytics.service.statistics` (one source of truth with the workbench) —
except the lists that are not counts (ledger entries, typical cases, the orders behind a
hotspot or a warning).

The result is plain JSON (:class:`Content` as a dict), stored on the draft: the page previews
it, staff edit a section's ``text`` (the ``generated`` text stays beside it), and the document
builder renders it. See docs/reports.md for each kind's outline."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics.measures import DIMENSIONS, MEASURES
from hotline.analytics.periods import Period, custom, period
from hotline.analytics.reports import repository
from hotline.analytics.reports.formats import change, difference, pct, pp_words, trend_words
from hotline.analytics.service import Scope, StatQuery, StatRow, StatTable, ledger_counts, statistics, trend
from hotline.kit import clock
from hotline.kit.redact import mask_personal_text
from hotline.org.models import Region, RegionLevel
from hotline.supervision.models import LEDGER_NAMES, LedgerEntry, LedgerKind
from hotline.workorder.models import WorkOrder

#: The measures of the table of main indicators (表1), in order.
MAIN_MEASURES = ("received", "dispatched", "handled", "handling_rate", "on_time_rate", "overdue", "returned",
                 "rehandled", "satisfaction_rate")
#: The columns of a breakdown table (by category, region, …).
BREAKDOWN = ("received", "handled", "handling_rate", "on_time_rate", "satisfaction_rate")
#: A category or region "rises notably" when it has at least this many orders and grew by this much.
RISE_MIN_ORDERS = 10
RISE_MIN_CHANGE = 0.2
TOP_ROWS = 15
CHINESE_NUMBERS = "一二三四五六七八九十"
#: The region level one below each level (the breakdown of a region's report is by its children).
CHILD_LEVEL = {RegionLevel.province: 2, RegionLevel.city: 3, RegionLevel.county: 4, RegionLevel.township: 4}


@dataclass
class Content:
    title: str
    subtitle: str
    sections: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)

    def table(self, title: str, headers: Sequence[str], rows: list[list[Any]]) -> int:
        self.tables.append({"title": title, "headers": list(headers), "rows": rows})
        return len(self.tables) - 1

    def chart(self, title: str, kind: str, labels: Sequence[str], values: Sequence[float | int | None],
              unit: str = "件") -> int | None:
        if not labels or not any(v for v in values):
            return None
        self.charts.append({"title": title, "kind": kind, "labels": list(labels),
                            "values": [0 if v is None else v for v in values], "unit": unit})
        return len(self.charts) - 1

    def section(self, key: str, heading: str, text: str, *, tables: Iterable[int | None] = (),
                charts: Iterable[int | None] = ()) -> None:
        number = CHINESE_NUMBERS[len(self.sections)] if len(self.sections) < len(CHINESE_NUMBERS) else \
            str(len(self.sections) + 1)
        self.sections.append({"key": key, "heading": f"{number}、{heading}", "generated": text, "text": None,
                              "tables": [t for t in tables if t is not None],
                              "charts": [c for c in charts if c is not None]})

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "subtitle": self.subtitle, "sections": self.sections, "tables": self.tables,
                "charts": self.charts}


# --- reading the figures -------------------------------------------------------------------------


def region_level(region: Region) -> int:
    return CHILD_LEVEL[RegionLevel(region.level)]


def stats(session: Session, region: Region, p: Period, *, dimension: str | None = None, level: int | None = None,
          enterprise: bool | None = None, compare: bool = True) -> StatTable:
    """The one call every count of a report goes through (besides :func:`trend` and
    :func:`ledger_counts` of the same service)."""
    return statistics(session, Scope.region(session, region.code),
                      StatQuery(p, dimension=dimension, level=level, enterprise=enterprise, compare=compare))


def _v(values: dict[str, Any] | None, key: str) -> Any:
    return (values or {}).get(key)


def _received(r: StatRow) -> int:
    return int(_v(r.values, "received") or 0)


def main_table(total: StatRow, measures: Sequence[str] = MAIN_MEASURES) -> list[list[Any]]:
    """表 主要指标: each measure now, in the previous period and a year before, with the changes."""
    rows: list[list[Any]] = []
    for key in measures:
        m = MEASURES[key]
        fmt = "rate" if m.kind == "rate" else ("avg" if m.kind == "avg" else "count")
        now, before, year = _v(total.values, key), _v(total.previous, key), _v(total.last_year, key)
        if m.kind == "rate":
            rows.append([m.label, [now, fmt], [before, fmt], [difference(now, before), "pp"], [year, fmt],
                         [difference(now, year), "pp"]])
        else:
            rows.append([m.label, [now, fmt], [before, fmt], [change(now, before), "change"], [year, fmt],
                         [change(now, year), "change"]])
    return rows


MAIN_HEADERS = ("指标", "本期", "上期", "环比", "去年同期", "同比")


def breakdown_table(table: StatTable, *, limit: int = TOP_ROWS) -> tuple[list[str], list[list[Any]]]:
    """表 by a dimension: received, share, 环比, handled, handling rate, on-time rate, satisfaction."""
    headers = [DIMENSIONS.get(table.query.dimension or "", "项目"), "受理量", "占比", "环比", "办结量", "办结率",
               "按期办结率", "满意率"]
    total = _v(table.total.values, "received") or 0
    rows: list[list[Any]] = []
    for r in table.rows[:limit]:
        received = _v(r.values, "received") or 0
        rows.append([r.label, [received, "count"], [received / total if total else None, "rate"],
                     [change(received, _v(r.previous, "received")), "change"], [_v(r.values, "handled"), "count"],
                     [_v(r.values, "handling_rate"), "rate"], [_v(r.values, "on_time_rate"), "rate"],
                     [_v(r.values, "satisfaction_rate"), "rate"]])
    return headers, rows


def overview_text(scope_name: str, label: str, total: StatRow, *, what: str = "诉求") -> str:
    v, prev, year = total.values, total.previous, total.last_year
    received = _v(v, "received") or 0
    parts = [f"{label}，{scope_name} 12345 热线共受理{what} {received:,} 件"]
    ring = trend_words(change(received, _v(prev, "received")), noun="环比")
    same = trend_words(change(received, _v(year, "received")), noun="同比")
    if ring or same:
        parts[-1] += "，" + "，".join(x for x in (ring, same) if x)
    parts.append(f"派单 {_v(v, 'dispatched') or 0:,} 件，办结 {_v(v, 'handled') or 0:,} 件，"
                 f"办结率 {pct(_v(v, 'handling_rate'))}")
    for key, name in (("on_time_rate", MEASURES["on_time_rate"].label), ("satisfaction_rate", "群众满意率")):
        moved = difference(_v(v, key), _v(prev, key))
        parts.append(f"{name} {pct(_v(v, key))}" + (f"（{pp_words(moved, noun='环比')}）" if moved is not None else ""))
    overdue, returned = _v(v, "overdue") or 0, _v(v, "returned") or 0
    parts.append(f"超期 {overdue:,} 件，退单 {returned:,} 件，重办 {_v(v, 'rehandled') or 0:,} 件")
    return "；".join(parts) + "。"


def rises(table: StatTable) -> list[tuple[StatRow, float]]:
    """Rows that grew notably against the previous period, the largest growth first."""
    found: list[tuple[StatRow, float]] = []
    for r in table.rows:
        received = _v(r.values, "received") or 0
        rel = change(received, _v(r.previous, "received"))
        if received >= RISE_MIN_ORDERS and rel is not None and rel >= RISE_MIN_CHANGE:
            found.append((r, rel))
    return sorted(found, key=lambda x: -x[1])[:3]


def breakdown_text(table: StatTable, *, noun: str) -> str:
    total = _v(table.total.values, "received") or 0
    if not table.rows or not total:
        return f"本期没有可按{noun}统计的诉求。"
    top = table.rows[:3]
    listed = "、".join(f"“{r.label}”{_received(r):,} 件（占 {pct(_received(r) / total)}）" for r in top)
    text = f"按{noun}看，受理量居前的是{listed}"
    share = sum(_v(r.values, "received") or 0 for r in top) / total
    text += f"，合计占全部诉求的 {pct(share)}。"
    up = rises(table)
    if up:
        text += "环比上升明显的有" + "、".join(f"“{r.label}”（{_received(r):,} 件，上升 {rel * 100:.1f}%）"
                                       for r, rel in up) + "，需重点关注。"
    rated = [r for r in table.rows
             if (_v(r.values, "rated") or 0) >= 5 and _v(r.values, "satisfaction_rate") is not None]
    overall = _v(table.total.values, "satisfaction_rate")
    if rated and overall is not None:
        low = min(rated, key=lambda r: _v(r.values, "satisfaction_rate"))
        if _v(low.values, "satisfaction_rate") < overall:
            text += f"满意率最低的是“{low.label}”（{pct(_v(low.values, 'satisfaction_rate'))}，总体 {pct(overall)}）。"
    return text


def suggestions_text(category: StatTable, units: StatTable) -> str:
    lines: list[str] = []
    up = rises(category)
    if up:
        lines.append("针对" + "、".join(f"“{r.label}”" for r, _ in up) + "等上升较快的诉求，建议相关部门分析成因，"
                     "开展专项治理，从源头减少同类诉求。")
    late = [r for r in units.rows if (_v(r.values, "handled") or 0) >= 5 and (_v(r.values, "on_time_rate") or 1) < 0.9]
    if late:
        lines.append("按期办结率低于 90% 的承办单位有" + "、".join(f"{r.label}（{pct(_v(r.values, 'on_time_rate'))}）"
                                                      for r in late[:5]) + "，建议加强督办，压实办理责任。")
    unhappy = [r for r in units.rows if (_v(r.values, "rated") or 0) >= 5
               and (_v(r.values, "satisfaction_rate") or 1) < 0.8]
    if unhappy:
        lines.append("满意率低于 80% 的承办单位有" + "、".join(f"{r.label}（{pct(_v(r.values, 'satisfaction_rate'))}）"
                                                    for r in unhappy[:5]) + "，建议对不满意工单逐件回访复核。")
    lines.append("持续做好诉求分析研判，对苗头性、倾向性问题及时形成信息专报。")
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def months_of(p: Period, count: int | None = None) -> list[Period]:
    """The months of ``p`` (a half year), or the ``count`` months ending with ``p``'s month."""
    if count is None:
        out, m = [], period("month", p.start)
        while m.start <= p.end:
            out.append(m)
            m = period("month", m.end + dt.timedelta(days=1))
        return out
    out = [period("month", p.start)]
    while len(out) < count:
        out.insert(0, out[0].previous())
    return out


def _region_name(region: Region) -> str:
    return region.name


# --- the kinds -----------------------------------------------------------------------------------


def analysis(session: Session, region: Region, p: Period, *, half: bool) -> dict[str, Any]:
    """The monthly (or half-yearly) analysis of a region."""
    name = _region_name(region)
    noun = "半年" if half else "月度"
    c = Content(title=f"{name} 12345 热线{p.label}诉求{noun}分析报告", subtitle=f"{name} · {p.label}")
    main = stats(session, region, p)
    t = c.table(f"{p.label}主要指标", MAIN_HEADERS, main_table(main.total))
    span = p if half else custom(months_of(p, 12)[0].start, p.end)
    series = trend(session, Scope.region(session, region.code), StatQuery(span, compare=False))
    trend_rows = [[m.label, [_v(s.values, "received"), "count"], [_v(s.values, "handled"), "count"],
                  [_v(s.values, "on_time_rate"), "rate"], [_v(s.values, "satisfaction_rate"), "rate"]]
                  for m, s in series]
    trend_t = c.table("各月受理及办理情况" if half else "近 12 个月受理及办理情况",
                      ("月份", "受理量", "办结量", "按期办结率", "满意率"), trend_rows)
    trend_c = c.chart("各月受理量" if half else "近 12 个月受理量", "line",
                      [f"{m.start.month}月" if half else f"{m.start:%y}.{m.start.month:02d}" for m, _ in series],
                      [_v(s.values, "received") or 0 for _, s in series])
    c.section("overview", "总体情况", overview_text(name, p.label, main.total), tables=[t, trend_t], charts=[trend_c])

    category = stats(session, region, p, dimension="category", level=1)
    headers, rows = breakdown_table(category)
    t = c.table("诉求分类情况", headers, rows)
    chart = c.chart("受理量前十位的诉求分类", "barh", [r.label for r in category.rows[:10]],
                    [_v(r.values, "received") or 0 for r in category.rows[:10]])
    c.section("categories", "诉求分类分析", breakdown_text(category, noun="诉求分类"), tables=[t], charts=[chart])

    places = stats(session, region, p, dimension="region", level=region_level(region))
    headers, rows = breakdown_table(places)
    t = c.table("各地区诉求情况", headers, rows)
    chart = c.chart("各地区受理量", "bar", [r.label for r in places.rows[:TOP_ROWS]],
                    [_v(r.values, "received") or 0 for r in places.rows[:TOP_ROWS]])
    c.section("regions", "区域分布", breakdown_text(places, noun="地区"), tables=[t], charts=[chart])

    kinds = stats(session, region, p, dimension="appeal_type")
    channels = stats(session, region, p, dimension="channel")
    headers, rows = breakdown_table(kinds)
    t1 = c.table("诉求类型情况", headers, rows)
    headers, rows = breakdown_table(channels)
    t2 = c.table("受理渠道情况", headers, rows)
    chart = c.chart("诉求类型构成", "pie", [r.label for r in kinds.rows[:8]],
                    [_v(r.values, "received") or 0 for r in kinds.rows[:8]])
    c.section("types", "诉求类型与渠道", breakdown_text(kinds, noun="诉求类型") + breakdown_text(channels, noun="渠道"),
              tables=[t1, t2], charts=[chart])

    enterprise = stats(session, region, p, enterprise=True)
    ev = enterprise.total.values
    c.section("enterprise", "市场主体诉求",
              f"受理市场主体（企业）诉求 {_v(ev, 'received') or 0:,} 件"
              + (f"，{trend_words(change(_v(ev, 'received'), _v(enterprise.total.previous, 'received')), noun='环比')}"
                 if change(_v(ev, 'received'), _v(enterprise.total.previous, 'received')) is not None else "")
              + f"；办结 {_v(ev, 'handled') or 0:,} 件，按期办结率 {pct(_v(ev, 'on_time_rate'))}，"
              f"满意率 {pct(_v(ev, 'satisfaction_rate'))}。")

    units = stats(session, region, p, dimension="lead_unit")
    rows = [[r.label, [_v(r.values, "received"), "count"], [_v(r.values, "handled"), "count"],
             [_v(r.values, "on_time_rate"), "rate"], [_v(r.values, "returned"), "count"],
             [_v(r.values, "overdue"), "count"], [_v(r.values, "satisfaction_rate"), "rate"]]
            for r in units.rows[:TOP_ROWS]]
    t = c.table("主要承办单位办理情况", ("承办单位", "派单量", "办结量", "按期办结率", "退单", "超期", "满意率"), rows)
    c.section("units", "承办单位办理情况", _units_text(units), tables=[t])
    c.section("suggestions", "工作建议", suggestions_text(category, units))
    return c.as_dict()


def _units_text(units: StatTable) -> str:
    if not units.rows:
        return "本期没有派往承办单位的工单。"
    top = units.rows[:3]
    text = "派单量居前的承办单位是" + "、".join(f"{r.label}（{_received(r):,} 件）" for r in top) + "。"
    overdue = sorted((r for r in units.rows if (_v(r.values, "overdue") or 0) > 0),
                     key=lambda r: -(_v(r.values, "overdue") or 0))[:3]
    if overdue:
        text += "超期工单较多的是" + "、".join(f"{r.label}（{_v(r.values, 'overdue'):,} 件）" for r in overdue) + "。"
    return text


def _bounds(p: Period) -> tuple[dt.datetime, dt.datetime]:
    since = dt.datetime.combine(p.start, dt.time(), tzinfo=clock.CST).astimezone(dt.UTC)
    until = dt.datetime.combine(p.end + dt.timedelta(days=1), dt.time(), tzinfo=clock.CST).astimezone(dt.UTC)
    return since, until


CAMPAIGN_LEDGERS = (LedgerKind.overdue, LedgerKind.buck_passing, LedgerKind.perfunctory)


def campaign(session: Session, region: Region, p: Period) -> dict[str, Any]:
    """The enterprise-appeal campaign report (市场主体诉求专项报告) over a chosen span."""
    name = _region_name(region)
    c = Content(title=f"{name} 12345 热线市场主体诉求办理情况专项报告", subtitle=f"{name} · {p.label}")
    main = stats(session, region, p, enterprise=True)
    measures = ("received", "handled", "handling_rate", "on_time", "on_time_rate", "overdue", "returned",
                "satisfaction_rate")
    t = c.table("市场主体诉求主要指标", MAIN_HEADERS, main_table(main.total, measures))
    c.section("overview", "总体情况", overview_text(name, p.label, main.total, what="市场主体（企业）诉求"), tables=[t])

    category = stats(session, region, p, dimension="category", level=1, enterprise=True)
    headers, rows = breakdown_table(category)
    t = c.table("市场主体诉求分类情况", headers, rows)
    chart = c.chart("市场主体诉求分类", "barh", [r.label for r in category.rows[:10]],
                    [_v(r.values, "received") or 0 for r in category.rows[:10]])
    c.section("categories", "诉求分类分析", breakdown_text(category, noun="诉求分类"), tables=[t], charts=[chart])

    places = stats(session, region, p, dimension="region", level=region_level(region), enterprise=True)
    headers, rows = breakdown_table(places)
    t = c.table("各地区市场主体诉求情况", headers, rows)
    chart = c.chart("各地区市场主体诉求受理量", "bar", [r.label for r in places.rows[:TOP_ROWS]],
                    [_v(r.values, "received") or 0 for r in places.rows[:TOP_ROWS]])
    c.section("regions", "区域分布", breakdown_text(places, noun="地区"), tables=[t], charts=[chart])

    since, until = _bounds(p)
    counts = ledger_counts(session, Scope.region(session, region.code), StatQuery(p, enterprise=True))
    rows = [[LEDGER_NAMES[k], [counts.get(k.value, 0), "count"]] for k in CAMPAIGN_LEDGERS]
    t = c.table("涉企问题台账", ("台账", "入账工单"), rows)
    c.section("ledgers", "超期、推诿扯皮、敷衍应付问题",
              "期间受理的涉企工单进入超期台账 {} 件、推诿扯皮台账 {} 件、敷衍应付台账 {} 件。".format(
                  *(counts.get(k.value, 0) for k in CAMPAIGN_LEDGERS))
              + ("对上述问题已纳入督办，将逐件跟踪整改。" if any(counts.values())
                 else "未发现涉企推诿扯皮、敷衍应付问题。"),
              tables=[t])

    cases = repository.typical_cases(session, region_prefix=_prefix(region), since=since, until=until,
                                     enterprise=True)
    c.section("cases", "典型案例", cases_text(cases))
    c.section("suggestions", "下一步工作",
              "1. 落实涉企诉求绿色通道，压缩办理时限，提高一次办结率。\n"
              "2. 对超期、推诿扯皮、敷衍应付问题逐件督办，纳入考核。\n"
              "3. 梳理企业反映集中的共性问题，推动政策完善和源头治理。")
    return c.as_dict()


def cases_text(cases: Sequence[WorkOrder]) -> str:
    """Typical cases as editable text: what was asked and how it was settled, with every
    name, phone and ID number masked (the report leaves the platform)."""
    if not cases:
        return "本期暂无典型案例（可由工作人员补充）。"
    out: list[str] = []
    for i, o in enumerate(cases, start=1):
        category = o.category.name if o.category else "未分类"
        unit = o.lead_unit.name if o.lead_unit else "热线中心"
        answer = mask_personal_text((o.answer or "已办结，群众满意。")[:200])
        out.append(f"案例{i}：{mask_personal_text(o.title)}（{category}，工单 {o.number}）。承办单位{unit}，{answer}")
    return "\n".join(out)


def _prefix(region: Region) -> str:
    from hotline.auth.roles import region_prefix

    return region_prefix(region.code)


def _orders_tables(c: Content, orders: Sequence[WorkOrder]) -> tuple[int, int, int | None]:
    by_category = Counter((o.category.name if o.category else "未分类") for o in orders)
    by_region = Counter((o.region.name if o.region else "未知") for o in orders)
    days = Counter(o.registered_at.astimezone(clock.CST).date() for o in orders)
    total = len(orders) or 1
    t1 = c.table("涉及诉求分类", ("诉求分类", "工单数", "占比"),
                 [[k, [n, "count"], [n / total, "rate"]] for k, n in by_category.most_common(10)])
    t2 = c.table("涉及地区", ("地区", "工单数", "占比"),
                 [[k, [n, "count"], [n / total, "rate"]] for k, n in by_region.most_common(10)])
    ordered = sorted(days)
    chart = c.chart("每日诉求量", "bar", [f"{d.month}.{d.day}" for d in ordered], [days[d] for d in ordered])
    return t1, t2, chart


def special_from_hotspot(session: Session, region: Region, month: str, rank: int,
                         hotspot: dict[str, Any]) -> dict[str, Any]:
    """信息专报 from the ``rank``-th hotspot of a month."""
    name = _region_name(region)
    label = str(hotspot.get("label") or "热点问题")
    c = Content(title=f"关于“{label}”相关诉求情况的信息专报", subtitle=f"{name} · {month} 热点第 {rank} 位")
    orders = repository.orders_by_ids(session, hotspot.get("order_ids") or [])
    keywords = "、".join(str(k) for k in (hotspot.get("keywords") or [])[:8])
    growth = hotspot.get("growth")
    info = [["热点名称", label], ["关键词", keywords or "—"], ["涉及地点", hotspot.get("place") or "—"],
            ["诉求件数", [int(hotspot.get("count") or len(orders)), "count"]],
            ["涉及人数", [hotspot.get("people"), "count"]], ["热度", [hotspot.get("heat"), "avg"]],
            ["较上月增长", [growth, "change"]]]
    t0 = c.table("热点概况", ("项目", "内容"), info)
    count = int(hotspot.get("count") or len(orders))
    text = (f"{month} 月，{name} 12345 热线受理“{label}”相关诉求 {count:,} 件"
            + (f"，涉及 {hotspot['people']:,} 名诉求人" if hotspot.get("people") else "")
            + (f"，集中在{hotspot['place']}" if hotspot.get("place") else "")
            + (f"，较上月{'增长' if float(growth) >= 0 else '下降'} {abs(float(growth)) * 100:.1f}%"
               if growth is not None else "") + f"，列本月热点第 {rank} 位。主要关键词：{keywords or '—'}。")
    c.section("summary", "基本情况", text, tables=[t0])
    trend = hotspot.get("trend") or {}
    trend_chart = c.chart("近几个月相关诉求量", "bar", list(trend.keys()), [int(v) for v in trend.values()]) \
        if isinstance(trend, dict) else None
    t1, t2, chart = _orders_tables(c, orders)
    c.section("distribution", "诉求分布", _distribution_text(orders), tables=[t1, t2], charts=[trend_chart, chart])
    samples = [mask_personal_text(str(s))[:300] for s in (hotspot.get("samples") or [])[:5]]
    c.section("samples", "群众反映的主要问题", "\n".join(f"{i}. {s}" for i, s in enumerate(samples, start=1))
              or "（请补充群众反映的主要问题）")
    c.section("suggestions", "工作建议",
              f"建议相关责任单位对“{label}”相关诉求开展专题研究，查明原因，明确责任，限期解决；"
              "热线中心将持续跟踪诉求变化，必要时纳入专题专办。")
    return c.as_dict()


def _distribution_text(orders: Sequence[WorkOrder]) -> str:
    if not orders:
        return "相关工单已不在系统中。"
    by_category = Counter((o.category.name if o.category else "未分类") for o in orders).most_common(3)
    by_region = Counter((o.region.name if o.region else "未知") for o in orders).most_common(3)
    closed = sum(1 for o in orders if o.closed_at is not None)
    return (f"相关工单 {len(orders):,} 件，已办结 {closed:,} 件。按分类以"
            + "、".join(f"{k}（{n} 件）" for k, n in by_category) + "为主；按地区集中在"
            + "、".join(f"{k}（{n} 件）" for k, n in by_region) + "。")


def special_from_warning(session: Session, region: Region, warning: Any) -> dict[str, Any]:
    """信息专报 from an early warning (a spike of a category in a place, or emergency terms)."""
    from hotline.intelligence.models import WARNING_KIND_NAMES, WarningKind

    name = _region_name(region)
    kind = WARNING_KIND_NAMES.get(WarningKind(warning.kind), str(warning.kind))
    c = Content(title=f"关于{warning.summary[:60]}的信息专报", subtitle=f"{name} · {kind}预警")
    orders = repository.orders_by_ids(session, warning.order_ids or [])
    start = warning.window_start.astimezone(clock.CST)
    end = warning.window_end.astimezone(clock.CST)
    info = [["预警类型", kind], ["预警内容", warning.summary],
            ["统计时段", f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}"],
            ["诉求件数", [warning.count, "count"]], ["预期件数", [warning.expected, "avg"]],
            ["关键词", warning.term or "—"], ["发出时间", f"{warning.raised_at.astimezone(clock.CST):%Y-%m-%d %H:%M}"]]
    t0 = c.table("预警概况", ("项目", "内容"), info)
    text = (f"{start:%m月%d日 %H:%M} 至 {end:%m月%d日 %H:%M}，{name} 12345 热线监测到{kind}：{warning.summary}。"
            f"期间相关诉求 {warning.count:,} 件"
            + (f"，常态预期约 {warning.expected:.1f} 件" if warning.expected else "") + "。")
    c.section("summary", "基本情况", text, tables=[t0])
    t1, t2, chart = _orders_tables(c, orders)
    c.section("distribution", "诉求分布", _distribution_text(orders), tables=[t1, t2], charts=[chart])
    samples = [mask_personal_text(f"{o.title}：{o.content}")[:300] for o in orders[:5]]
    c.section("samples", "群众反映的主要问题", "\n".join(f"{i}. {s}" for i, s in enumerate(samples, start=1))
              or "（请补充群众反映的主要问题）")
    c.section("suggestions", "处置建议", "建议相关责任单位立即核实情况，做好应急处置和群众解释工作，"
              "及时向热线中心反馈处置进展；热线中心将持续监测相关诉求。")
    return c.as_dict()


DAILY_HEADERS = ("序号", "台账", "工单编号", "诉求分类", "地区", "承办单位", "入账时间", "事由", "状态")


def daily_rows(rows: Sequence[tuple[LedgerEntry, WorkOrder | None]]) -> list[list[Any]]:
    """The entries of a daily ledger as table rows (no citizen's data: the reason is masked)."""
    out: list[list[Any]] = []
    for i, (e, o) in enumerate(rows, start=1):
        out.append([str(i), LEDGER_NAMES[LedgerKind(e.kind)], o.number if o else "—",
                    (o.category.name if o and o.category else "—"), (e.region.name if e.region else "—"),
                    (e.unit.name if e.unit else "—"), f"{e.entered_at.astimezone(clock.CST):%H:%M}",
                    mask_personal_text(e.reason), "已销账" if e.cleared_at else "在账"])
    return out


def daily_ledger(scope_name: str, day: dt.date, rows: Sequence[tuple[LedgerEntry, WorkOrder | None]]) -> dict[str, Any]:
    """突发事件与涉稳风险日报: every emergency and stability entry of the day, listed."""
    label = f"{day.year}年{day.month}月{day.day}日"
    c = Content(title=f"突发事件与涉稳风险日报（{label}）", subtitle=scope_name)
    counts = Counter(LedgerKind(e.kind) for e, _ in rows)
    t = c.table("当日入账明细", DAILY_HEADERS, daily_rows(rows))
    text = (f"{label}，{scope_name}突发事件台账新增 {counts[LedgerKind.emergency]} 条、"
            f"涉稳风险台账新增 {counts[LedgerKind.stability]} 条。")
    if rows:
        regions = Counter(e.region.name for e, _ in rows if e.region).most_common(3)
        if regions:
            text += "主要涉及" + "、".join(f"{k}（{n} 条）" for k, n in regions) + "。"
        text += "请相关部门按职责跟踪处置。"
    else:
        text += "当日无新增条目。"
    chart = c.chart("各类台账条数", "bar", [LEDGER_NAMES[LedgerKind.emergency], LEDGER_NAMES[LedgerKind.stability]],
                    [counts[LedgerKind.emergency], counts[LedgerKind.stability]], unit="条")
    c.section("entries", "当日入账情况", text, tables=[t], charts=[chart])
    return c.as_dict()
