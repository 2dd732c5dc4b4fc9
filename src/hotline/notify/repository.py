"""Queries of the notification outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.notify.models import Notification, NotificationStatus


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
