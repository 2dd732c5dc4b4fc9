"""Every query of the reports: the report table, and the few lists a report shows beside the
figures of :func:`hotline.analytics.service.statistics` — ledger entries, typical cases, the
orders behind a hotspot or a warning. Counts of orders never come from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.analytics.reports.models import Report
from hotline.org.models import Region, Unit
from hotline.supervision.models import LedgerEntry, LedgerKind
from hotline.workorder.models import Verdict, WorkOrder


def by_ref(session: Session, ref: str) -> Report | None:
    return session.execute(select(Report).where(Report.ref == ref)).scalar_one_or_none()


def region_by_code(session: Session, code: str) -> Region | None:
    return session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def province(session: Session) -> Region | None:
    return session.execute(select(Region).where(Region.parent_id.is_(None)).order_by(Region.id).limit(1)) \
        .scalar_one_or_none()


def region_codes(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {i: c for i, c in session.execute(select(Region.id, Region.code).where(Region.id.in_(wanted)))}


def reports(session: Session, *, region_prefix: str, statuses: Iterable[str], kind: str | None = None,
            limit: int = 200) -> list[Report]:
    places = select(Region.id).where(Region.code.startswith(region_prefix, autoescape=True))
    stmt = select(Report).where(Report.region_id.in_(places), Report.status.in_(list(statuses)))
    if kind:
        stmt = stmt.where(Report.kind == kind)
    order = (Report.issued_at.desc(), Report.created_at.desc(), Report.id.desc())
    return list(session.execute(stmt.order_by(*order).limit(limit)).scalars())


def exists_auto(session: Session, auto_key: str) -> bool:
    return session.execute(select(Report.id).where(Report.auto_key == auto_key)).first() is not None


def add_once(session: Session, report: Report) -> bool:
    """Insert a scheduled draft unless one with its ``auto_key`` exists (another worker, an
    earlier run): False then, and nothing is written."""
    if report.auto_key is not None and exists_auto(session, report.auto_key):
        return False
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        return False
    return True


def centres(session: Session) -> list[Unit]:
    """The hotline centres (province and cities; not county workstations): each gets its own
    scheduled reports."""
    from hotline.org.models import UnitKind

    return list(session.execute(select(Unit).where(Unit.kind == UnitKind.hotline_centre, Unit.active.is_(True))
                                .order_by(Unit.id)).unique().scalars())


def users_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    from hotline.auth.models import User

    wanted = [i for i in set(ids) if i is not None]
    if not wanted:
        return {}
    return {i: n for i, n in session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}


# --- lists beside the figures ------------------------------------------------------------------


def _centres_in(region_prefix: str) -> Select[Any]:
    return select(Unit.id).join(Region, Unit.region_id == Region.id).where(
        Region.code.startswith(region_prefix, autoescape=True))


def daily_ledger(session: Session, *, since: dt.datetime, until: dt.datetime,
                 scope: Callable[[Select[Any]], Select[Any]]) -> list[tuple[LedgerEntry, WorkOrder | None]]:
    """Emergency and stability entries that entered the ledger in ``[since, until)``, within
    ``scope`` (:func:`hotline.auth.access.ledger_scope` of the caller, or a region's centres),
    each with its order, in the order they entered."""
    stmt = scope(select(LedgerEntry).where(
        LedgerEntry.kind.in_((LedgerKind.emergency, LedgerKind.stability)),
        LedgerEntry.entered_at >= since, LedgerEntry.entered_at < until))
    entries = list(session.execute(stmt.order_by(LedgerEntry.entered_at, LedgerEntry.id)).unique().scalars())
    ids = [e.work_order_id for e in entries if e.work_order_id is not None]
    orders = {o.id: o for o in session.execute(select(WorkOrder).where(WorkOrder.id.in_(ids))).unique().scalars()} \
        if ids else {}
    return [(e, orders.get(e.work_order_id) if e.work_order_id else None) for e in entries]


def centre_scope(region_prefix: str) -> Callable[[Select[Any]], Select[Any]]:
    """Ledger entries kept by a centre in the region (as a centre's staff see them)."""
    return lambda stmt: stmt.where(LedgerEntry.centre_unit_id.in_(_centres_in(region_prefix)))


def typical_cases(session: Session, *, region_prefix: str, since: dt.datetime, until: dt.datetime,
                  enterprise: bool | None, limit: int = 5) -> list[WorkOrder]:
    """Closed orders registered in ``[since, until)`` in the region's centres that the citizen
    (or enterprise) was satisfied with, the most recently closed first: candidates for the
    typical cases of a report (staff edit the section before issue)."""
    stmt = select(WorkOrder).where(
        WorkOrder.registered_at >= since, WorkOrder.registered_at < until, WorkOrder.closed_at.is_not(None),
        WorkOrder.final_verdict == Verdict.satisfied, WorkOrder.is_confidential.is_(False),
        WorkOrder.centre_unit_id.in_(_centres_in(region_prefix)))
    if enterprise is not None:
        stmt = stmt.where(WorkOrder.is_enterprise.is_(enterprise))
    return list(session.execute(stmt.order_by(WorkOrder.closed_at.desc(), WorkOrder.id.desc()).limit(limit))
                .unique().scalars())


def orders_by_ids(session: Session, ids: Iterable[int], limit: int = 5000) -> list[WorkOrder]:
    wanted = sorted(set(int(i) for i in ids))[:limit]
    found: list[WorkOrder] = []
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start:start + 1000]
        found += session.execute(select(WorkOrder).where(WorkOrder.id.in_(chunk))).unique().scalars()
    return found
