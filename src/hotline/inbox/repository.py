"""Queries of the inbox: the events to fan out, their orders and recipients, a user's messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent, AuditHead
from hotline.auth.models import Role, User
from hotline.inbox.models import InboxItem
from hotline.intelligence.models import EarlyWarning
from hotline.kit.db import insert_many
from hotline.workorder.models import Assignment, AssignmentRole, AssignmentState, WorkOrder


def events_after(session: Session, seq: int, actions: Iterable[str], limit: int) -> tuple[list[Row[Any]], int]:
    """The next events after ``seq`` of these actions (``seq, action, object_type, object_id,
    detail, actor_id``), and the sequence number read up to: the last one returned, or the head
    of the chain when fewer than ``limit`` were left (the others are not the inbox's)."""
    head = int(session.execute(select(func.coalesce(func.max(AuditHead.seq), 0))).scalar_one())
    t = AuditEvent.__table__.c
    stmt = (select(t.seq, t.action, t.object_type, t.object_id, t.detail, t.actor_id)
            .where(t.seq > seq, t.seq <= head, t.action.in_(sorted(set(actions)))).order_by(t.seq).limit(limit))
    found: list[Row[Any]] = list(session.execute(stmt))
    return found, (found[-1].seq if len(found) >= limit else max(seq, head))


@dataclass(frozen=True)
class OrderFacts:
    id: int
    number: str
    title: str
    is_confidential: bool
    centre_unit_id: int
    lead_unit_id: int | None
    #: units holding a lead or assisting part now
    units: tuple[int, ...]


def orders(session: Session, ids: Iterable[int]) -> dict[int, OrderFacts]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    parts: dict[int, list[int]] = {}
    for order_id, unit_id in session.execute(
            select(Assignment.work_order_id, Assignment.unit_id)
            .where(Assignment.work_order_id.in_(wanted), Assignment.state == AssignmentState.active,
                   Assignment.role.in_([AssignmentRole.lead, AssignmentRole.assist]))):
        parts.setdefault(order_id, []).append(unit_id)
    rows = session.execute(select(WorkOrder.id, WorkOrder.number, WorkOrder.title, WorkOrder.is_confidential,
                                  WorkOrder.centre_unit_id, WorkOrder.lead_unit_id).where(WorkOrder.id.in_(wanted)))
    return {r.id: OrderFacts(r.id, r.number, r.title, r.is_confidential, r.centre_unit_id, r.lead_unit_id,
                             tuple(sorted(set(parts.get(r.id, []))))) for r in rows}


def warnings(session: Session, ids: Iterable[int]) -> dict[int, int]:
    """Early warning id → its centre."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {i: c for i, c in session.execute(select(EarlyWarning.id, EarlyWarning.centre_unit_id)
                                             .where(EarlyWarning.id.in_(wanted)))}


def users_of(session: Session, unit_ids: Iterable[int], roles: Iterable[Role]) -> dict[int, list[tuple[int, Role]]]:
    """Active staff of these units with these roles: unit → [(user id, role)]."""
    wanted = sorted(set(unit_ids))
    if not wanted:
        return {}
    out: dict[int, list[tuple[int, Role]]] = {}
    for user_id, unit_id, role in session.execute(
            select(User.id, User.unit_id, User.role).where(User.unit_id.in_(wanted), User.role.in_(list(roles)),
                                                           User.active.is_(True), User.is_service.is_(False))
            .order_by(User.id)):
        out.setdefault(unit_id, []).append((user_id, role))
    return out


def users_by_name(session: Session, usernames: Iterable[str]) -> dict[str, tuple[int, Role, int]]:
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    return {name: (uid, role, unit) for uid, name, role, unit in session.execute(
        select(User.id, User.username, User.role, User.unit_id)
        .where(User.username.in_(wanted), User.active.is_(True), User.is_service.is_(False)))}


def add(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, InboxItem, rows)


def unread_count(session: Session, user_id: int, cap: int) -> int:
    inner = select(InboxItem.id).where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None)).limit(cap).subquery()
    return int(session.execute(select(func.count()).select_from(inner)).scalar_one())


def items(session: Session, user_id: int, *, unread: bool, before: int | None, limit: int) -> list[InboxItem]:
    stmt = select(InboxItem).where(InboxItem.user_id == user_id)
    if unread:
        stmt = stmt.where(InboxItem.read_at.is_(None))
    if before is not None:
        stmt = stmt.where(InboxItem.id < before)
    return list(session.scalars(stmt.order_by(InboxItem.id.desc()).limit(limit)))


def by_ref(session: Session, ref: str) -> InboxItem | None:
    return session.scalar(select(InboxItem).where(InboxItem.ref == ref))


def mark_all_read(session: Session, user_id: int, now: dt.datetime) -> int:
    result = session.execute(update(InboxItem).where(InboxItem.user_id == user_id, InboxItem.read_at.is_(None))
                             .values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_read_before(session: Session, before: dt.datetime, limit: int) -> int:
    ids = list(session.scalars(select(InboxItem.id).where(InboxItem.read_at.is_not(None),
                                                          InboxItem.read_at < before).limit(limit)))
    if ids:
        session.execute(delete(InboxItem).where(InboxItem.id.in_(ids)))
    return len(ids)
