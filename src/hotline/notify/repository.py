"""Queries of the notification outbox."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.kit.jobs import Job
from hotline.notify.models import Notification, NotificationStatus


def for_delivery(session: Session, notification_id: int) -> Notification | None:
    """The notification, locked for this transaction (PostgreSQL ``FOR UPDATE``; SQLite's
    write lock is already held), so two jobs for one notification never both send it."""
    stmt = (
        select(Notification)
        .where(Notification.id == notification_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one_or_none()


def job_by_dedupe_key(session: Session, key: str) -> Job | None:
    """The job enqueued under ``key``; inside a handler this is the running job itself
    (already claimed and locked by the worker)."""
    return session.execute(select(Job).where(Job.dedupe_key == key)).scalar_one_or_none()


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
