"""Queries of the notification outbox."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from hotline.kit.db import table_of
from hotline.notify.models import Notification, NotificationStatus
from hotline.org.models import Region, Unit


def claim_due(session: Session, now: dt.datetime, limit: int) -> list[Notification]:
    """Pending notifications due by ``now``, oldest first, locked for this transaction
    (PostgreSQL ``FOR UPDATE SKIP LOCKED``, so several workers share the queue; SQLite's
    write lock is already held)."""
    stmt = (
        select(Notification)
        .where(Notification.status == NotificationStatus.pending, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class Leased:
    id: int
    recipient: str
    body: str
    gateway_id: str | None
    attempts: int
    channel: str
    created_at: dt.datetime


def lease_due(session: Session, now: dt.datetime, limit: int, until: dt.datetime) -> list[Leased]:
    """Take up to ``limit`` pending notifications due by ``now``, oldest first, and make them
    due again only at ``until`` (so no other worker sends them meanwhile). Core statements:
    the relay runs as often as orders come in. PostgreSQL skips rows another worker holds."""
    t = table_of(Notification)
    stmt = (
        select(t.c.id, t.c.recipient, t.c.body, t.c.gateway_id, t.c.attempts, t.c.channel, t.c.created_at)
        .where(t.c.status == NotificationStatus.pending, t.c.next_attempt_at <= now)
        .order_by(t.c.next_attempt_at, t.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = [Leased(*row) for row in session.execute(stmt)]
    if rows:
        session.execute(update(t).where(t.c.id.in_([r.id for r in rows])).values(next_attempt_at=until))
    return rows


def release(session: Session, ids: list[int], until: dt.datetime, now: dt.datetime) -> None:
    """Hand leased notifications back, due at ``now``: those still pending and still under
    the lease that ends at ``until`` (not settled, not taken by another worker since)."""
    if not ids:
        return
    t = table_of(Notification)
    session.execute(update(t).where(t.c.id.in_(ids), t.c.status == NotificationStatus.pending,
                                    t.c.next_attempt_at == until).values(next_attempt_at=now))


def mark_sent(session: Session, sent: list[tuple[int, int, str | None]], now: dt.datetime) -> None:
    """Record ``(id, attempts, gateway id)`` as sent, one statement for all of them; a row
    settled meanwhile (by another worker) is left as it is."""
    if not sent:
        return
    t = table_of(Notification)
    stmt = (update(t).where(t.c.id == bindparam("b_id"), t.c.status == NotificationStatus.pending)
            .values(status=NotificationStatus.sent, attempts=bindparam("b_attempts"),
                    gateway_id=func.coalesce(bindparam("b_gateway_id"), t.c.gateway_id),
                    sent_at=func.coalesce(t.c.sent_at, bindparam("b_now")), next_attempt_at=None, last_error=None))
    session.execute(stmt, [{"b_id": i, "b_attempts": a, "b_gateway_id": g, "b_now": now} for i, a, g in sent])


def by_ids(session: Session, ids: list[int]) -> list[Notification]:
    """These notifications, locked for this transaction (to record delivery outcomes)."""
    stmt = select(Notification).where(Notification.id.in_(ids)).with_for_update()
    return list(session.execute(stmt.execution_options(populate_existing=True)).scalars())


def for_work_order(session: Session, work_order_id: int) -> list[Notification]:
    """A work order's notifications, oldest first (for its timeline)."""
    stmt = select(Notification).where(Notification.work_order_id == work_order_id).order_by(Notification.id)
    return list(session.execute(stmt).scalars())


def count_by_status(session: Session) -> dict[NotificationStatus, int]:
    """How many notifications are pending, sent and failed (for monitoring)."""
    rows = session.execute(select(Notification.status, func.count()).group_by(Notification.status)).all()
    counts = dict.fromkeys(NotificationStatus, 0)
    counts.update({NotificationStatus(status): n for status, n in rows})
    return counts


@dataclass(frozen=True)
class SkippedUnit:
    """A unit without a contact phone whose texts were skipped: how many, and the latest."""

    unit_id: int
    name: str
    skipped: int
    last_at: dt.datetime


def skipped_units(session: Session, *, region_prefix: str) -> list[SkippedUnit]:
    """Units of the region (code prefix) without a contact phone now and with skipped texts,
    the most skipped first (a unit given a phone since drops off the list)."""
    stmt = (
        select(Unit.id, Unit.name, func.count(Notification.id), func.max(Notification.created_at))
        .join(Notification, Notification.unit_id == Unit.id)
        .join(Region, Region.id == Unit.region_id)
        .where(Notification.status == NotificationStatus.skipped,
               (Unit.contact_phone.is_(None)) | (Unit.contact_phone == ""),
               Region.code.startswith(region_prefix, autoescape=True))
        .group_by(Unit.id, Unit.name)
        .order_by(func.count(Notification.id).desc(), Unit.id)
    )
    return [SkippedUnit(unit_id=row[0], name=row[1], skipped=int(row[2]), last_at=row[3])
            for row in session.execute(stmt)]
