"""Every query of spot checks and rectification lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hotline.org.models import Category, Region, Unit
from hotline.spotcheck.models import RectificationItem, RectificationList, SpotCheck, SpotCheckItem
from hotline.supervision.models import LedgerEntry
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder

Scope = Callable[[Select[Any]], Select[Any]]


@dataclass(frozen=True)
class Candidate:
    """An order that may be drawn, with what a stratum is made of."""

    id: int
    unit_id: int
    county: str  # the 6-digit county (or city) code of its place, "" when it has none
    top_category: str  # the top-level category code, "" when unclassified


def population(session: Session, scope: Scope, *, since: dt.datetime, until: dt.datetime, closed_only: bool,
               unit_id: int | None, region_prefix: str | None, category_prefix: str | None) -> list[Candidate]:
    """Orders in the caller's scope registered in ``[since, until)`` that went to a unit (a
    lead unit is set), not merged into another; closed ones only when ``closed_only``."""
    stmt = cast(Select[Any], select(WorkOrder.id, WorkOrder.lead_unit_id, WorkOrder.region_id, WorkOrder.category_id))
    stmt = scope(stmt.where(
        WorkOrder.registered_at >= since, WorkOrder.registered_at < until, WorkOrder.lead_unit_id.is_not(None),
        WorkOrder.merged_into_id.is_(None)))
    if closed_only:
        stmt = stmt.where(WorkOrder.status == Status.closed)
    if unit_id is not None:
        stmt = stmt.where(WorkOrder.lead_unit_id == unit_id)
    if region_prefix:
        stmt = stmt.where(WorkOrder.region_id.in_(
            select(Region.id).where(Region.code.startswith(region_prefix, autoescape=True))))
    if category_prefix:
        stmt = stmt.where(WorkOrder.category_id.in_(
            select(Category.id).where(Category.code.startswith(category_prefix, autoescape=True))))
    rows = session.execute(stmt).all()
    regions: dict[int, str] = {r[0]: r[1] for r in session.execute(select(Region.id, Region.code))}
    categories: dict[int, str] = {r[0]: r[1] for r in session.execute(select(Category.id, Category.code))}
    return [Candidate(r[0], r[1], (regions.get(r[2]) or "")[:6], (categories.get(r[3]) or "")[:2]) for r in rows]


def by_ref(session: Session, model: Any, ref: str) -> Any:
    return session.execute(select(model).where(model.ref == ref)).scalar_one_or_none()


def checks(session: Session, issuers: Select[Any], *, limit: int = 200) -> list[SpotCheck]:
    return list(session.execute(select(SpotCheck).where(SpotCheck.issuer_unit_id.in_(issuers))
                                .order_by(SpotCheck.created_at.desc(), SpotCheck.id.desc()).limit(limit)).scalars())


def items_of(session: Session, check_id: int) -> list[SpotCheckItem]:
    return list(session.execute(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == check_id)
                                .order_by(SpotCheckItem.id)).scalars())


def items_of_checks(session: Session, issuers: Select[Any], *, since: dt.datetime | None = None,
                    until: dt.datetime | None = None) -> list[SpotCheckItem]:
    stmt = select(SpotCheckItem).join(SpotCheck, SpotCheck.id == SpotCheckItem.spot_check_id).where(
        SpotCheck.issuer_unit_id.in_(issuers))
    if since is not None:
        stmt = stmt.where(SpotCheck.created_at >= since)
    if until is not None:
        stmt = stmt.where(SpotCheck.created_at < until)
    return list(session.execute(stmt.order_by(SpotCheckItem.id)).scalars())


def corrections(session: Session, *, unit_id: int | None, issuers: Select[Any] | None, states: Iterable[str],
                due_before: dt.datetime | None = None, limit: int = 500) -> list[SpotCheckItem]:
    """Items with a correction in one of ``states``: of one unit (its own), or of the checks
    of these issuers; those past ``due_before`` only when given; earliest deadline first."""
    stmt = select(SpotCheckItem).where(SpotCheckItem.correction_state.in_(list(states)))
    if unit_id is not None:
        stmt = stmt.where(SpotCheckItem.unit_id == unit_id)
    if issuers is not None:
        stmt = stmt.where(SpotCheckItem.spot_check_id.in_(
            select(SpotCheck.id).where(SpotCheck.issuer_unit_id.in_(issuers))))
    if due_before is not None:
        stmt = stmt.where(SpotCheckItem.correction_due_at < due_before)
    return list(session.execute(stmt.order_by(SpotCheckItem.correction_due_at, SpotCheckItem.id)
                                .limit(limit)).scalars())


def orders(session: Session, ids: Iterable[int]) -> dict[int, WorkOrder]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {o.id: o for o in session.execute(select(WorkOrder).where(WorkOrder.id.in_(wanted))).unique().scalars()}


def units(session: Session, ids: Iterable[int | None]) -> dict[int, Unit]:
    wanted = list({i for i in ids if i is not None})
    if not wanted:
        return {}
    return {u.id: u for u in session.execute(select(Unit).where(Unit.id.in_(wanted))).scalars()}


def checks_by_ids(session: Session, ids: Iterable[int]) -> dict[int, SpotCheck]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {c.id: c for c in session.execute(select(SpotCheck).where(SpotCheck.id.in_(wanted))).scalars()}


def centres_in(region_prefix: str) -> Select[Any]:
    return select(Unit.id).join(Unit.region).where(Region.code.startswith(region_prefix, autoescape=True))


def just(unit_id: int) -> Select[Any]:
    return select(Unit.id).where(Unit.id == unit_id)


# --- rectification lists ---------------------------------------------------------------------


def lists(session: Session, issuers: Select[Any], *, limit: int = 200) -> list[RectificationList]:
    return list(session.execute(select(RectificationList).where(RectificationList.issuer_unit_id.in_(issuers))
                                .order_by(RectificationList.created_at.desc(), RectificationList.id.desc())
                                .limit(limit)).scalars())


def list_items(session: Session, list_id: int) -> list[RectificationItem]:
    return list(session.execute(select(RectificationItem).where(RectificationItem.list_id == list_id)
                                .order_by(RectificationItem.id)).scalars())


def rect_items(session: Session, *, unit_id: int | None, issuers: Select[Any] | None, statuses: Iterable[str],
               due_before: dt.datetime | None = None, limit: int = 500) -> list[RectificationItem]:
    stmt = select(RectificationItem).where(RectificationItem.status.in_(list(statuses)))
    if unit_id is not None:
        stmt = stmt.where(RectificationItem.unit_id == unit_id)
    if issuers is not None:
        stmt = stmt.where(RectificationItem.list_id.in_(
            select(RectificationList.id).where(RectificationList.issuer_unit_id.in_(issuers))))
    if due_before is not None:
        stmt = stmt.where(RectificationItem.due_at < due_before)
    return list(session.execute(stmt.order_by(RectificationItem.due_at, RectificationItem.id).limit(limit)).scalars())


def lists_by_ids(session: Session, ids: Iterable[int]) -> dict[int, RectificationList]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {x.id: x for x in session.execute(select(RectificationList).where(RectificationList.id.in_(wanted)))
            .scalars()}


def ledger_entries(session: Session, scope: Scope, numbers: list[str], kinds: Iterable[str]) -> list[LedgerEntry]:
    """The ledger entries of these kinds on the orders with these numbers that the caller may
    see (``access.ledger_scope``), newest first."""
    if not numbers:
        return []
    stmt = scope(select(LedgerEntry).where(LedgerEntry.kind.in_(list(kinds)), LedgerEntry.work_order_id.in_(
        select(WorkOrder.id).where(WorkOrder.number.in_(numbers)))))
    return list(session.execute(stmt.order_by(LedgerEntry.entered_at.desc(), LedgerEntry.id.desc()))
                .unique().scalars())


def items_listed_from_findings(session: Session, item_ids: list[int]) -> set[int]:
    """Findings already on a rectification list (one click does not list them twice)."""
    if not item_ids:
        return set()
    return {i for i in session.execute(select(RectificationItem.spot_check_item_id).where(
        RectificationItem.spot_check_item_id.in_(item_ids))).scalars() if i is not None}
