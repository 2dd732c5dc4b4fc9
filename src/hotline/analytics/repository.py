"""Every query of the statistics: building the cube from the orders, reading it, and the
order-level reads for narrow scopes, filters the cube does not hold, and the drill-down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Date, String, and_, cast, delete, func, insert, literal, or_, select, text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement

from hotline.analytics.measures import COUNTS, DIM_CODES, DIM_COLUMNS, SUMS, count_columns
from hotline.analytics.models import StatCell, StatPair
from hotline.audit.models import AuditEvent
from hotline.kit.clock import CST
from hotline.org.models import CENTRE_KINDS, Category, Channel, Region, Unit
from hotline.supervision.models import LedgerEntry, ProjectionCursor
from hotline.workorder.models import WorkOrder

W = WorkOrder
C = StatCell
P = StatPair
VALUE_COLUMNS = (*COUNTS, *SUMS)


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants of China days ``start`` … ``end`` (inclusive) as [from, to)."""
    return (dt.datetime.combine(start, dt.time(), CST),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CST))


def _key(column: Any) -> ColumnElement[str]:
    return func.coalesce(cast(column, String), "")


# --- building ---------------------------------------------------------------------------------


def rebuild_days(session: Session, days: Iterable[dt.date], area_of: dict[int, int],
                 county_of: dict[int, int]) -> int:
    """Count the orders registered on each day again, every dimension and the category × county
    pairs (``county_of``: a region's county, or itself above counties), in the area of the
    centre that owns them (``area_of``) and in area 0; returns the rows written."""
    written = 0
    for day in sorted(set(days)):
        session.execute(delete(C).where(C.grain == "d", C.bucket == day))
        start, end = day_bounds(day, day)
        written += _rebuild_pairs(session, day, start, end, area_of, county_of)
        cells: list[dict[str, Any]] = []
        for dim, code in DIM_CODES.items():
            key = _key(DIM_COLUMNS[dim])
            placed = W.region_id.is_not(None)
            stmt = (select(W.centre_unit_id, W.is_enterprise, placed, key, *count_columns())
                    .where(W.registered_at >= start, W.registered_at < end)
                    .group_by(W.centre_unit_id, W.is_enterprise, placed, key))
            sums: dict[tuple[int, bool, bool, str], list[float]] = {}
            for row in session.execute(stmt):
                centre, ent, is_placed, value = row[0], bool(row[1]), bool(row[2]), str(row[3])
                for area in (area_of.get(centre, 0), 0):
                    target = sums.setdefault((area, ent, is_placed, value), [0.0] * len(VALUE_COLUMNS))
                    for i in range(len(VALUE_COLUMNS)):
                        target[i] += float(row[4 + i] or 0)
            cells.extend({"grain": "d", "dim": code, "area_id": area, "bucket": day, "is_enterprise": ent,
                          "placed": is_placed, "key": value, **_values(values)}
                         for (area, ent, is_placed, value), values in sums.items())
        if cells:
            session.execute(insert(C), cells)
        written += len(cells)
    return written


def _rebuild_pairs(session: Session, day: dt.date, start: dt.datetime, end: dt.datetime,
                   area_of: dict[int, int], county_of: dict[int, int]) -> int:
    session.execute(delete(P).where(P.grain == "d", P.bucket == day))
    stmt = (select(W.centre_unit_id, W.is_enterprise, W.category_id, W.region_id, *count_columns())
            .where(W.registered_at >= start, W.registered_at < end, W.category_id.is_not(None))
            .group_by(W.centre_unit_id, W.is_enterprise, W.category_id, W.region_id))
    sums: dict[tuple[int, bool, int, int], list[float]] = {}
    for row in session.execute(stmt):
        centre, ent, category, region = row[0], bool(row[1]), int(row[2]), row[3]
        county = 0 if region is None else county_of.get(int(region), int(region))
        for area in (area_of.get(centre, 0), 0):
            target = sums.setdefault((area, ent, category, county), [0.0] * len(VALUE_COLUMNS))
            for i in range(len(VALUE_COLUMNS)):
                target[i] += float(row[4 + i] or 0)
    cells = [{"grain": "d", "area_id": area, "bucket": day, "category_id": category, "region_id": county,
              "is_enterprise": ent, **_values(values)} for (area, ent, category, county), values in sums.items()]
    if cells:
        session.execute(insert(P), cells)
    return len(cells)


def _values(values: list[float]) -> dict[str, float | int]:
    return {name: (v if name in SUMS else int(v)) for name, v in zip(VALUE_COLUMNS, values, strict=True)}


def rebuild_months(session: Session, months: Iterable[dt.date]) -> None:
    """Sum each month's daily rows into its monthly rows."""
    names = ["grain", "dim", "area_id", "bucket", "is_enterprise", "placed", "key", *VALUE_COLUMNS]
    for month in sorted(set(months)):
        nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        session.execute(delete(C).where(C.grain == "m", C.bucket == month))
        source = (
            select(literal("m"), C.dim, C.area_id, literal(month, Date), C.is_enterprise, C.placed, C.key,
                   *[func.sum(getattr(C, v)) for v in VALUE_COLUMNS])
            .where(C.grain == "d", C.bucket >= month, C.bucket < nxt)
            .group_by(C.dim, C.area_id, C.is_enterprise, C.placed, C.key)
        )
        session.execute(insert(C).from_select(names, source))
        session.execute(delete(P).where(P.grain == "m", P.bucket == month))
        pair_names = ["grain", "area_id", "bucket", "category_id", "region_id", "is_enterprise", *VALUE_COLUMNS]
        pairs = (
            select(literal("m"), P.area_id, literal(month, Date), P.category_id, P.region_id, P.is_enterprise,
                   *[func.sum(getattr(P, v)) for v in VALUE_COLUMNS])
            .where(P.grain == "d", P.bucket >= month, P.bucket < nxt)
            .group_by(P.area_id, P.category_id, P.region_id, P.is_enterprise)
        )
        session.execute(insert(P).from_select(pair_names, pairs))


def registration_days(session: Session, order_ids: Sequence[int]) -> set[dt.date]:
    """The China days the given orders were registered on."""
    days: set[dt.date] = set()
    ids = sorted(set(order_ids))
    for i in range(0, len(ids), 900):
        for (at,) in session.execute(select(W.registered_at).where(W.id.in_(ids[i:i + 900]))):
            days.add(at.astimezone(CST).date())
    return days


def first_registration(session: Session) -> dt.datetime | None:
    return session.execute(select(func.min(W.registered_at))).scalar_one_or_none()


def cube_is_empty(session: Session) -> bool:
    return session.execute(select(C.grain).limit(1)).first() is None


# --- reading the cube --------------------------------------------------------------------------


def plan_for_reads(session: Session) -> None:
    """PostgreSQL: plan this transaction's statistics reads for their own values, without JIT.
    A statement run often is prepared and then given a generic plan, blind to the period and
    the categories asked (a drill-down page went from 25 ms to 450 ms from its eleventh run on),
    and JIT spends ~20 ms compiling a read that takes less."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true), "
                             "set_config('jit', 'off', true)"))


def _buckets(months: list[dt.date], edges: list[tuple[dt.date, dt.date]], table: Any = C) -> ColumnElement[bool]:
    """The period as rows of ``table`` (the cube or the pairs): whole months, then edge days."""
    parts: list[ColumnElement[bool]] = []
    if months:
        parts.append(and_(table.grain == "m", table.bucket >= months[0], table.bucket <= months[-1]))
    parts.extend(and_(table.grain == "d", table.bucket >= a, table.bucket <= b) for a, b in edges)
    return or_(*parts)


def cube_table(session: Session, dim_code: str, months: list[dt.date], edges: list[tuple[dt.date, dt.date]],
               *, area: int, enterprise: bool | None, keys: Sequence[str] | None, placed_only: bool = False,
               by_enterprise: bool = False) -> list[Row[Any]]:
    """Summed cube rows of one dimension over the period in one area, grouped by the
    dimension's value (or by enterprise/citizen): rows of (key, *counts, *sums)."""
    group: Any = C.is_enterprise if by_enterprise else C.key
    stmt = select(group, *[func.sum(getattr(C, v)).label(v) for v in VALUE_COLUMNS]).where(
        C.dim == dim_code, C.area_id == area, _buckets(months, edges))
    if enterprise is not None:
        stmt = stmt.where(C.is_enterprise.is_(enterprise))
    if placed_only:
        stmt = stmt.where(C.placed.is_(True))
    if keys is not None:
        stmt = stmt.where(C.key.in_(list(keys)))
    return list(session.execute(stmt.group_by(group)))


def pair_table(session: Session, months: list[dt.date], edges: list[tuple[dt.date, dt.date]], *, area: int,
               enterprise: bool | None, categories: Sequence[int], placed_only: bool) -> list[Row[Any]]:
    """Summed category × county pairs of the given categories over the period in one area,
    grouped by county: rows of (region id — 0 without a region, *counts, *sums)."""
    stmt = select(P.region_id, *[func.sum(getattr(P, v)).label(v) for v in VALUE_COLUMNS]).where(
        P.area_id == area, _buckets(months, edges, P), P.category_id.in_(list(categories)))
    if enterprise is not None:
        stmt = stmt.where(P.is_enterprise.is_(enterprise))
    if placed_only:
        stmt = stmt.where(P.region_id != 0)
    return list(session.execute(stmt.group_by(P.region_id)))


# --- reading the orders ------------------------------------------------------------------------


OrderFilter = Callable[[Select[Any]], Select[Any]]


def order_table(session: Session, start: dt.date, end: dt.date, scoped: OrderFilter,
                where: list[ColumnElement[bool]], group: Any | None) -> list[Row[Any]]:
    """The same sums read from the orders themselves (narrow scopes, filters the cube does
    not hold): rows of (key, *counts, *sums)."""
    a, b = day_bounds(start, end)
    key: Any = _key(group) if group is not None else literal("")
    stmt = select(key, *count_columns()).select_from(W).where(W.registered_at >= a, W.registered_at < b, *where)
    stmt = scoped(stmt)
    return list(session.execute(stmt.group_by(key)))


def drill(session: Session, start: dt.date, end: dt.date, scoped: OrderFilter, where: list[ColumnElement[bool]],
          condition: ColumnElement[bool], *, after: int | None, limit: int) -> list[tuple[Any, ...]]:
    """One page of the orders behind a cell, newest first, read backwards along the
    registration-time index (keyset: the orders before the order ``after``). The page's ids
    are found first and only those orders' list columns read with their names: joining the
    names before the sort would join every order of the cell. Rows of ``id, number, title,
    status, registered_at, category_id, region, lead_unit, channel, appeal_type, is_enterprise``."""
    a, b = day_bounds(start, end)
    stmt = select(W.id).where(W.registered_at >= a, W.registered_at < b, condition, *where)
    if after is not None:
        at = session.execute(select(W.registered_at).where(W.id == after)).scalar_one_or_none()
        if at is None:
            return []
        stmt = stmt.where(or_(W.registered_at < at, and_(W.registered_at == at, W.id < after)))
    ids = list(session.execute(scoped(stmt).order_by(W.registered_at.desc(), W.id.desc()).limit(limit)).scalars())
    if not ids:
        return []
    lead = aliased(Unit)
    columns = select(W.id, W.number, W.title, W.status, W.registered_at, W.category_id, Region.name,
                     lead.name, Channel.name, W.appeal_type, W.is_enterprise).select_from(W).join(
        Channel, W.channel_id == Channel.id).outerjoin(Region, W.region_id == Region.id).outerjoin(
        lead, W.lead_unit_id == lead.id).where(W.id.in_(ids))
    found = {row[0]: tuple(row) for row in session.execute(columns)}
    return [found[i] for i in ids if i in found]


def drill_count(session: Session, start: dt.date, end: dt.date, scoped: OrderFilter,
                where: list[ColumnElement[bool]], condition: ColumnElement[bool]) -> int:
    a, b = day_bounds(start, end)
    stmt = select(func.count()).select_from(W).where(W.registered_at >= a, W.registered_at < b,
                                                     condition, *where)
    return int(session.execute(scoped(stmt)).scalar_one())


# --- reference data ----------------------------------------------------------------------------


def centre_ids_in(session: Session, prefix: str) -> frozenset[int]:
    """The hotline centres and workstations of every region under ``prefix``."""
    stmt = select(Unit.id).join(Region, Unit.region_id == Region.id).where(
        Unit.kind.in_(sorted(CENTRE_KINDS)), Region.code.startswith(prefix, autoescape=True))
    return frozenset(session.execute(stmt).scalars())


def centre_regions(session: Session) -> list[tuple[int, int]]:
    """(centre unit id, its region id) of every hotline centre and workstation."""
    stmt = select(Unit.id, Unit.region_id).where(Unit.kind.in_(sorted(CENTRE_KINDS)))
    return [(int(u), int(r)) for u, r in session.execute(stmt)]


def region_tree(session: Session) -> list[Row[Any]]:
    return list(session.execute(select(Region.id, Region.code, Region.name, Region.level, Region.parent_id)))


def category_tree(session: Session) -> list[Row[Any]]:
    return list(session.execute(select(Category.id, Category.code, Category.name, Category.level,
                                       Category.parent_id)))


def unit_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    out: dict[int, str] = {}
    for i in range(0, len(wanted), 900):
        rows = session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(wanted[i:i + 900])))
        out.update({uid: name for uid, name in rows})
    return out


# --- the event log -----------------------------------------------------------------------------


def order_events_after(session: Session, seq: int, limit: int) -> list[tuple[int, int | None]]:
    """(seq, order id) of the next work-order events after ``seq``."""
    t = AuditEvent.__table__.c
    stmt = select(t.seq, t.object_id).where(t.seq > seq, t.object_type == "work_order").order_by(t.seq).limit(limit)
    return [(int(s), int(o) if o is not None and str(o).isdigit() else None) for s, o in session.execute(stmt)]


def newest_event_seq(session: Session) -> int:
    return int(session.execute(select(func.max(AuditEvent.seq))).scalar_one_or_none() or 0)


def cursor_seq(session: Session, name: str) -> int:
    found = session.execute(select(ProjectionCursor.last_seq).where(ProjectionCursor.name == name)).scalar()
    return int(found or 0)


def event_time(session: Session, seq: int) -> dt.datetime | None:
    if seq <= 0:
        return None
    return session.execute(select(AuditEvent.at).where(AuditEvent.seq == seq)).scalar_one_or_none()


def ledger_counts(session: Session, start: dt.date, end: dt.date, scoped: OrderFilter,
                  where: list[ColumnElement[bool]]) -> dict[str, int]:
    """Ledger entries (台账) of orders registered in the period, by ledger."""
    a, b = day_bounds(start, end)
    stmt: Any = (select(LedgerEntry.kind, func.count()).select_from(LedgerEntry)
                 .join(W, W.id == LedgerEntry.work_order_id)
                 .where(W.registered_at >= a, W.registered_at < b, *where))
    rows: list[Any] = list(session.execute(scoped(stmt).group_by(LedgerEntry.kind)))
    return {str(getattr(kind, "value", kind)): int(n) for kind, n in rows}
