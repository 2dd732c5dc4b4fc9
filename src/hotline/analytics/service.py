"""The statistics: one query function every figure of the platform comes from (workbench,
reports, public disclosure), its drill-down to the orders behind a cell, and the refresh of
the cube from the work-order events. Services never commit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from hotline.analytics import repository
from hotline.analytics.measures import (
    ALL_MEASURES,
    CONDITIONS,
    DIM_CODES,
    DIM_COLUMNS,
    DIMENSIONS,
    ENTERPRISE_LABELS,
    LEDGER_MEASURES,
    TREE_DIMENSIONS,
    base_count,
    derive,
    ledger_condition,
)
from hotline.analytics.periods import Period, month_split
from hotline.auth import access
from hotline.auth.access import CENTRE_ROLES
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.kit import cache
from hotline.kit.errors import Forbidden, InvalidInput
from hotline.org import repository as org_repository
from hotline.org.models import Category, Region
from hotline.supervision import repository as projection
from hotline.workorder.lifecycle import STATUS_NAMES
from hotline.workorder.models import WorkOrder
from hotline.workorder.sla import Urgency

W = WorkOrder
PROJECTOR = "statistics"
REFRESH_BATCH = 20_000
REGION_LEVELS = {"province": 1, "city": 2, "county": 3, "township": 4}
REGION_LEVEL_NAMES = {1: "省", 2: "市", 3: "县（区）", 4: "乡镇（街道）"}
URGENCY_LABELS = {Urgency.normal.value: "一般", Urgency.urgent.value: "紧急", Urgency.emergency.value: "特急"}
NONE_LABELS = {"appeal_type": "未填写", "category": "未分类", "region": "未填写区域", "channel": "未知渠道",
               "lead_unit": "未派单", "urgency": "未填写"}


# --- scope -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose orders a figure counts: the orders owned by the hotline centres of a region
    (``prefix``: read from the cube), or the orders a unit or sector viewer may see
    (``principal``: read from the orders through their order scope)."""

    label: str
    prefix: str | None = None
    principal: Principal | None = None

    @classmethod
    def of(cls, principal: Principal) -> Scope:
        """The caller's own scope, exactly as the order lists have it."""
        if not principal.can(Cap.view_orders):
            raise Forbidden("无权查看统计数据")
        if principal.role in CENTRE_ROLES:
            return cls(label=principal.unit_name, prefix=principal.region_prefix)
        return cls(label=principal.unit_name, principal=principal)

    @classmethod
    def region(cls, session: Session, code: str) -> Scope:
        """Every order owned by a centre of the region (for reports, jobs, public figures)."""
        region = org_repository.region_by_code(session, code) if isinstance(code, str) else None
        if region is None:
            raise InvalidInput("region", f"区域代码 {str(code)[:12]} 不存在")
        return cls(label=region.name, prefix=region_prefix(region.code))

    def default_region_level(self) -> int:
        code = self.prefix if self.prefix is not None else region_prefix(self.principal.region_code)  # type: ignore[union-attr]
        return {2: 2, 4: 3}.get(len(code), 4)


#: Trees, centres and names read on every query, kept a minute (cleared when the organisation
#: changes: kit.cache watches regions, units, categories, channels and appeal types).
_REFERENCE = cache.reference_cache()


def _cached(session: Session, key: Hashable, load: Callable[[], Any]) -> Any:
    if cache.changes_reference(session):
        return load()
    found = _REFERENCE.get(key)
    if found is None:
        found = load()
        _REFERENCE.put(key, found)
    return found


def _centre_ids(session: Session, prefix: str) -> frozenset[int]:
    return _cached(session, ("centres", prefix), lambda: repository.centre_ids_in(session, prefix))


def _areas(session: Session) -> dict[int, int]:
    """Each centre's area: the city its region lies in (a province-level centre: the province)."""
    def load() -> dict[int, int]:
        tree = _region_tree(session)
        return {centre: tree.at_level(region, 2) for centre, region in repository.centre_regions(session)}

    return _cached(session, "areas", load)


def _counties(session: Session) -> dict[int, int]:
    """Each region's county (a township's county; a county or above: itself), for the pairs."""
    def load() -> dict[int, int]:
        tree = _region_tree(session)
        return {region: tree.at_level(region, REGION_LEVELS["county"]) for region in tree.nodes}

    return _cached(session, "counties", load)


def _area(session: Session, scope: Scope) -> int | None:
    """The cube area that holds exactly the scope's orders, or None when the scope must be read
    from the orders: a province's centres are area 0, a city's centres the city's area; a
    provincial sector viewer is area 0 (narrowed to its categories by the caller)."""
    if scope.principal is not None:
        principal = scope.principal
        is_provincial = len(region_prefix(principal.region_code)) == 2
        return 0 if principal.role == Role.sector_viewer and is_provincial else None
    assert scope.prefix is not None
    if len(scope.prefix) == 2:
        return 0
    if len(scope.prefix) == 4:
        region = org_repository.cached_region_by_code(session, scope.prefix + "00")
        return region.id if region is not None else None
    return None


def _order_filter(session: Session, scope: Scope) -> repository.OrderFilter:
    if scope.principal is not None:
        principal = scope.principal
        return lambda stmt: access.order_scope(principal, stmt)
    assert scope.prefix is not None
    if len(scope.prefix) == 2:
        return lambda stmt: stmt
    centres = sorted(_centre_ids(session, scope.prefix))
    return lambda stmt: stmt.where(W.centre_unit_id.in_(centres))


# --- queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatQuery:
    period: Period
    dimension: str | None = None
    level: int | None = None
    enterprise: bool | None = None
    category_id: int | None = None
    region_code: str | None = None
    channel_id: int | None = None
    appeal_type: str | None = None
    lead_unit_id: int | None = None
    urgency: str | None = None
    compare: bool = True

    def filters(self) -> dict[str, Any]:
        """The filters set, by dimension."""
        found = {"category": self.category_id, "region": self.region_code, "channel": self.channel_id,
                 "appeal_type": self.appeal_type, "lead_unit": self.lead_unit_id, "urgency": self.urgency}
        return {k: v for k, v in found.items() if v is not None}


@dataclass
class StatRow:
    key: str
    label: str
    values: dict[str, int | float | None]
    previous: dict[str, int | float | None] | None = None
    last_year: dict[str, int | float | None] | None = None
    counts: dict[str, float] = field(default_factory=dict, repr=False)


@dataclass
class StatTable:
    query: StatQuery
    scope: Scope
    level: int | None
    rows: list[StatRow]
    total: StatRow
    as_of: dt.datetime | None = None

    def row(self, key: str) -> StatRow | None:
        return next((r for r in self.rows if r.key == key), None)


@dataclass(frozen=True)
class _Tree:
    nodes: dict[int, tuple[str, str, int, int | None]]  # id -> (code, name, level, parent id)

    def at_level(self, node_id: int, level: int) -> int:
        """The node's ancestor at ``level`` (the node itself when it is at that level or above)."""
        current = node_id
        while True:
            node = self.nodes.get(current)
            if node is None or node[2] <= level or node[3] is None:
                return current
            current = node[3]

    def name(self, node_id: int) -> str:
        node = self.nodes.get(node_id)
        return node[1] if node else f"#{node_id}"


def _category_tree(session: Session) -> _Tree:
    return _cached(session, "categories", lambda: _Tree({
        r.id: (r.code, r.name, int(r.level), r.parent_id) for r in repository.category_tree(session)}))


def _region_tree(session: Session) -> _Tree:
    return _cached(session, "regions", lambda: _Tree({
        r.id: (r.code, r.name, REGION_LEVELS[str(r.level)], r.parent_id) for r in repository.region_tree(session)}))


def _check(query: StatQuery) -> None:
    if query.dimension is not None and query.dimension not in DIMENSIONS:
        raise InvalidInput("dimension", f"统计维度应为 {', '.join(DIMENSIONS)} 之一")
    if query.level is not None:
        top = 4 if query.dimension == "region" else 6
        if query.dimension not in TREE_DIMENSIONS or not 1 <= query.level <= top:
            raise InvalidInput("level", "层级只适用于诉求分类（1–6）和区域（1–4）")
    if query.urgency is not None and query.urgency not in URGENCY_LABELS:
        raise InvalidInput("urgency", "紧急程度应为 normal、urgent、emergency 之一")


def _where(session: Session, query: StatQuery, *, skip: str | None = None) -> list[ColumnElement[bool]]:
    """The query's filters as conditions on the orders (``skip``: a filter applied elsewhere)."""
    out: list[ColumnElement[bool]] = []
    if query.enterprise is not None:
        out.append(W.is_enterprise.is_(query.enterprise))
    for dim, value in query.filters().items():
        if dim == skip:
            continue
        if dim == "category":
            category = session.get(Category, value)
            if category is None:
                raise InvalidInput("category_id", "诉求分类不存在")
            out.append(W.category_id.in_(select(Category.id).where(
                Category.code.startswith(category.code, autoescape=True))))
        elif dim == "region":
            region = org_repository.region_by_code(session, str(value))
            if region is None:
                raise InvalidInput("region_code", f"区域代码 {str(value)[:12]} 不存在")
            out.append(W.region_id.in_(select(Region.id).where(
                Region.code.startswith(region_prefix(region.code), autoescape=True))))
        else:
            out.append(DIM_COLUMNS[dim] == value)
    return out


def _filter_keys(session: Session, query: StatQuery) -> list[str] | None:
    """The cube keys the filter on the query's own dimension leaves (its subtree for a tree)."""
    dim = query.dimension
    value = query.filters().get(dim) if dim else None
    if value is None or dim is None:
        return None
    if dim == "category":
        category = session.get(Category, value)
        if category is None:
            raise InvalidInput("category_id", "诉求分类不存在")
        ids = session.execute(select(Category.id).where(Category.code.startswith(category.code, autoescape=True)))
        return [str(i) for i in ids.scalars()]
    if dim == "region":
        region = org_repository.region_by_code(session, str(value))
        if region is None:
            raise InvalidInput("region_code", f"区域代码 {str(value)[:12]} 不存在")
        ids = session.execute(select(Region.id).where(
            Region.code.startswith(region_prefix(region.code), autoescape=True)))
        return [str(i) for i in ids.scalars()]
    return [str(value)]


def _uses_cube(session: Session, scope: Scope, query: StatQuery) -> bool:
    """Whether the cube holds the query: the scope is an area of it, and no filter but the
    enterprise one and the dimension's own value (a sector viewer: by category, or totals)."""
    others = set(query.filters()) - ({query.dimension} if query.dimension else set())
    if others or _area(session, scope) is None:
        return False
    return scope.principal is None or query.dimension in (None, "category")


def _pair_categories(session: Session, scope: Scope, query: StatQuery) -> list[int] | None:
    """The categories to read from the category × county pairs, or None when the pairs do not
    hold the query: a table by region down to counties, in an area of the cube, narrowed to
    categories (a provincial sector viewer's, or a category filter) and by nothing else."""
    if query.dimension != "region" or (query.level or scope.default_region_level()) > REGION_LEVELS["county"]:
        return None
    filters = query.filters()
    if set(filters) - {"category"} or _area(session, scope) is None:
        return None
    wanted: set[int] | None = None
    if "category" in filters:
        wanted = {int(k) for k in _filter_keys(session, replace(query, dimension="category")) or []}
    if scope.principal is not None:  # a provincial sector viewer: its categories
        mine = set(scope.principal.sector_category_ids)
        wanted = mine if wanted is None else wanted & mine
    return None if wanted is None else sorted(wanted)


def _precomputed(session: Session, scope: Scope, query: StatQuery) -> bool:
    """Whether the figures come from the cube or the pairs (refreshed every minute)."""
    return _uses_cube(session, scope, query) or _pair_categories(session, scope, query) is not None


def _raw(session: Session, scope: Scope, query: StatQuery, p: Period) -> dict[str, dict[str, float]]:
    """Sums per raw key (a leaf id for trees, ``"1"``/``"0"`` for enterprise, ``""`` for the
    total) over the period."""
    dim = query.dimension
    rows: Iterable[Any]
    if _uses_cube(session, scope, query):
        months, edges = month_split(p)
        area = _area(session, scope)
        assert area is not None
        keys = _filter_keys(session, query)
        code = DIM_CODES.get(dim or "", "g")
        sector = scope.principal is not None
        if sector:  # a sector viewer's orders: its categories, placed in a region
            assert scope.principal is not None
            mine = {str(i) for i in scope.principal.sector_category_ids}
            keys, code = sorted(mine if keys is None else mine & set(keys)), "k"
        rows = repository.cube_table(session, code, months, edges, area=area, enterprise=query.enterprise,
                                     keys=keys, placed_only=sector, by_enterprise=dim == "enterprise")
        if dim is None:
            return {"": _sum_rows(rows)}
    elif (categories := _pair_categories(session, scope, query)) is not None:
        months, edges = month_split(p)
        area = _area(session, scope)
        assert area is not None
        rows = [("" if row[0] == 0 else row[0], *row[1:]) for row in repository.pair_table(
            session, months, edges, area=area, enterprise=query.enterprise, categories=categories,
            placed_only=scope.principal is not None)]
    else:
        group = DIM_COLUMNS[dim] if dim else None
        rows = repository.order_table(session, p.start, p.end, _order_filter(session, scope),
                                      _where(session, query), group)
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        key = row[0]
        if isinstance(key, bool) or dim == "enterprise":
            key = "1" if key in (True, 1, "1", "true") else "0"
        out[str(key)] = {name: float(row[i + 1] or 0) for i, name in enumerate(repository.VALUE_COLUMNS)}
    return out


def _sum_rows(rows: Iterable[Any]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for row in rows:
        for i, name in enumerate(repository.VALUE_COLUMNS):
            total[name] += float(row[i + 1] or 0)
    return dict(total)


class _Labeller:
    """Rolls raw keys up to the asked level and names them."""

    def __init__(self, session: Session, scope: Scope, query: StatQuery) -> None:
        self.dim = query.dimension
        self.session = session
        self.tree: _Tree | None = None
        self.level: int | None = None
        if self.dim == "category":
            self.tree, self.level = _category_tree(session), query.level or 1
        elif self.dim == "region":
            self.tree, self.level = _region_tree(session), query.level or scope.default_region_level()
        self._names: dict[str, str] = {}

    def roll(self, raw: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        if self.tree is None or self.level is None:
            return raw
        out: dict[str, dict[str, float]] = {}
        for key, sums in raw.items():
            up = str(self.tree.at_level(int(key), self.level)) if key else ""
            target = out.setdefault(up, defaultdict(float))
            for name, value in sums.items():
                target[name] += value
        return out

    def names(self, keys: Iterable[str]) -> dict[str, str]:
        keys = list(keys)
        dim = self.dim
        if dim is None:
            return dict.fromkeys(keys, "合计")
        out = {k: NONE_LABELS.get(dim, "未填写") for k in keys if k == ""}
        real = [k for k in keys if k != ""]
        if dim in TREE_DIMENSIONS:
            assert self.tree is not None
            out.update({k: self.tree.name(int(k)) for k in real})
        elif dim == "enterprise":
            out.update({k: ENTERPRISE_LABELS.get(k, k) for k in real})
        elif dim == "urgency":
            out.update({k: URGENCY_LABELS.get(k, k) for k in real})
        elif dim == "appeal_type":
            names = _cached(self.session, "appeal_types", lambda: {
                t.code: t.name for t in org_repository.list_appeal_types(self.session)})
            out.update({k: names.get(k, k) for k in real})
        elif dim == "channel":
            names = _cached(self.session, "channels", lambda: {
                str(c.id): c.name for c in org_repository.list_channels(self.session)})
            out.update({k: names.get(k, k) for k in real})
        elif dim == "lead_unit":
            units = repository.unit_names(self.session, [int(k) for k in real if k.isdigit()])
            out.update({k: units.get(int(k), k) if k.isdigit() else k for k in real})
        return out


def statistics(session: Session, scope: Scope, query: StatQuery) -> StatTable:
    """The table of every measure by the query's dimension over its period, for the scope,
    with the previous period (环比) and the same period last year (同比) when asked."""
    _check(query)
    repository.plan_for_reads(session)
    labeller = _Labeller(session, scope, query)
    current = labeller.roll(_raw(session, scope, query, query.period))
    previous = last_year = None
    if query.compare:
        before, year_ago = query.period.previous(), query.period.last_year()
        previous = labeller.roll(_raw(session, scope, query, before))
        # a year's previous period is the same year as its 同比: read it once
        last_year = previous if year_ago == before else labeller.roll(_raw(session, scope, query, year_ago))
    names = labeller.names(current)
    rows = []
    for key, sums in current.items():
        rows.append(StatRow(
            key=key, label=names[key], values=derive(sums), counts=dict(sums),
            previous=derive(previous.get(key, {})) if previous is not None else None,
            last_year=derive(last_year.get(key, {})) if last_year is not None else None,
        ))
    rows.sort(key=lambda r: (-(r.counts.get("received") or 0), r.key == "", r.label))
    total = _total(current, previous, last_year)
    if query.dimension is None:
        rows = []
    return StatTable(query=query, scope=scope, level=labeller.level, rows=rows, total=total,
                     as_of=refreshed_at(session) if _precomputed(session, scope, query) else None)


def _total(current: dict[str, dict[str, float]], previous: dict[str, dict[str, float]] | None,
           last_year: dict[str, dict[str, float]] | None) -> StatRow:
    def add(parts: dict[str, dict[str, float]]) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for sums in parts.values():
            for name, value in sums.items():
                out[name] += value
        return dict(out)

    sums = add(current)
    return StatRow(key="*", label="合计", values=derive(sums), counts=sums,
                   previous=derive(add(previous)) if previous is not None else None,
                   last_year=derive(add(last_year)) if last_year is not None else None)


def trend(session: Session, scope: Scope, query: StatQuery) -> list[tuple[Period, StatRow]]:
    """The totals of each day (a period of two months or less) or month of the period."""
    out = []
    for bucket in query.period.buckets():
        table = statistics(session, scope, replace(query, period=bucket, dimension=None, level=None, compare=False))
        out.append((bucket, table.total))
    return out


# --- drill-down --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillItem:
    number: str
    title: str
    status: str
    registered_at: dt.datetime
    category: str | None
    region: str | None
    lead_unit: str | None
    channel: str
    appeal_type: str
    is_enterprise: bool


@dataclass(frozen=True)
class DrillPage:
    measure: str
    count: int
    items: list[DrillItem]
    next_after: int | None


def _key_where(session: Session, scope: Scope, query: StatQuery, key: str | None) -> list[ColumnElement[bool]]:
    """The condition on the orders of one row of the table (``key`` as the table gives it)."""
    dim = query.dimension
    if key is None or key == "*" or dim is None:
        return []
    column = DIM_COLUMNS[dim]
    if key == "":
        return [column.is_(None)]
    if dim == "enterprise":
        if key not in ("0", "1"):
            raise InvalidInput("key", "诉求主体应为 0 或 1")
        return [W.is_enterprise.is_(key == "1")]
    if dim in TREE_DIMENSIONS:
        if not key.isdigit() or len(key) > 12:
            raise InvalidInput("key", "维度取值无效")
        labeller = _Labeller(session, scope, query)
        assert labeller.tree is not None and labeller.level is not None
        node = labeller.tree.nodes.get(int(key))
        if node is None:
            raise InvalidInput("key", "维度取值不存在")
        if node[2] < labeller.level:  # orders placed at this coarser node itself
            return [column == int(key)]
        model: Any = Category if dim == "category" else Region
        prefix = node[0] if dim == "category" else region_prefix(node[0])
        return [column.in_(select(model.id).where(model.code.startswith(prefix, autoescape=True)))]
    if dim in ("channel", "lead_unit"):
        if not key.isdigit() or len(key) > 12:
            raise InvalidInput("key", "维度取值无效")
        return [column == int(key)]
    return [column == key]


def drill_down(session: Session, scope: Scope, query: StatQuery, key: str | None, measure: str, *,
               after: int | None = None, limit: int = 50) -> DrillPage:
    """The orders behind one cell of :func:`statistics` (a rate: its numerator; an average:
    the orders averaged), newest first, one keyset page at a time."""
    _check(query)
    repository.plan_for_reads(session)
    where = [*_where(session, query), *_key_where(session, scope, query, key)]
    scoped = _order_filter(session, scope)
    p = query.period
    if measure in LEDGER_MEASURES:  # orders on a supervision ledger: read from the ledger itself
        counted, condition = measure, ledger_condition(measure)
        count = repository.drill_count(session, p.start, p.end, scoped, where, condition)
    else:
        try:
            counted = base_count(measure)
        except KeyError:
            raise InvalidInput("measure", f"指标应为 {', '.join(ALL_MEASURES)} 之一") from None
        condition = CONDITIONS[counted]
        if _precomputed(session, scope, query):  # the cell's own count: the same orders by construction
            table = statistics(session, scope, replace(query, compare=False))
            row = table.total if key in (None, "*") or query.dimension is None else table.row(key)
            count = int(row.counts.get(counted, 0)) if row is not None else 0
        else:
            count = repository.drill_count(session, p.start, p.end, scoped, where, condition)
    orders = repository.drill(session, p.start, p.end, scoped, where, condition, after=after, limit=limit + 1)
    more = len(orders) > limit
    orders = orders[:limit]
    categories = _category_tree(session)
    items = [DrillItem(
        number=number, title=title, status=STATUS_NAMES[status], registered_at=registered_at,
        category=categories.name(category_id) if category_id else None, region=region, lead_unit=lead_unit,
        channel=channel, appeal_type=appeal_type, is_enterprise=bool(is_enterprise),
    ) for (_, number, title, status, registered_at, category_id, region, lead_unit, channel, appeal_type,
           is_enterprise) in orders]
    return DrillPage(measure=counted, count=count, items=items, next_after=orders[-1][0] if more and orders else None)


# --- refresh -----------------------------------------------------------------------------------


def refresh(session: Session, limit: int = REFRESH_BATCH) -> int:
    """Fold the work-order events after the cursor into the cube: the days their orders were
    registered on are counted again from the orders, then those months. The cursor moves in
    the same transaction, so a crash counts the batch again and nothing twice. Returns how
    many events were read."""
    cursor = projection.lock_cursor(session, PROJECTOR)
    events = repository.order_events_after(session, cursor.last_seq, limit)
    if not events:
        return 0
    days = repository.registration_days(session, [oid for _, oid in events if oid is not None])
    repository.rebuild_days(session, days, _areas(session), _counties(session))
    repository.rebuild_months(session, {d.replace(day=1) for d in days})
    cursor.last_seq = events[-1][0]
    return len(events)


def rebuild(session: Session, start: dt.date, end: dt.date) -> int:
    """Count every day from ``start`` to ``end`` again (and their months); returns the rows written."""
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    written = repository.rebuild_days(session, days, _areas(session), _counties(session))
    repository.rebuild_months(session, {d.replace(day=1) for d in days})
    return written


def mark_all_read(session: Session) -> None:
    """Move the cursor to the newest event (after a full rebuild)."""
    cursor = projection.lock_cursor(session, PROJECTOR)
    cursor.last_seq = max(cursor.last_seq, repository.newest_event_seq(session))


def refreshed_at(session: Session) -> dt.datetime | None:
    """When the newest event the cube holds happened."""
    return repository.event_time(session, repository.cursor_seq(session, PROJECTOR))


def require_statistics(principal: Principal) -> None:
    if not principal.can(Cap.view_orders):
        raise Forbidden("无权查看统计数据")




def ledger_counts(session: Session, scope: Scope, query: StatQuery) -> dict[str, int]:
    """How many orders registered in the period (and matching the query's filters — e.g. the
    enterprise appeals) entered each supervision ledger: overdue, buck-passing, perfunctory…"""
    _check(query)
    return repository.ledger_counts(session, query.period.start, query.period.end, _order_filter(session, scope),
                                    _where(session, query))
