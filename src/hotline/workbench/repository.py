"""The workbench's counts and short lists: narrow reads, each along an index, of what a role acts on.

The workbench only reads (the orders, ledgers, letters, knowledge, notifications and audit
events through their own tables, as analytics does); every list it shows opens the domain's own
page or the order search, whose counts agree with these (the tests compare them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent
from hotline.intelligence.models import EarlyWarning
from hotline.knowledge.models import KnowledgeItem, KnowledgeVersion, PolicyDocument, VersionStatus
from hotline.org.models import Region, Unit
from hotline.supervision.models import LedgerEntry, LedgerKind, SupervisionLetter
from hotline.workorder.lifecycle import OPEN_STATUSES, Status
from hotline.workorder.models import (
    Assignment,
    AssignmentRole,
    AssignmentState,
    Callback,
    Extension,
    WorkOrder,
)

W = WorkOrder
Scope = Callable[[Select[Any]], Select[Any]]
#: The statuses in a unit's hands (signed or not): the handling deadline runs.
IN_HAND = (Status.dispatched, Status.handling)
#: Orders waiting for their callback, as the partial index ix_work_order_callback_due says it
#: (a literal: a planner proves a partial index usable only from the same term).
WAITING_CALLBACK = W.status == literal_column(f"'{Status.callback.value}'")


@dataclass(frozen=True)
class OrderLine:
    number: str
    title: str
    status: Status
    is_enterprise: bool
    is_confidential: bool
    registered_at: dt.datetime
    sign_due_at: dt.datetime | None
    due_at: dt.datetime | None
    lead_unit: str | None
    urge_count: int
    rehandle_count: int


def _lines(session: Session, stmt: Select[Any]) -> list[OrderLine]:
    ids = list(session.execute(stmt).scalars())
    if not ids:
        return []
    lead = select(Unit.name).where(Unit.id == W.lead_unit_id).scalar_subquery()
    rows = session.execute(select(W.id, W.number, W.title, W.status, W.is_enterprise, W.is_confidential,
                                  W.registered_at, W.sign_due_at, W.due_at, lead, W.urge_count, W.rehandle_count)
                           .where(W.id.in_(ids)))
    found = {r[0]: OrderLine(*tuple(r)[1:]) for r in rows}
    return [found[i] for i in ids if i in found]


def count(session: Session, stmt: Select[Any]) -> int:
    return int(session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())


# --- a unit's inbox -------------------------------------------------------------------------------


def unit_orders(unit_id: int, *, lead_only: bool = False) -> Select[Any]:
    """The ids of the orders the unit holds now (its active assignments), from the inbox index."""
    stmt = select(Assignment.work_order_id).where(Assignment.unit_id == unit_id,
                                                  Assignment.state == AssignmentState.active)
    if lead_only:
        stmt = stmt.where(Assignment.role == AssignmentRole.lead)
    return stmt


def unit_queue(unit_id: int, *conditions: Any, lead_only: bool = False) -> Select[Any]:
    return select(W.id).where(W.id.in_(unit_orders(unit_id, lead_only=lead_only)), *conditions)


def unit_lines(session: Session, unit_id: int, *conditions: Any, order: Any, limit: int,
               lead_only: bool = False) -> list[OrderLine]:
    return _lines(session, unit_queue(unit_id, *conditions, lead_only=lead_only)
                  .order_by(W.is_enterprise.desc(), order, W.id).limit(limit))


def unit_letters(session: Session, unit_id: int, limit: int) -> tuple[int, list[tuple[SupervisionLetter, str]]]:
    """The supervision letters the unit has not answered yet, soonest due first, with the order number."""
    base = select(SupervisionLetter.id).where(SupervisionLetter.unit_id == unit_id,
                                              SupervisionLetter.responded_at.is_(None))
    return count(session, base), _letters(session, base, limit)


def _letters(session: Session, base: Select[Any], limit: int) -> list[tuple[SupervisionLetter, str]]:
    ids = list(session.execute(base.order_by(SupervisionLetter.due_at, SupervisionLetter.id).limit(limit)).scalars())
    if not ids:
        return []
    rows = session.execute(select(SupervisionLetter, W.number).join(W, W.id == SupervisionLetter.work_order_id)
                           .where(SupervisionLetter.id.in_(ids)).order_by(SupervisionLetter.due_at,
                                                                          SupervisionLetter.id))
    return [(letter, number) for letter, number in rows.unique()]


# --- a centre's queues ----------------------------------------------------------------------------


def scoped(scope: Scope, *conditions: Any) -> Select[Any]:
    return scope(select(W.id).where(*conditions))


def centre_lines(session: Session, scope: Scope, *conditions: Any, order: Any, limit: int) -> list[OrderLine]:
    return _lines(session, scoped(scope, *conditions).order_by(order, W.id).limit(limit))


def pending_extensions(scope: Scope) -> Select[Any]:
    return scoped(scope, W.id.in_(select(Extension.work_order_id).where(Extension.decision == "pending")))


@dataclass(frozen=True)
class UnitDeadlines:
    unit_id: int
    code: str
    name: str
    due_soon: int
    overdue: int


def deadlines_by_unit(session: Session, scope: Scope, limit: int) -> list[UnitDeadlines]:
    """Orders in a unit's hands about to pass (warned by the deadline sweep) or past their
    deadline, per lead unit, most overdue first."""
    soon = case((and_(W.due_soon_warned_at.is_not(None), W.overdue_at.is_(None)), 1), else_=0)
    late = case((W.overdue_at.is_not(None), 1), else_=0)
    grouped: Select[Any] = select(W.lead_unit_id, func.sum(soon), func.sum(late))  # type: ignore[assignment]
    # the terms of the partial index ix_work_order_in_hand_late, with literals (see WAITING_CALLBACK)
    in_hand = W.status.in_([literal_column(f"'{s.value}'") for s in IN_HAND])
    stmt = scope(grouped.where(in_hand, or_(W.overdue_at.is_not(None), W.due_soon_warned_at.is_not(None)),
                               W.lead_unit_id.is_not(None))
                 .group_by(W.lead_unit_id))
    found: list[Any] = list(session.execute(stmt))
    rows = sorted(((int(r[0]), int(r[1] or 0), int(r[2] or 0)) for r in found),
                  key=lambda r: (-r[2], -r[1], r[0]))[:limit]
    names = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_([r[0] for r in rows])))}
    return [UnitDeadlines(u, names[u].code, names[u].name, s, o) for u, s, o in rows if u in names]


def direct_failures(session: Session, scope: Scope, since: dt.datetime, limit: int) -> list[OrderLine]:
    """Orders a catalogue entry matched but could not be sent straight to a unit (no such unit
    at the place), still waiting for a dispatcher."""
    ids = select(cast(AuditEvent.object_id, Integer)).where(
        AuditEvent.action == "work_order.direct_dispatch_failed", AuditEvent.at >= since)
    return centre_lines(session, scope, W.id.in_(ids), W.status == Status.registered, order=W.registered_at,
                        limit=limit)


def centre_letters(session: Session, centre_ids: list[int] | None, limit: int
                   ) -> tuple[int, list[tuple[SupervisionLetter, str]]]:
    """Letters of the centres (None: every centre) still unanswered: how many, and the soonest due."""
    base = select(SupervisionLetter.id).where(SupervisionLetter.responded_at.is_(None))
    if centre_ids is not None:
        base = base.where(SupervisionLetter.centre_unit_id.in_(centre_ids))
    return count(session, base), _letters(session, base, limit)


def late_letters(session: Session, centre_ids: list[int] | None, now: dt.datetime) -> int:
    base = select(SupervisionLetter.id).where(SupervisionLetter.responded_at.is_(None), SupervisionLetter.due_at < now)
    if centre_ids is not None:
        base = base.where(SupervisionLetter.centre_unit_id.in_(centre_ids))
    return count(session, base)


def escalations_since(session: Session, centre_ids: list[int] | None, since: dt.datetime) -> int:
    stmt = select(LedgerEntry.id).where(LedgerEntry.kind == LedgerKind.escalated, LedgerEntry.entered_at >= since)
    if centre_ids is not None:
        stmt = stmt.where(LedgerEntry.centre_unit_id.in_(centre_ids))
    return count(session, stmt)


def warnings_since(session: Session, region_prefix: str, since: dt.datetime) -> int:
    place = select(Region.id).where(Region.code.startswith(region_prefix, autoescape=True))
    centres = select(Unit.id).where(Unit.region_id.in_(place))
    return count(session, select(EarlyWarning.id).where(EarlyWarning.window_end >= since,
                                                        EarlyWarning.centre_unit_id.in_(centres)))


# --- knowledge, notifications, audit -------------------------------------------------------------


def knowledge_items(session: Session, status: VersionStatus, *, owner_unit_id: int | None = None,
                    region_prefix: str | None = None, limit: int
                    ) -> tuple[int, list[tuple[int, str, dt.datetime | None]]]:
    """Items whose latest version is in ``status`` (of one unit, or of the units of a region):
    how many, and the oldest few (id, question, when it was last changed)."""
    v = KnowledgeVersion
    stmt = select(KnowledgeItem.id).join(v, v.id == KnowledgeItem.latest_version_id).where(v.status == status)
    if owner_unit_id is not None:
        stmt = stmt.where(KnowledgeItem.owner_unit_id == owner_unit_id)
    if region_prefix is not None:
        place = select(Region.id).where(Region.code.startswith(region_prefix, autoescape=True))
        stmt = stmt.where(KnowledgeItem.owner_unit_id.in_(select(Unit.id).where(Unit.region_id.in_(place))))
    changed = func.coalesce(v.submitted_at, v.created_at)
    rows = session.execute(stmt.with_only_columns(KnowledgeItem.id, v.question, changed)
                           .order_by(changed, KnowledgeItem.id).limit(limit))
    return count(session, stmt), [(int(i), str(q), at) for i, q, at in rows]


def published_since(session: Session, since: dt.datetime, limit: int
                    ) -> tuple[int, list[tuple[int, str, dt.datetime | None]]]:
    v = KnowledgeVersion
    stmt = select(v.item_id).where(v.status == VersionStatus.published, v.published_at >= since)
    rows = session.execute(stmt.with_only_columns(v.item_id, v.question, v.published_at)
                           .order_by(v.published_at.desc()).limit(limit))
    return count(session, stmt), [(int(i), str(q), at) for i, q, at in rows]


def unsettled_documents(session: Session, region_prefix: str | None, owner_unit_id: int | None,
                        limit: int) -> tuple[int, list[PolicyDocument]]:
    """Policy documents whose knowledge items are not all published yet (the 7-working-day
    rule), soonest due first."""
    stmt = select(PolicyDocument).where(PolicyDocument.settled_at.is_(None))
    if owner_unit_id is not None:
        stmt = stmt.where(PolicyDocument.owner_unit_id == owner_unit_id)
    if region_prefix is not None:
        place = select(Region.id).where(Region.code.startswith(region_prefix, autoescape=True))
        stmt = stmt.where(PolicyDocument.region_id.in_(place))
    docs = list(session.scalars(stmt.order_by(PolicyDocument.due_on, PolicyDocument.id).limit(limit)).unique())
    return count(session, stmt.with_only_columns(PolicyDocument.id)), docs


def events_since(session: Session, actions: tuple[str, ...], since: dt.datetime, limit: int
                 ) -> tuple[int, list[AuditEvent]]:
    stmt = select(AuditEvent).where(AuditEvent.action.in_(actions), AuditEvent.at >= since)
    rows = list(session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))
    return count(session, stmt.with_only_columns(AuditEvent.id)), rows


def last_event(session: Session, action: str) -> AuditEvent | None:
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                           .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)).first()


def open_statuses() -> list[Status]:
    return sorted(OPEN_STATUSES)


def unreached_callbacks(session: Session, numbers: list[str]) -> dict[str, tuple[int, dt.datetime]]:
    """For orders waiting for their callback: the unreached attempts of the current round (count,
    the last one's time), by order number — the agent's retries (再次回访)."""
    if not numbers:
        return {}
    rows = session.execute(
        select(W.number, func.count(Callback.id), func.max(Callback.at))
        .join(Callback, and_(Callback.work_order_id == W.id, Callback.round == W.rehandle_count + 1,
                             Callback.reached.is_(False)))
        .where(W.number.in_(numbers)).group_by(W.number))
    return {number: (int(n), at) for number, n, at in rows}
