"""Every query of quality inspection and agents' figures (work orders are read through
``hotline.workorder.repository``, never here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hotline.auth.models import Role, User
from hotline.org.models import Region, Unit
from hotline.telephony.models import Call, CallOrder, Seat
from hotline.telephony.quality.models import Checklist, ChecklistItem, Inspection, Sample
from hotline.telephony.stats import rules as stats_rules


def in_region(prefix: str) -> Select[Any]:
    """Ids of the regions whose code starts with ``prefix`` (a region and everything below)."""
    return select(Region.id).where(Region.code.startswith(prefix, autoescape=True))


def region_ids(session: Session, prefix: str) -> list[int]:
    return list(session.execute(in_region(prefix)).scalars())


def region_by_code(session: Session, code: str) -> Region | None:
    return session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def region_code(session: Session, region_id: int) -> str:
    return session.execute(select(Region.code).where(Region.id == region_id)).scalar_one()


# --- checklists -------------------------------------------------------------------------------

def current_checklist(session: Session, region_id: int) -> Checklist | None:
    """The highest version of the region's checklist, else of its nearest parent's."""
    current: int | None = region_id
    while current is not None:
        found = session.execute(select(Checklist).where(Checklist.region_id == current)
                                .order_by(Checklist.version.desc()).limit(1)).scalar_one_or_none()
        if found is not None:
            return found
        current = session.execute(select(Region.parent_id).where(Region.id == current)).scalar_one_or_none()
    return None


def checklist_versions(session: Session, region_id: int) -> list[Checklist]:
    return list(session.execute(select(Checklist).where(Checklist.region_id == region_id)
                                .order_by(Checklist.version.desc())).scalars())


def checklist_by_id(session: Session, checklist_id: int) -> Checklist | None:
    return session.get(Checklist, checklist_id)


def last_version(session: Session, region_id: int, *, lock: bool = False) -> int:
    stmt = select(func.max(Checklist.version)).where(Checklist.region_id == region_id)
    return session.execute(stmt).scalar_one() or 0


def add_checklist(session: Session, checklist: Checklist, items: Sequence[ChecklistItem]) -> Checklist:
    session.add(checklist)
    session.flush()
    for item in items:
        item.checklist_id = checklist.id
        session.add(item)
    session.flush()
    session.refresh(checklist)
    return checklist


# --- agents, seats and their calls ------------------------------------------------------------

def centre_agents(session: Session, prefix: str) -> dict[int, tuple[str, int, str]]:
    """Agents (role agent) of the units of the region: id → (display name, unit id, unit name)."""
    stmt = (select(User.id, User.display_name, Unit.id, Unit.name).join(Unit, Unit.id == User.unit_id)
            .where(User.role == Role.agent, Unit.region_id.in_(in_region(prefix))))
    return {uid: (name, unit_id, unit) for uid, name, unit_id, unit in session.execute(stmt)}


def accounts(session: Session, ids: Sequence[int]) -> dict[int, tuple[str, int, str]]:
    """id → (display name, unit id, unit name) of these accounts."""
    if not ids:
        return {}
    stmt = (select(User.id, User.display_name, Unit.id, Unit.name).join(Unit, Unit.id == User.unit_id)
            .where(User.id.in_(sorted(set(ids)))))
    return {uid: (name, unit_id, unit) for uid, name, unit_id, unit in session.execute(stmt)}


def inspectors(session: Session, prefix: str) -> list[int]:
    """Active centre supervisors (the inspectors) of the region."""
    stmt = (select(User.id).join(Unit, Unit.id == User.unit_id)
            .where(User.role == Role.centre_supervisor, User.active.is_(True), Unit.region_id.in_(in_region(prefix))))
    return list(session.execute(stmt).scalars())


#: Bounding ``offered_at`` too lets the (region, offered, answered) index narrow to the period.
MAX_RING = stats_rules.MAX_RING


def _answered(prefix: str, start: dt.datetime, end: dt.datetime) -> list[Any]:
    return [Call.region_id.in_(in_region(prefix)), Call.offered_at >= start - MAX_RING, Call.offered_at < end,
            Call.answered_at >= start, Call.answered_at < end, Call.agent_id.is_not(None)]


def seats_by_id(session: Session, ids: Sequence[int]) -> dict[int, Seat]:
    if not ids:
        return {}
    return {s.id: s for s in session.execute(select(Seat).where(Seat.id.in_(sorted(set(ids))))).scalars()}


def region_seats(session: Session, prefix: str) -> list[Seat]:
    return list(session.execute(select(Seat).where(Seat.region_id.in_(in_region(prefix)))
                                .order_by(Seat.code)).scalars())


def answered_calls(session: Session, prefix: str, start: dt.datetime, end: dt.datetime
                   ) -> list[tuple[int, int]]:
    """(call id, agent id) of the calls answered in the region in ``[start, end)``."""
    stmt = select(Call.id, Call.agent_id).where(*_answered(prefix, start, end)).order_by(Call.id)
    return [(c, int(a or 0)) for c, a in session.execute(stmt)]


def calls_by_id(session: Session, ids: Sequence[int]) -> dict[int, Call]:
    if not ids:
        return {}
    return {c.id: c for c in session.execute(select(Call).where(Call.id.in_(sorted(set(ids))))).scalars()}


def call_by_ref(session: Session, ref: str) -> Call | None:
    return session.execute(select(Call).where(Call.ref == ref)).scalar_one_or_none()


def orders_of_call(session: Session, call_id: int) -> list[int]:
    return list(session.execute(select(CallOrder.order_id).where(CallOrder.call_id == call_id)
                                .order_by(CallOrder.order_id)).scalars())


def calls_of_order(session: Session, order_id: int) -> list[Call]:
    return list(session.execute(select(Call).join(CallOrder, CallOrder.call_id == Call.id)
                                .where(CallOrder.order_id == order_id).order_by(Call.id)).scalars())


def centre_region_of_unit(session: Session, unit_id: int) -> int:
    return session.execute(select(Unit.region_id).where(Unit.id == unit_id)).scalar_one()


# --- inspections ------------------------------------------------------------------------------

def inspection_by_ref(session: Session, ref: str) -> Inspection | None:
    return session.execute(select(Inspection).where(Inspection.ref == ref)).scalar_one_or_none()


def inspected_calls(session: Session, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    found: set[int] = set()
    for chunk in range(0, len(ids), 500):
        found.update(session.execute(select(Inspection.call_id).where(
            Inspection.call_id.in_(list(ids[chunk:chunk + 500])))).scalars())  # type: ignore[arg-type]
    return found


def inspected_orders(session: Session, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    found: set[int] = set()
    for chunk in range(0, len(ids), 500):
        found.update(session.execute(select(Inspection.order_id).where(
            Inspection.order_id.in_(list(ids[chunk:chunk + 500])))).scalars())  # type: ignore[arg-type]
    return found


def add(session: Session, row: Any) -> None:
    session.add(row)


def list_inspections(session: Session, *, prefix: str, agent_id: int | None, statuses: Sequence[str] | None,
                     start: dt.datetime | None, end: dt.datetime | None, sample_id: int | None,
                     limit: int, offset: int) -> tuple[list[Inspection], int]:
    stmt = select(Inspection).where(Inspection.region_id.in_(in_region(prefix)))
    if agent_id is not None:
        stmt = stmt.where(Inspection.agent_id == agent_id)
    if statuses:
        stmt = stmt.where(Inspection.status.in_(list(statuses)))
    if start is not None:
        stmt = stmt.where(Inspection.work_at >= start)
    if end is not None:
        stmt = stmt.where(Inspection.work_at < end)
    if sample_id is not None:
        stmt = stmt.where(Inspection.sample_id == sample_id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Inspection.work_at.desc(), Inspection.id.desc())
                           .limit(limit).offset(offset)).scalars()
    return list(rows), total


def scored_inspections(session: Session, prefix: str, start: dt.datetime, end: dt.datetime,
                       statuses: Sequence[str]) -> list[tuple[int, int | None, str | None, float, float]]:
    """(agent, unit, operator, score, max score) of the scored inspections of work done in
    ``[start, end)`` in the region."""
    stmt = (select(Inspection.agent_id, Inspection.unit_id, Inspection.operator, Inspection.score,
                   Inspection.max_score)
            .where(Inspection.region_id.in_(in_region(prefix)), Inspection.work_at >= start,
                   Inspection.work_at < end, Inspection.status.in_(list(statuses)), Inspection.score.is_not(None)))
    return [(a, u, o, float(s or 0), float(m)) for a, u, o, s, m in session.execute(stmt)]


def unit_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(sorted(set(ids)))))
            }


def sample_by_ref(session: Session, ref: str) -> Sample | None:
    return session.execute(select(Sample).where(Sample.ref == ref)).scalar_one_or_none()


def items_by_id(session: Session, ids: Sequence[int]) -> dict[int, ChecklistItem]:
    if not ids:
        return {}
    return {i.id: i for i in session.execute(select(ChecklistItem).where(ChecklistItem.id.in_(sorted(set(ids)))))
            .scalars()}
