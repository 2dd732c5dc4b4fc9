"""The statistics workbench (统计分析) above the query engine: the state a page or an API call
carries in its query string (measures, dimension, period, filters), its translation into a
:class:`~hotline.analytics.service.StatQuery`, the table with 环比 and 同比 as the page and the
export show it, the charts' series, the drill-down list and the Excel files.

Every figure comes from :func:`hotline.analytics.service.statistics` and every list from
:func:`~hotline.analytics.service.drill_down` (one source of truth); this module only asks and
presents. Nothing here writes except the audit event of an export."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics.measures import ALL_MEASURES, DEFAULT_MEASURES, DIMENSIONS, LEDGER_MEASURES, MEASURES
from hotline.analytics.periods import Period, custom, period
from hotline.analytics.service import (
    Scope,
    StatQuery,
    StatRow,
    StatTable,
    drill_down,
    ledger_counts,
    statistics,
    trend,
)
from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, excel, validate
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.kit.redact import mask_personal_text
from hotline.org import repository as org_repository

#: Periods a user chooses; ``custom`` takes ``from`` and ``to``.
PERIOD_NAMES = {"day": "日", "week": "周", "month": "月", "quarter": "季度", "half": "半年", "year": "年",
                "custom": "自定义"}
#: Dimensions with a tree, and the names of its levels (1 = top).
LEVELS: dict[str, dict[int, str]] = {"category": {1: "一级分类", 2: "二级分类", 3: "三级分类"},
                                     "region": {1: "省级", 2: "市级", 3: "县级", 4: "乡镇（街道）"}}
ENTERPRISE_NAMES = {"1": "市场主体（企业、个体工商户）", "0": "群众个人"}
#: A custom period spans at most this many days (three years), and dates lie in this range.
MAX_CUSTOM_DAYS = 3 * 366
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
MAX_MEASURES = len(MEASURES)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE = re.compile(r"[0-9A-Za-z_\-]{1,32}")
#: Query parameters of the state, in the order a canonical URL lists them.
STATE_PARAMS = ("measure", "dimension", "level", "period", "date", "from", "to", "enterprise", "category", "region",
                "channel", "appeal_type")


def may_use(principal: Principal) -> bool:
    """Centre staff, units and sector viewers (every role that reads orders) use the workbench,
    each over its own order scope; administrators, auditors and the CTI account do not."""
    return principal.can(Cap.view_orders)


def require_user(principal: Principal) -> None:
    if not may_use(principal):
        raise Forbidden("您的角色无权使用统计分析")


@dataclass(frozen=True)
class State:
    """Everything the workbench shows, as its URL carries it (a shareable link)."""

    measures: tuple[str, ...] = DEFAULT_MEASURES
    dimension: str | None = "category"
    level: int | None = 1
    kind: str = "month"
    date: dt.date = field(default_factory=lambda: clock.now().astimezone(clock.CST).date())
    start: dt.date | None = None
    end: dt.date | None = None
    enterprise: bool | None = None
    category: str | None = None
    region: str | None = None
    channel: str | None = None
    appeal_type: str | None = None

    def params(self) -> list[tuple[str, str]]:
        """The canonical query string: parsing it gives this state back."""
        out = [("measure", m) for m in self.measures]
        out += [("dimension", self.dimension or ""), ("period", self.kind)]
        if self.dimension in LEVELS and self.level:
            out.append(("level", str(self.level)))
        if self.kind == "custom":
            assert self.start is not None and self.end is not None
            out += [("from", self.start.isoformat()), ("to", self.end.isoformat())]
        else:
            out.append(("date", self.date.isoformat()))
        if self.enterprise is not None:
            out.append(("enterprise", "1" if self.enterprise else "0"))
        out += [(name, value) for name, value in (("category", self.category), ("region", self.region),
                                                  ("channel", self.channel), ("appeal_type", self.appeal_type))
                if value]
        return out

    @property
    def period(self) -> Period:
        if self.kind == "custom":
            assert self.start is not None and self.end is not None
            return custom(self.start, self.end)
        return period(self.kind, self.date)


def _one(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return str(value).strip() if value is not None else ""


def _many(params: Mapping[str, Any], name: str) -> list[str]:
    value = params.get(name)
    values = list(value) if isinstance(value, list | tuple) else ([value] if value else [])
    return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _date(value: str, name: str) -> dt.date:
    if not _DATE.fullmatch(value):
        raise InvalidInput(name, "日期格式应为 YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(name, "不是有效的日期") from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(name, "日期超出可统计的范围（2000—2100 年）")
    return day


def parse_state(params: Mapping[str, Any], *, default_measures: Sequence[str] = DEFAULT_MEASURES) -> State:
    """The state named by a query string (``params``: name → value or list of values).

    Raises :class:`InvalidInput` naming the first bad field: an unknown measure, dimension or
    period, a level the dimension does not have, a malformed or out-of-range date, a custom
    period that ends before it starts or spans more than three years, a bad filter."""
    measures = tuple(dict.fromkeys(_many(params, "measure"))) or tuple(default_measures)
    for m in measures:
        if m not in MEASURES:
            raise InvalidInput("measure", f"未知的统计指标：{m[:40]}（可选：{'、'.join(MEASURES)}）")
    if "dimension" in params:
        dimension: str | None = _one(params, "dimension") or None
    else:
        dimension = State.dimension
    if dimension is not None and dimension not in DIMENSIONS:
        raise InvalidInput("dimension", f"未知的统计维度：{dimension[:40]}（可选：{'、'.join(DIMENSIONS)}）")
    level: int | None = None
    raw_level = _one(params, "level")
    if dimension in LEVELS:
        if raw_level:
            if not raw_level.isdigit() or int(raw_level) not in LEVELS[dimension]:
                raise InvalidInput("level", f"{DIMENSIONS[dimension]}的层级应为 "
                                            f"{'、'.join(str(n) for n in LEVELS[dimension])}")
            level = int(raw_level)
        else:
            level = 1
    kind = _one(params, "period") or "month"
    if kind not in PERIOD_NAMES:
        raise InvalidInput("period", f"统计周期应为 {'、'.join(PERIOD_NAMES)} 之一")
    today = clock.now().astimezone(clock.CST).date()
    start = end = None
    day = today
    if kind == "custom":
        raw_from, raw_to = _one(params, "from"), _one(params, "to")
        if not raw_from:
            raise InvalidInput("from", "自定义周期须填写开始日期")
        if not raw_to:
            raise InvalidInput("to", "自定义周期须填写结束日期")
        start, end = _date(raw_from, "from"), _date(raw_to, "to")
        if end < start:
            raise InvalidInput("to", "结束日期不能早于开始日期")
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise InvalidInput("to", "自定义周期最长三年")
        day = end
    elif _one(params, "date"):
        day = _date(_one(params, "date"), "date")
    enterprise_raw = _one(params, "enterprise")
    if enterprise_raw not in ("", "0", "1"):
        raise InvalidInput("enterprise", "应为 1（企业）或 0（群众），不填为全部")
    enterprise = None if enterprise_raw == "" else enterprise_raw == "1"
    region = _one(params, "region") or None
    if region is not None:
        region = validate.region_code(region, "region")
    codes: dict[str, str | None] = {}
    for name in ("category", "channel", "appeal_type"):
        value = _one(params, name) or None
        if value is not None and not _CODE.fullmatch(value):
            raise InvalidInput(name, "编码只能包含字母、数字、下划线和连字符（至多 32 位）")
        codes[name] = value
    return State(measures=measures, dimension=dimension, level=level, kind=kind, date=day, start=start, end=end,
                 enterprise=enterprise, region=region, **codes)


def to_query(session: Session, state: State, *, compare: bool = True) -> StatQuery:
    """The engine's query for a state; filters named by code are resolved (an unknown code is a
    422 naming the filter)."""
    category_id = channel_id = None
    if state.category:
        category = org_repository.category_by_code(session, state.category)
        if category is None:
            raise InvalidInput("category", f"诉求分类 {state.category} 不存在")
        category_id = category.id
    if state.channel:
        channel = org_repository.channel_by_code(session, state.channel)
        if channel is None:
            raise InvalidInput("channel", f"受理渠道 {state.channel} 不存在")
        channel_id = channel.id
    if state.appeal_type and state.appeal_type not in {t.code for t in org_repository.list_appeal_types(session)}:
        raise InvalidInput("appeal_type", f"诉求类型 {state.appeal_type} 不存在")
    if state.region and org_repository.region_by_code(session, state.region) is None:
        raise InvalidInput("region", f"区划 {state.region} 不存在")
    return StatQuery(period=state.period, dimension=state.dimension, level=state.level if state.dimension else None,
                     enterprise=state.enterprise, category_id=category_id, region_code=state.region,
                     channel_id=channel_id, appeal_type=state.appeal_type, compare=compare)


# --- presentation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A comparison with an earlier period: for counts and averages the relative change in
    per cent; for rates the difference in percentage points."""

    direction: str  # "up" | "down" | "flat"
    text: str
    value: float  # per cent, or percentage points for a rate


def fmt(measure: str, value: Any) -> str:
    if value is None:
        return "—"
    kind = MEASURES[measure].kind
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "avg":
        return f"{float(value):.1f}"
    return str(int(value))


def change(measure: str, current: Any, base: Any) -> Change | None:
    """``None`` when there is nothing to compare (no earlier figure, or an earlier count of 0)."""
    if current is None or base is None:
        return None
    kind = MEASURES[measure].kind
    if kind == "rate":
        diff = (float(current) - float(base)) * 100
        text = f"{diff:+.1f} 个百分点"
    else:
        if float(base) == 0:
            return None
        diff = (float(current) - float(base)) / float(base) * 100
        text = f"{diff:+.1f}%"
    direction = "flat" if abs(diff) < 0.05 else ("up" if diff > 0 else "down")
    return Change(direction, text, round(diff, 2))


@dataclass(frozen=True)
class Cell:
    measure: str
    value: Any
    shown: str
    previous: Any
    last_year: Any
    mom: Change | None  # 环比
    yoy: Change | None  # 同比


@dataclass(frozen=True)
class Line:
    key: str | None  # None: the totals row
    label: str
    cells: list[Cell]


def _cells(state: State, row: StatRow) -> list[Cell]:
    cells = []
    for m in state.measures:
        value = row.values.get(m)
        prev = row.previous.get(m) if row.previous else None
        ly = row.last_year.get(m) if row.last_year else None
        cells.append(Cell(m, value, fmt(m, value), prev, ly, change(m, value, prev), change(m, value, ly)))
    return cells


def lines(state: State, table: StatTable) -> tuple[list[Line], Line]:
    rows = [Line(r.key, r.label, _cells(state, r)) for r in table.rows]
    return rows, Line(None, "合计", _cells(state, table.total))


def trend_period(p: Period, today: dt.date) -> tuple[str, Period | None]:
    """The span a trend draws, up to today (the engine splits it by day up to two months, by
    month beyond): the period itself, or the fourteen days up to a chosen day."""
    if p.kind == "day":
        start, end, caption = p.start - dt.timedelta(days=13), p.end, "近14日"
    else:
        start, end = p.start, p.end
        caption = "按日" if p.days <= 62 else "按月"
    end = min(end, today)
    if end < start:
        return caption, None
    return caption, custom(start, end)


def chart_measures(state: State) -> list[str]:
    """The measures a trend draws: the chosen counts (up to three), else the first chosen."""
    counts = [m for m in state.measures if MEASURES[m].kind == "count"][:3]
    return counts or list(state.measures[:1])


def breakdown_measure(state: State) -> str:
    """The count the pie and bar charts split: the first chosen count, else received."""
    return next((m for m in state.measures if MEASURES[m].kind == "count"), "received")


@dataclass
class Workbench:
    state: State
    query: StatQuery
    lines: list[Line]
    total: Line
    trend: dict[str, Any]
    categories: dict[str, Any]
    regions: dict[str, Any]
    #: (measure key, label, count): the period's orders on the supervision ledgers
    ledgers: list[tuple[str, str, int]]


def build(session: Session, principal: Principal, state: State) -> Workbench:
    """The table (with 环比 and 同比) and the three charts of a state, over the caller's scope."""
    scope = Scope.of(principal)
    query = to_query(session, state)
    table = statistics(session, scope, query)
    rows, total = lines(state, table)
    today = clock.now().astimezone(clock.CST).date()
    caption, span = trend_period(query.period, today)
    series = chart_measures(state)
    chart: dict[str, Any] = {"title": f"趋势（{caption}）", "labels": [],
                             "series": [{"name": MEASURES[m].label, "kind": MEASURES[m].kind, "data": []}
                                        for m in series]}
    for bucket, total_row in (trend(session, scope, replace(query, period=span)) if span else []):
        chart["labels"].append(f"{bucket.start.month}-{bucket.start.day:02d}" if bucket.days == 1
                               else f"{bucket.start.year}-{bucket.start.month:02d}")
        for s, m in zip(chart["series"], series, strict=True):
            v = total_row.values.get(m)
            s["data"].append(None if v is None else (round(v * 100, 1) if MEASURES[m].kind == "rate"
                                                     else round(float(v), 1)))
    split = breakdown_measure(state)

    def split_by(dimension: str, level: int) -> dict[str, Any]:
        if query.dimension == dimension and query.level == level:
            found = table
        else:
            found = statistics(session, scope, replace(query, dimension=dimension, level=level, compare=False))
        ranked = sorted(found.rows, key=lambda r: -(r.values.get(split) or 0))[:12]
        return {"measure": MEASURES[split].label,
                "items": [{"name": r.label, "value": r.values.get(split) or 0} for r in ranked]}

    categories = split_by("category", 1)
    categories["title"] = f"诉求分类构成（{MEASURES[split].label}）"
    regions = split_by("region", scope.default_region_level())
    regions["title"] = f"区域对比（{MEASURES[split].label}）"
    on_ledgers = ledger_counts(session, scope, replace(query, compare=False))
    ledgers = [(key, m.label, on_ledgers.get(key.removeprefix("ledger_"), 0)) for key, m in LEDGER_MEASURES.items()]
    return Workbench(state, query, rows, total, chart, categories, regions, ledgers)


def filter_text(session: Session, state: State) -> str:
    """The filters of a state in words (the export's header, the page's caption)."""
    parts = []
    if state.enterprise is not None:
        parts.append(f"诉求人：{ENTERPRISE_NAMES['1' if state.enterprise else '0']}")
    if state.category:
        c = org_repository.category_by_code(session, state.category)
        parts.append(f"诉求分类：{c.name if c else state.category}")
    if state.region:
        r = org_repository.region_by_code(session, state.region)
        parts.append(f"区域：{r.name if r else state.region}")
    if state.channel:
        ch = org_repository.channel_by_code(session, state.channel)
        parts.append(f"渠道：{ch.name if ch else state.channel}")
    if state.appeal_type:
        names = {t.code: t.name for t in org_repository.list_appeal_types(session)}
        parts.append(f"诉求类型：{names.get(state.appeal_type, state.appeal_type)}")
    return "；".join(parts) or "无"


def dimension_text(state: State) -> str:
    if not state.dimension:
        return "不分组（合计）"
    name = DIMENSIONS[state.dimension]
    if state.dimension in LEVELS and state.level:
        name += f"（{LEVELS[state.dimension][state.level]}）"
    return name


def scope_text(principal: Principal) -> str:
    """Whose orders the figures count, in words."""
    if principal.role.value == "sector_viewer":
        return f"{principal.unit_name}（本行业分类、本区划）"
    if principal.can(Cap.handle):
        return f"{principal.unit_name}（本单位承办的工单）"
    return f"{principal.unit_name}（本中心及下级热线受理的工单）"


# --- drill-down --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    number: str
    title: str
    registered_at: dt.datetime | None
    status: str
    channel: str
    appeal_type: str
    category: str
    region: str
    lead_unit: str


@dataclass
class Drill:
    state: State
    key: str | None
    measure: str
    label: str
    total: int | None
    orders: list[OrderLine]
    next_after: str | None


def _attr(item: Any, *names: str) -> Any:
    for name in names:
        if isinstance(item, Mapping) and name in item:
            return item[name]
        if hasattr(item, name):
            return getattr(item, name)
    return None


def _name(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(getattr(value, "name", value))


def order_line(principal: Principal, item: Any, appeal_types: Mapping[str, str] | None = None) -> OrderLine:
    """One order of a drill-down list, as the list shows it: no personal data (a title that
    names a person or a phone is masked for roles that do not see personal data)."""
    from hotline.workorder.lifecycle import STATUS_NAMES, Status

    title = str(_attr(item, "title") or "")
    if not principal.sees_pii:
        title = mask_personal_text(title)
    status = _attr(item, "status")
    try:
        status_name = STATUS_NAMES[Status(getattr(status, "value", status))]
    except (ValueError, KeyError):
        status_name = str(status or "")
    registered = _attr(item, "registered_at")
    return OrderLine(number=str(_attr(item, "number")), title=title,
                     registered_at=clock.as_aware(registered) if registered else None, status=status_name,
                     channel=_name(_attr(item, "channel_name", "channel")),
                     appeal_type=(appeal_types or {}).get(str(_attr(item, "appeal_type")), "")
                     or _name(_attr(item, "appeal_type")),
                     category=_name(_attr(item, "category_name", "category")),
                     region=_name(_attr(item, "region_name", "region")),
                     lead_unit=_name(_attr(item, "lead_unit_name", "lead_unit")))


def parse_cell(params: Mapping[str, Any], *, measure_param: str = "measure") -> tuple[str | None, str, int | None]:
    """The cell a drill-down names: ``key`` — the row's key as the table gives it (absent or
    ``*``: the totals row; empty: the row of orders without a value) —, the measure
    (``measure`` in the API, ``cell`` on the pages, whose ``measure`` lists the table's
    columns) and the keyset cursor ``after``."""
    key: str | None = _one(params, "key") if "key" in params else None
    if key == "*":
        key = None
    if key is not None and len(key) > 64:
        raise InvalidInput("key", "分组键过长")
    measure = _one(params, measure_param)
    if measure not in ALL_MEASURES:
        raise InvalidInput(measure_param, f"未知的统计指标：{measure[:40]}" if measure else "请指定统计指标")
    raw = _one(params, "after")
    if raw and (not raw.isdigit() or len(raw) > 12):
        raise InvalidInput("after", "分页游标无效")
    return key, measure, int(raw) if raw else None


def _appeal_types(session: Session) -> dict[str, str]:
    return {t.code: t.name for t in org_repository.list_appeal_types(session)}


def _row_label(table: StatTable, key: str | None) -> str:
    if key is None:
        return "合计"
    row = next((r for r in table.rows if r.key == key), None)
    return row.label if row else (key or "（未填写）")


def drill(session: Session, principal: Principal, state: State, key: str | None, measure: str,
          after: int | None, *, limit: int = 50) -> Drill:
    """One page of the orders behind a cell, with the cell's own figure (the list's count)."""
    query = to_query(session, state, compare=False)
    scope = Scope.of(principal)
    page = drill_down(session, scope, query, key, measure, after=after, limit=limit)
    items = _attr(page, "items", "orders") or []
    total = _attr(page, "count", "total")
    label = _row_label(statistics(session, scope, query), key) if key is not None else "合计"
    names = _appeal_types(session)
    following = _attr(page, "next_after")
    return Drill(state, key, measure, label, total, [order_line(principal, i, names) for i in items],
                 None if following is None else str(following))


# --- Excel -------------------------------------------------------------------------------------


def _header(session: Session, principal: Principal, state: State, title: str) -> list[tuple[str, str]]:
    return [("报表", title), ("统计周期", f"{state.period.label}（{state.period.start:%Y-%m-%d} 至 "
                                            f"{state.period.end:%Y-%m-%d}）"),
            ("数据范围", scope_text(principal)), ("统计维度", dimension_text(state)),
            ("筛选条件", filter_text(session, state)),
            ("统计口径", "按登记（受理）时间归属周期的工单，现时状态"),
            ("生成时间", f"{clock.now().astimezone(clock.CST):%Y-%m-%d %H:%M}"),
            ("生成人", f"{principal.display_name}（{principal.username}）")]


def export_table(session: Session, principal: Principal, state: State) -> tuple[Iterator[bytes], str]:
    """The workbench table as an .xlsx stream and its file name: the header rows name the
    period, scope, dimension, filters, time and person; then each row with every measure's
    value, previous period, 环比, last year and 同比; the totals row last. Audited."""
    wb = build_table_only(session, principal, state)
    headers = [DIMENSIONS[state.dimension] if state.dimension else "范围"]
    for m in state.measures:
        label = MEASURES[m].label
        headers += [label, f"{label}·上期", f"{label}·环比", f"{label}·去年同期", f"{label}·同比"]

    def row(line: Line) -> list[Any]:
        out: list[Any] = [line.label]
        for c in line.cells:
            out += [_excel_value(c.measure, c.value), _excel_value(c.measure, c.previous), c.mom.text if c.mom else "—",
                    _excel_value(c.measure, c.last_year), c.yoy.text if c.yoy else "—"]
        return out

    rows = [row(line) for line in wb[0]] + [row(wb[1])]
    audit.record(session, principal, "statistics.exported", object_type="statistics",
                 detail={"period": state.period.label, "dimension": state.dimension or "",
                         "measures": list(state.measures), "rows": len(rows)})
    name = f"统计分析-{state.period.label}-{dimension_text(state)}.xlsx"
    return excel.stream("统计分析", _header(session, principal, state, "统计分析"), headers, rows), name


def build_table_only(session: Session, principal: Principal, state: State) -> tuple[list[Line], Line]:
    table = statistics(session, Scope.of(principal), to_query(session, state))
    return lines(state, table)


def _excel_value(measure: str, value: Any) -> Any:
    if value is None:
        return "—"
    kind = MEASURES[measure].kind
    if kind == "rate":
        return round(float(value) * 100, 2)
    if kind == "avg":
        return round(float(value), 1)
    return int(value)


ORDER_HEADERS = ["工单号", "登记时间", "标题", "状态", "受理渠道", "诉求类型", "诉求分类", "区域", "主办单位"]


def export_orders(session: Session, principal: Principal, state: State, key: str | None,
                  measure: str) -> tuple[Iterator[bytes], str]:
    """The orders behind a cell as an .xlsx stream (every page, up to the sheet's limit),
    without personal data; the header names the cell. Audited."""
    query = to_query(session, state, compare=False)
    scope = Scope.of(principal)
    rows: list[list[Any]] = []
    after: int | None = None
    names = _appeal_types(session)
    while len(rows) < excel.MAX_ROWS:
        page = drill_down(session, scope, query, key, measure, after=after, limit=500)
        for item in _attr(page, "items", "orders") or []:
            o = order_line(principal, item, names)
            rows.append([o.number, f"{o.registered_at.astimezone(clock.CST):%Y-%m-%d %H:%M}" if o.registered_at
                         else "", o.title, o.status, o.channel, o.appeal_type, o.category, o.region, o.lead_unit])
        after = _attr(page, "next_after")
        if after is None:
            break
    label = _row_label(statistics(session, scope, query), key) if key is not None else "合计"
    header = _header(session, principal, state, "统计明细（工单清单）")
    header.insert(4, ("单元格", f"{label} · {ALL_MEASURES[measure].label}（{len(rows)} 件）"))
    audit.record(session, principal, "statistics.orders_exported", object_type="statistics",
                 detail={"period": state.period.label, "dimension": state.dimension or "", "key": key or "",
                         "measure": measure, "orders": len(rows)})
    name = f"统计明细-{state.period.label}-{label}-{ALL_MEASURES[measure].label}.xlsx".replace("/", "／")
    return excel.stream("工单清单", header, ORDER_HEADERS, rows), name
