"""Queries of the organisation model."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.kit import cache
from hotline.org.models import AppealType, Category, Channel, Region, RegionLevel, Unit, UnitKind, unit_category

T = TypeVar("T")

def region_by_code(session: Session, code: str) -> Region | None:
    return session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def list_regions(
    session: Session, *, q: str | None = None, parent_code: str | None = None,
    level: RegionLevel | None = None, prefix: str | None = None, limit: int = 500, offset: int = 0,
) -> tuple[list[Region], int]:
    stmt = select(Region)
    if q:
        stmt = stmt.where(Region.name.contains(q, autoescape=True) | Region.code.startswith(q, autoescape=True))
    if parent_code:
        parent = region_by_code(session, parent_code)
        stmt = stmt.where(Region.parent_id == (parent.id if parent else -1))
    if level:
        stmt = stmt.where(Region.level == level)
    if prefix:
        stmt = stmt.where(Region.code.startswith(prefix, autoescape=True))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Region.code).limit(limit).offset(offset)).scalars().all()
    return list(rows), total


def all_regions(session: Session) -> list[Region]:
    return list(session.execute(select(Region).order_by(Region.code)).scalars())


def active_units_in_region(session: Session, region_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(Unit).where(Unit.region_id == region_id, Unit.active.is_(True))
    ).scalar_one()


def active_child_regions(session: Session, region_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(Region).where(Region.parent_id == region_id, Region.active.is_(True))
    ).scalar_one()


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()


def list_units(
    session: Session, *, q: str | None = None, kind: UnitKind | None = None,
    region_prefix: str | None = None, category_id: int | None = None, active: bool | None = None,
    limit: int = 100, offset: int = 0,
) -> tuple[list[Unit], int]:
    stmt = select(Unit).join(Unit.region)
    if q:
        stmt = stmt.where(Unit.name.contains(q, autoescape=True) | Unit.code.startswith(q, autoescape=True))
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if region_prefix:
        stmt = stmt.where(Region.code.startswith(region_prefix, autoescape=True))
    if category_id:
        stmt = stmt.where(Unit.categories.any(Category.id == category_id))
    if active is not None:
        stmt = stmt.where(Unit.active.is_(active))
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Region.code, Unit.kind, Unit.code).limit(limit).offset(offset))
    return list(rows.scalars().unique()), total


def all_units(session: Session) -> list[Unit]:
    return list(session.execute(select(Unit).order_by(Unit.code)).scalars().unique())


def category_by_code(session: Session, code: str) -> Category | None:
    return session.execute(select(Category).where(Category.code == code)).scalar_one_or_none()


def all_categories(session: Session) -> list[Category]:
    return list(session.execute(select(Category).order_by(Category.code)).scalars())


def categories_by_ids(session: Session, ids: list[int]) -> list[Category]:
    if not ids:
        return []
    return list(session.execute(select(Category).where(Category.id.in_(ids))).scalars())


def sibling_named(session: Session, parent_id: int | None, name: str, exclude_id: int | None) -> bool:
    stmt = select(Category.id).where(Category.name == name)
    stmt = stmt.where(Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id)
    if exclude_id is not None:
        stmt = stmt.where(Category.id != exclude_id)
    return session.execute(stmt.limit(1)).first() is not None


def max_child_code(session: Session, parent_id: int | None) -> list[str]:
    stmt = select(Category.code)
    stmt = stmt.where(Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id)
    return list(session.execute(stmt).scalars())


def category_parent_map(session: Session) -> dict[int, int | None]:
    return {cid: pid for cid, pid in session.execute(select(Category.id, Category.parent_id))}


def list_channels(session: Session) -> list[Channel]:
    return list(session.execute(select(Channel).order_by(Channel.id)).scalars())


def channel_by_code(session: Session, code: str) -> Channel | None:
    return session.execute(select(Channel).where(Channel.code == code)).scalar_one_or_none()


def list_appeal_types(session: Session) -> list[AppealType]:
    return list(session.execute(select(AppealType).order_by(AppealType.sort, AppealType.code)).scalars())


def count_units(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Unit)).scalar_one()


def count_regions(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Region)).scalar_one()


def count_categories(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Category)).scalar_one()


def ancestors_of_category(session: Session, category_id: int) -> list[int]:
    """The category and every category above it, nearest first."""
    parents: dict[int, int | None] = _REFERENCE.get_or_load(("category_parents",),
                                                            lambda: category_parent_map(session))
    chain: list[int] = []
    node: int | None = category_id
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    return chain


def units_in_region(session: Session, region_id: int, kind: UnitKind, utility_type: str | None = None) -> list[Unit]:
    stmt = select(Unit).where(Unit.region_id == region_id, Unit.kind == kind, Unit.active.is_(True))
    if utility_type is not None:
        stmt = stmt.where(Unit.utility_type == utility_type)
    return list(session.execute(stmt.order_by(Unit.code)).scalars().unique())


def region_chain(session: Session, region: Region) -> list[Region]:
    """The region and its ancestors, nearest first (township → county → city → province)."""
    chain: list[Region] = []
    node: Region | None = region
    while node is not None and node not in chain:
        chain.append(node)
        node = node.parent
    return chain


def centre_for_region(session: Session, region: Region | None) -> Unit | None:
    """The hotline centre that owns appeals from a place: its county workstation, else its
    city centre, else the province centre."""
    chain = region_chain(session, region) if region is not None else []
    for node in chain:
        for kind in (UnitKind.workstation, UnitKind.hotline_centre):
            found = units_in_region(session, node.id, kind)
            if found:
                return found[0]
    stmt = select(Unit).join(Unit.region).where(Unit.kind == UnitKind.hotline_centre, Unit.active.is_(True),
                                                Region.level == RegionLevel.province)
    return session.execute(stmt.order_by(Unit.id).limit(1)).scalars().first()


# --- cached reference lookups ----------------------------------------------------------------
# The intake path reads these on every order; they come from the reference cache
# (hotline.kit.cache), cleared whenever a region, unit, category, channel or appeal type
# changes. Administration pages use the uncached queries above.

cache.watch(Region, Unit, Category, Channel, AppealType)
_REFERENCE = cache.reference_cache()


def _one(rows: list[T]) -> T | None:
    return rows[0] if rows else None


def cached_region_by_code(session: Session, code: str) -> Region | None:
    return _one(cache.cached_rows(session, _REFERENCE, ("region", code),
                                  lambda: [r for r in [region_by_code(session, code)] if r is not None]))


def cached_category_by_code(session: Session, code: str) -> Category | None:
    return _one(cache.cached_rows(session, _REFERENCE, ("category", code),
                                  lambda: [c for c in [category_by_code(session, code)] if c is not None]))


def cached_channel_by_code(session: Session, code: str) -> Channel | None:
    return _one(cache.cached_rows(session, _REFERENCE, ("channel", code),
                                  lambda: [c for c in [channel_by_code(session, code)] if c is not None]))


def cached_appeal_type(session: Session, code: str) -> AppealType | None:
    return _one(cache.cached_rows(session, _REFERENCE, ("appeal_type", code),
                                  lambda: [t for t in [session.get(AppealType, code)] if t is not None]))


def _attached(session: Session, region: Region) -> Region:
    """The region as an object of this session (a cached copy cannot walk to its parent)."""
    return session.get(Region, region.id) or region


def cached_region_chain(session: Session, region: Region) -> list[Region]:
    return cache.cached_rows(session, _REFERENCE, ("chain", region.id),
                             lambda: region_chain(session, _attached(session, region)))


def cached_units_in_region(session: Session, region_id: int, kind: UnitKind,
                           utility_type: str | None = None) -> list[Unit]:
    return cache.cached_rows(session, _REFERENCE, ("units", region_id, kind, utility_type),
                             lambda: units_in_region(session, region_id, kind, utility_type))


def cached_centre_for_region(session: Session, region: Region | None) -> Unit | None:
    key = ("centre", region.id if region is not None else None)
    return _one(cache.cached_rows(session, _REFERENCE, key,
                                  lambda: [u for u in [centre_for_region(
                                      session, _attached(session, region) if region is not None else None)]
                                      if u is not None]))


def competence_index(session: Session) -> dict[int, dict[int, frozenset[int]]]:
    """Every competence of an active unit: ``region id → category id → unit ids``."""
    stmt = (
        select(Unit.region_id, unit_category.c.category_id, unit_category.c.unit_id)
        .join(Unit, Unit.id == unit_category.c.unit_id)
        .where(Unit.active.is_(True))
    )
    index: dict[int, dict[int, set[int]]] = {}
    for region_id, category_id, unit_id in session.execute(stmt):
        index.setdefault(int(region_id), {}).setdefault(int(category_id), set()).add(int(unit_id))
    return {r: {c: frozenset(u) for c, u in cats.items()} for r, cats in index.items()}


def cached_competences(session: Session, category_ids: list[int], region_ids: list[int]) -> dict[int, frozenset[int]]:
    """For each active unit in these regions competent for any of these categories, which of
    them it is competent for (``unit id → category ids``), from the cached competence index
    (one query fills it for every place and category)."""
    if cache.changes_reference(session):
        index = competence_index(session)
    else:
        index = _REFERENCE.get_or_load(("competence_index",), lambda: competence_index(session))
    found: dict[int, set[int]] = {}
    for region_id in region_ids:
        by_category = index.get(region_id, {})
        for category_id in category_ids:
            for unit_id in by_category.get(category_id, ()):
                found.setdefault(unit_id, set()).add(category_id)
    return {unit_id: frozenset(cats) for unit_id, cats in found.items()}


def cached_unit(session: Session, unit_id: int) -> Unit | None:
    return _one(cache.cached_rows(session, _REFERENCE, ("unit", unit_id),
                                  lambda: [u for u in [session.get(Unit, unit_id)] if u is not None]))
