"""The messages as people look at them: an order's message log (what was sent to whom, when,
with what outcome — the number masked), and the administrator's page of failed, pending and
skipped messages, where a failed one is sent again.

An administrator sees the messages of their region: those about the orders of its centres or
to its units (a province administrator: every message). Each message is named by its random
``ref``; retrying is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, crypto
from hotline.kit.errors import Conflict, NotFound
from hotline.notify.models import Notification, NotificationStatus
from hotline.org.models import Region, Unit
from hotline.workorder.models import WorkOrder

REF = re.compile(r"[0-9a-f]{32}")
STATUS_NAMES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败", "skipped": "未发送（无号码）"}
RECIPIENT_NAMES = {"citizen": "诉求人", "unit": "承办单位", "user": "工作人员"}
PAGE = 50


@dataclass(frozen=True)
class MessageRow:
    ref: str
    template: str
    recipient_kind: str
    recipient: str  # masked
    body: str
    status: str
    attempts: int
    last_error: str | None
    gateway_id: str | None
    created_at: object
    sent_at: object
    number: str | None


def _row(n: Notification, number: str | None) -> MessageRow:
    return MessageRow(ref=n.ref or "", template=n.template, recipient_kind=n.recipient_kind,
                      recipient=crypto.mask_phone(n.recipient) or "", body=n.body, status=n.status.value,
                      attempts=n.attempts, last_error=n.last_error, gateway_id=n.gateway_id, created_at=n.created_at,
                      sent_at=n.sent_at, number=number)


def order_log(session: Session, order: WorkOrder) -> list[MessageRow]:
    """An order's messages, oldest first (the caller may see the order)."""
    rows = session.scalars(select(Notification).where(Notification.work_order_id == order.id)
                           .order_by(Notification.id))
    return [_row(n, order.number) for n in rows]


def require_admin(actor: Principal) -> None:
    access.require(actor, Cap.manage_org)


def _scoped(actor: Principal, stmt: Any) -> Any:
    if access.is_province_admin(actor):
        return stmt
    place = select(Region.id).where(Region.code.startswith(actor.region_prefix, autoescape=True))
    units = select(Unit.id).where(Unit.region_id.in_(place))
    return stmt.where(or_(Notification.unit_id.in_(units), WorkOrder.centre_unit_id.in_(units)))


def messages(session: Session, actor: Principal, *, status: NotificationStatus,
             before: int | None = None) -> tuple[list[MessageRow], int | None]:
    """A page of the region's messages in ``status``, newest first, and the ``before`` of the next page."""
    require_admin(actor)
    stmt = _scoped(actor, select(Notification, WorkOrder.number)
                   .outerjoin(WorkOrder, WorkOrder.id == Notification.work_order_id)
                   .where(Notification.status == status))
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    found: list[Any] = list(session.execute(stmt.order_by(Notification.id.desc()).limit(PAGE + 1)))
    more = len(found) > PAGE
    found = found[:PAGE]
    return [_row(r[0], r[1]) for r in found], (found[-1][0].id if more else None)


def count(session: Session, actor: Principal, status: NotificationStatus) -> int:
    """How many of the region's messages are in ``status`` (the administrator's workbench)."""
    require_admin(actor)
    stmt = _scoped(actor, select(func.count()).select_from(Notification)
                   .outerjoin(WorkOrder, WorkOrder.id == Notification.work_order_id)
                   .where(Notification.status == status))
    return int(session.execute(stmt).scalar_one())


def _access(session: Session, actor: Principal, ref: str) -> Notification:
    require_admin(actor)
    if not REF.fullmatch(ref or ""):
        raise NotFound("消息不存在")
    stmt = _scoped(actor, select(Notification, WorkOrder.number)
                   .outerjoin(WorkOrder, WorkOrder.id == Notification.work_order_id).where(Notification.ref == ref))
    row: Any = session.execute(stmt).first()
    if row is None:
        raise NotFound("消息不存在")
    notification: Notification = row[0]
    return notification


def retry(session: Session, actor: Principal, ref: str) -> Notification:
    """Send a failed message again (at once, attempts counted afresh)."""
    n = _access(session, actor, ref)
    if n.status != NotificationStatus.failed:
        raise Conflict(f"该消息{STATUS_NAMES[n.status.value]}，只有发送失败的消息可以重发")
    n.status, n.attempts, n.next_attempt_at = NotificationStatus.pending, 0, clock.now()
    audit.record(session, actor, "notification.retried", object_type="notification", object_id=n.ref,
                 detail={"template": n.template, "last_error": (n.last_error or "")[:100]})
    return n


def retry_failed(session: Session, actor: Principal, limit: int = 1000) -> int:
    """Send every failed message of the region again (up to ``limit``)."""
    rows, _ = messages(session, actor, status=NotificationStatus.failed)
    done = 0
    while rows and done < limit:
        for row in rows:
            retry(session, actor, row.ref)
            done += 1
        rows, _ = messages(session, actor, status=NotificationStatus.failed)
    return done
