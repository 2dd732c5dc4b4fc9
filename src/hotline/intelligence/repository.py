"""Queries of the intelligence package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Row, Select, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, undefer
from sqlalchemy.sql.elements import ColumnElement

from hotline.intelligence.models import (
    DispatchFeedback,
    EarlyWarning,
    HotspotSnapshot,
    HotspotTerm,
    ModelKind,
    ModelStatus,
    ModelVersion,
    PlaceName,
    SpecialList,
)
from hotline.org.models import Category, Region, Unit
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder


def training_examples(session: Session, kind: ModelKind, limit: int) -> list[tuple[str, str]]:
    """The latest ``limit`` closed orders as (text, label): the label a person settled on —
    the order's category code, or its lead unit's id."""
    label = Category.code if kind == ModelKind.category else WorkOrder.lead_unit_id
    stmt = select(WorkOrder.title, WorkOrder.content, label).where(WorkOrder.status == Status.closed)
    if kind == ModelKind.category:
        stmt = stmt.join(Category, Category.id == WorkOrder.category_id)
    else:
        stmt = stmt.where(WorkOrder.lead_unit_id.is_not(None))
    stmt = stmt.order_by(WorkOrder.closed_at.desc(), WorkOrder.id.desc()).limit(limit)
    return [(f"{title} {content}", str(value)) for title, content, value in session.execute(stmt)]


def active(session: Session, kind: ModelKind) -> ModelVersion | None:
    stmt = select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.status == ModelStatus.active)
    return session.execute(stmt.order_by(ModelVersion.id.desc()).limit(1)).scalar_one_or_none()


def active_id(session: Session, kind: ModelKind) -> int | None:
    stmt = select(ModelVersion.id).where(ModelVersion.kind == kind, ModelVersion.status == ModelStatus.active)
    return session.execute(stmt.order_by(ModelVersion.id.desc()).limit(1)).scalar_one_or_none()


def with_artifact(session: Session, version_id: int) -> ModelVersion | None:
    stmt = select(ModelVersion).where(ModelVersion.id == version_id).options(undefer(ModelVersion.artifact))
    return session.execute(stmt).scalar_one_or_none()


def versions(session: Session, kind: ModelKind | None = None, limit: int = 50) -> list[ModelVersion]:
    stmt = select(ModelVersion)
    if kind is not None:
        stmt = stmt.where(ModelVersion.kind == kind)
    return list(session.execute(stmt.order_by(ModelVersion.id.desc()).limit(limit)).scalars())


def next_number(session: Session, kind: ModelKind) -> int:
    found = session.execute(select(func.max(ModelVersion.number)).where(ModelVersion.kind == kind)).scalar_one()
    return int(found or 0) + 1


def last_trained(session: Session, kind: ModelKind) -> dt.datetime | None:
    return session.execute(select(func.max(ModelVersion.trained_at)).where(ModelVersion.kind == kind)).scalar_one()


def retire_active(session: Session, kind: ModelKind) -> None:
    session.execute(update(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.status == ModelStatus.active)
                    .values(status=ModelStatus.standby))


def categories_by_code(session: Session, codes: Iterable[str]) -> dict[str, Category]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {c.code: c for c in session.execute(select(Category).where(Category.code.in_(wanted))).scalars()}


def units_by_id(session: Session, ids: Iterable[int]) -> dict[int, Unit]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {u.id: u for u in session.execute(select(Unit).where(Unit.id.in_(wanted))).scalars()}


def feedback_rates(session: Session, model_ids: Iterable[int]) -> dict[int, dict[str, float]]:
    """Per model version: how many dispatches it advised, and how often the dispatcher's
    choice was its first suggestion or among its three."""
    out: dict[int, dict[str, float]] = {}
    for column, rank in ((DispatchFeedback.category_model_id, DispatchFeedback.category_rank),
                         (DispatchFeedback.unit_model_id, DispatchFeedback.unit_rank)):
        stmt = (select(column, func.count(), func.sum(case((rank == 1, 1), else_=0)),
                       func.sum(case((rank.between(1, 3), 1), else_=0)))
                .where(column.in_(list(model_ids))).group_by(column))
        for model_id, total, first, top3 in session.execute(stmt):
            out[int(model_id)] = {"dispatches": int(total), "first": (first or 0) / max(1, total),
                                  "top3": (top3 or 0) / max(1, total)}
    return out


def region_names(session: Session) -> list[tuple[str, str, str | None]]:
    stmt = select(Region.code, Region.name, Region.short_name).where(Region.active.is_(True))
    return [(code, name, short) for code, name, short in session.execute(stmt)]


def place_names(session: Session) -> list[tuple[str, str]]:
    stmt = select(PlaceName.name, Region.code).join(Region, Region.id == PlaceName.region_id).where(
        Region.active.is_(True))
    return [(name, code) for name, code in session.execute(stmt)]


def regions_by_code(session: Session, codes: Iterable[str]) -> dict[str, Region]:
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {r.code: r for r in session.execute(select(Region).where(Region.code.in_(wanted))).scalars()}


def places(session: Session, *, region_prefix: str, text: str | None, limit: int, offset: int
           ) -> tuple[list[PlaceName], int]:
    stmt = select(PlaceName).join(Region, Region.id == PlaceName.region_id).where(
        Region.code.startswith(region_prefix, autoescape=True))
    if text:
        stmt = stmt.where(PlaceName.name.contains(text, autoescape=True))
    total = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    rows = session.execute(stmt.order_by(PlaceName.name, PlaceName.id).limit(limit).offset(offset)).scalars()
    return list(rows), total


def place_by_name(session: Session, name: str, region_id: int) -> PlaceName | None:
    stmt = select(PlaceName).where(PlaceName.name == name, PlaceName.region_id == region_id)
    return session.execute(stmt).scalar_one_or_none()


# --- early warning ---------------------------------------------------------------------------

#: A cell of the early warning: (first-level category code, county-level region code).
Cell = tuple[str, str]
_category_key: ColumnElement[str] = func.substr(Category.code, 1, 2)
_region_key: ColumnElement[str] = func.substr(Region.code, 1, 6)


def _cells(session: Session, *windows: tuple[dt.datetime, dt.datetime]) -> dict[Cell, int]:
    w = WorkOrder
    stmt = (select(_category_key, _region_key, func.count()).select_from(w)
            .join(Category, Category.id == w.category_id).join(Region, Region.id == w.region_id)
            .where(or_(*(w.registered_at.between(start, end - dt.timedelta(microseconds=1)) for start, end in windows)))
            .group_by(_category_key, _region_key))
    return {(str(c), str(r)): int(n) for c, r, n in session.execute(stmt)}


def cell_counts(session: Session, start: dt.datetime, end: dt.datetime) -> dict[Cell, int]:
    """Orders registered in [start, end), per cell."""
    return _cells(session, (start, end))


def cell_history(session: Session, start: dt.datetime, end: dt.datetime, weeks: int) -> dict[Cell, int]:
    """Orders registered in the same hour of each of the previous ``weeks`` weeks, per cell."""
    if weeks <= 0:
        return {}
    return _cells(session, *((start - dt.timedelta(weeks=k), end - dt.timedelta(weeks=k)) for k in range(1, weeks + 1)))


def first_registered(session: Session) -> dt.datetime | None:
    return session.execute(select(func.min(WorkOrder.registered_at))).scalar_one_or_none()


def orders_in_cell(session: Session, cell: Cell, start: dt.datetime, end: dt.datetime, limit: int = 200
                   ) -> list[Row[Any]]:
    """The orders of a cell in a window (the columns a warning reads: see ``texts_since``)."""
    w = WorkOrder
    stmt = (select(*_WARNED).join(Category, Category.id == w.category_id).join(Region, Region.id == w.region_id)
            .where(w.registered_at >= start, w.registered_at < end, _category_key == cell[0],
                   _region_key == cell[1])
            .order_by(w.registered_at, w.id).limit(limit))
    return list(session.execute(stmt))


#: What a warning reads of its orders: to put them on the emergency ledger and find their centre.
_WARNED = (WorkOrder.id, WorkOrder.lead_unit_id, WorkOrder.centre_unit_id, WorkOrder.region_id,
           WorkOrder.category_id, WorkOrder.registered_at)


def texts_since(session: Session, since: dt.datetime, limit: int = 2000) -> list[Row[Any]]:
    """The orders registered since ``since``, with the columns the emergency scan reads (the
    text, and those of ``orders_in_cell``), not whole orders."""
    stmt = (select(*_WARNED, WorkOrder.title, WorkOrder.content).where(WorkOrder.registered_at >= since)
            .order_by(WorkOrder.id).limit(limit))
    return list(session.execute(stmt))


def warning_raised(session: Session, key: str) -> bool:
    """Whether the warning of this key (a cell or place and its hour) was raised already."""
    return session.execute(select(EarlyWarning.id).where(EarlyWarning.key == key)).first() is not None


def claim_warning(session: Session, values: dict[str, object]) -> int | None:
    """Insert a warning once per key; the new row's id, or None when it was already raised."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(EarlyWarning).values(**values).on_conflict_do_nothing(index_elements=["key"]).returning(
        EarlyWarning.id)
    return session.execute(stmt).scalar_one_or_none()


def warnings(session: Session, *, region_prefix: str, limit: int, offset: int) -> tuple[list[EarlyWarning], int]:
    stmt = select(EarlyWarning).outerjoin(Region, Region.id == EarlyWarning.region_id).where(
        or_(Region.code.startswith(region_prefix, autoescape=True), EarlyWarning.region_id.is_(None)))
    total = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    rows = session.execute(stmt.order_by(EarlyWarning.raised_at.desc(), EarlyWarning.id.desc())
                           .limit(limit).offset(offset)).scalars()
    return list(rows), total


# --- duplicates ----------------------------------------------------------------------------------

#: The latest orders looked at for a duplicate: the caller's, the place's of the same category,
#: and the place's of any category (an appeal filed under another category).
CALLER_CANDIDATES, PLACE_CATEGORY_CANDIDATES, PLACE_CANDIDATES = 30, 150, 60


def duplicate_candidates(session: Session, *, citizen_id: int | None, region_id: int | None,
                         category_id: int | None, since: dt.datetime, exclude_id: int | None,
                         chars: int, scope: Callable[[Select[Any]], Select[Any]],
                         place_limit: int = PLACE_CANDIDATES) -> list[tuple[Any, ...]]:
    """Orders of the same caller or the same place registered since ``since`` (not withdrawn),
    newest first: (id, title, opening of content, citizen id, region code, address, registered at).
    ``scope`` narrows the query to the orders the caller may see."""
    w = WorkOrder
    columns = (w.id, w.title, func.substr(w.content, 1, chars), w.citizen_id, Region.code, w.address,
               w.registered_at)
    queries = []
    if citizen_id is not None:
        queries.append(([w.citizen_id == citizen_id], CALLER_CANDIDATES))
    if region_id is not None and category_id is not None:
        queries.append(([w.region_id == region_id, w.category_id == category_id], PLACE_CATEGORY_CANDIDATES))
    if region_id is not None:
        queries.append(([w.region_id == region_id], place_limit))
    rows: dict[int, tuple[Any, ...]] = {}
    for conditions, limit in queries:
        stmt = scope(select(*columns).select_from(w).outerjoin(Region, Region.id == w.region_id)
                     .where(*conditions, w.registered_at >= since, w.status != Status.withdrawn)
                     .order_by(w.registered_at.desc()).limit(limit))
        for row in session.execute(stmt):
            if row[0] != exclude_id:
                rows[row[0]] = tuple(row)
    return list(rows.values())


def order_briefs(session: Session, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """id → (number, title, status, registered at, merged into)."""
    if not ids:
        return {}
    w = WorkOrder
    stmt = select(w.id, w.number, w.title, w.status, w.registered_at, w.merged_into_id).where(w.id.in_(ids))
    return {r[0]: tuple(r[1:]) for r in session.execute(stmt)}


# --- hotspots ------------------------------------------------------------------------------------


def orders_for_hotspots(session: Session, *, region_prefix: str, start: dt.datetime, end: dt.datetime,
                        limit: int) -> list[tuple[Any, ...]]:
    """(id, title, content, registered at, citizen id) of the period's orders in a region."""
    w = WorkOrder
    stmt = (select(w.id, w.title, func.substr(w.content, 1, 600), w.registered_at, w.citizen_id)
            .join(Region, Region.id == w.region_id)
            .where(Region.code.startswith(region_prefix, autoescape=True), w.registered_at >= start,
                   w.registered_at < end, w.status != Status.withdrawn)
            .order_by(w.registered_at.desc()).limit(limit))
    return [tuple(r) for r in session.execute(stmt)]


def hotspot_snapshot(session: Session, centre_unit_id: int, month: str) -> HotspotSnapshot | None:
    stmt = select(HotspotSnapshot).where(HotspotSnapshot.centre_unit_id == centre_unit_id,
                                         HotspotSnapshot.month == month)
    return session.execute(stmt).scalar_one_or_none()


def special_lists(session: Session, *, unit_id: int, limit: int = 100) -> list[SpecialList]:
    stmt = select(SpecialList).where(or_(SpecialList.centre_unit_id == unit_id, SpecialList.lead_unit_id == unit_id))
    return list(session.execute(stmt.order_by(SpecialList.id.desc()).limit(limit)).scalars())


def centres(session: Session) -> list[Unit]:
    """The province's and the cities' hotline centres (a county workstation's orders are its
    city's)."""
    from hotline.org.models import RegionLevel, UnitKind

    stmt = select(Unit).join(Region, Region.id == Unit.region_id).where(
        Unit.kind == UnitKind.hotline_centre, Unit.active.is_(True),
        Region.level.in_([RegionLevel.province, RegionLevel.city]))
    return list(session.execute(stmt.order_by(Unit.id)).scalars().unique())


def pending_training_kinds(session: Session, job_kind: str) -> set[ModelKind]:
    from hotline.kit.jobs import Job, JobStatus

    kinds: set[ModelKind] = set()
    for (payload,) in session.execute(select(Job.payload).where(Job.kind == job_kind, Job.status == JobStatus.pending)):
        try:
            kinds.add(ModelKind(str((payload or {}).get("kind"))))
        except ValueError:
            continue
    return kinds


def centre_ids(session: Session, region_prefix: str) -> list[int]:
    """The hotline centres and workstations of a region (the owners of its orders)."""
    from hotline.org.models import CENTRE_KINDS

    stmt = select(Unit.id).join(Region, Region.id == Unit.region_id).where(
        Unit.kind.in_(sorted(CENTRE_KINDS)), Region.code.startswith(region_prefix, autoescape=True))
    return list(session.execute(stmt).scalars())


# --- the hotspot term dictionary -----------------------------------------------------------------


def active_terms(session: Session) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """Every active term as (region code, term, kind, synonyms)."""
    stmt = select(Region.code, HotspotTerm.term, HotspotTerm.kind, HotspotTerm.synonyms).join(
        Region, Region.id == HotspotTerm.region_id).where(HotspotTerm.active.is_(True)).order_by(HotspotTerm.id)
    return [(code, term, kind, tuple(synonyms or ())) for code, term, kind, synonyms in session.execute(stmt)]


def terms(session: Session, *, prefixes: list[str], text: str | None, kind: str | None, active: bool | None,
          limit: int, offset: int) -> tuple[list[tuple[HotspotTerm, str]], int]:
    """Terms of the regions whose code starts with one of ``prefixes`` (or equals an exact
    ``=code`` entry: the regions above the caller's), with their region code."""
    exact = [p[1:] for p in prefixes if p.startswith("=")]
    starts = [p for p in prefixes if not p.startswith("=")]
    stmt = select(HotspotTerm, Region.code).join(Region, Region.id == HotspotTerm.region_id).where(
        or_(Region.code.in_(exact), *(Region.code.startswith(p, autoescape=True) for p in starts)))
    if text:
        stmt = stmt.where(HotspotTerm.term.contains(text, autoescape=True))
    if kind:
        stmt = stmt.where(HotspotTerm.kind == kind)
    if active is not None:
        stmt = stmt.where(HotspotTerm.active.is_(active))
    total = int(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    rows = session.execute(stmt.order_by(HotspotTerm.active.desc(), HotspotTerm.term, HotspotTerm.id)
                           .limit(limit).offset(offset))
    return [(t, code) for t, code in rows], total


def term_by_ref(session: Session, ref: str) -> tuple[HotspotTerm, str] | None:
    stmt = select(HotspotTerm, Region.code).join(Region, Region.id == HotspotTerm.region_id).where(
        HotspotTerm.ref == ref)
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row else None


def term_in_region(session: Session, region_id: int, term: str) -> HotspotTerm | None:
    stmt = select(HotspotTerm).where(HotspotTerm.region_id == region_id, HotspotTerm.term == term)
    return session.execute(stmt).scalar_one_or_none()


def terms_of_region(session: Session, region_id: int) -> list[HotspotTerm]:
    return list(session.execute(select(HotspotTerm).where(HotspotTerm.region_id == region_id)).scalars())
