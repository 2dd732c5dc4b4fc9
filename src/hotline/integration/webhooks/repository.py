"""Queries of the push: the allow-list, subscriptions, the events to push (audit rows after a
cursor), the deliveries' outbox and log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent
from hotline.auth.models import User
from hotline.citizen.models import Citizen
from hotline.integration.webhooks.lifecycle import PUSHED_ACTIONS, UNREACHABLE, Target
from hotline.integration.webhooks.models import AllowedTarget, Delivery, DeliveryStatus, Subscription, SubscriptionState
from hotline.intelligence.models import EarlyWarning
from hotline.kit.db import insert_many
from hotline.org.models import Category, Region, Unit
from hotline.workorder.models import WorkOrder


def targets(session: Session) -> list[Target]:
    return [Target(p, h) for p, h in session.execute(select(AllowedTarget.pattern, AllowedTarget.allow_http))]


def allowed_targets(session: Session) -> list[AllowedTarget]:
    return list(session.execute(select(AllowedTarget).order_by(AllowedTarget.pattern)).scalars())


def target_by_ref(session: Session, ref: str) -> AllowedTarget | None:
    return session.execute(select(AllowedTarget).where(AllowedTarget.ref == ref)).scalar_one_or_none()


def target_by_pattern(session: Session, pattern: str) -> AllowedTarget | None:
    return session.execute(select(AllowedTarget).where(AllowedTarget.pattern == pattern)).scalar_one_or_none()


def subscription_by_ref(session: Session, ref: str) -> Subscription | None:
    return session.execute(select(Subscription).where(Subscription.ref == ref)).scalar_one_or_none()


def subscriptions_in(session: Session, region_prefix: str) -> list[Subscription]:
    stmt = (select(Subscription).join(Region, Subscription.region_id == Region.id)
            .where(Region.code.startswith(region_prefix, autoescape=True)).order_by(Subscription.id))
    return list(session.execute(stmt).scalars())


def region_code(session: Session, region_id: int) -> str:
    return session.execute(select(Region.code).where(Region.id == region_id)).scalar_one()


def user_by_username(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def last_seq(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(AuditEvent.seq), 0))).scalar_one())


def subscriptions_to_fan_out(session: Session, *, lock: bool) -> list[Subscription]:
    """Every subscription behind the head of the audit chain, locked on PostgreSQL (another
    worker fanning out at the same moment skips them rather than writing them twice)."""
    stmt = select(Subscription).where(Subscription.cursor < select(func.coalesce(func.max(AuditEvent.seq), 0))
                                      .scalar_subquery()).order_by(Subscription.id)
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.execute(stmt).scalars())


def events_after(session: Session, seq: int, limit: int, *, until: int | None = None) -> list[Row[Any]]:
    """The pushed kinds of audit events after ``seq`` (up to ``until``), in order: ``seq``,
    ``at``, ``action``, ``object_type``, ``object_id``, ``detail``. The audit chain takes its
    sequence number under the chain's lock at commit, so numbers become visible in order and
    a reader past ``seq`` never misses one committed later (the feed's cursor is gap-free)."""
    t = AuditEvent.__table__.c
    stmt = select(t.seq, t.at, t.action, t.object_type, t.object_id, t.detail).where(
        t.seq > seq, t.action.in_(PUSHED_ACTIONS))
    if until is not None:
        stmt = stmt.where(t.seq <= until)
    return list(session.execute(stmt.order_by(t.seq).limit(limit)))


def orders_seen(session: Session, scope: Any, ids: Collection[int]) -> dict[int, tuple[str, str | None]]:
    """Order id → (region code, category code) of the orders among ``ids`` that ``scope``
    (``access.order_scope`` bound to the caller) lets through."""
    if not ids:
        return {}
    place, category = Region.__table__.alias("place"), Category.__table__.alias("cat")
    stmt = scope(select(WorkOrder.id, place.c.code, category.c.code)
                 .outerjoin(place, WorkOrder.region_id == place.c.id)
                 .outerjoin(category, WorkOrder.category_id == category.c.id)
                 .where(WorkOrder.id.in_(sorted(ids))))
    return {int(i): (r or "", c) for i, r, c in session.execute(stmt)}


def orders_by_ids(session: Session, ids: Collection[int]) -> dict[int, WorkOrder]:
    if not ids:
        return {}
    return {o.id: o for o in session.execute(select(WorkOrder).where(WorkOrder.id.in_(sorted(ids)))).scalars()}


def citizens_of(session: Session, orders: Collection[WorkOrder]) -> list[Citizen]:
    """The citizens of ``orders`` in one query. Keep the list while rendering: it holds them in
    the session's identity map, so reading each order's citizen costs no query."""
    ids = sorted({o.citizen_id for o in orders if o.citizen_id})
    return list(session.execute(select(Citizen).where(Citizen.id.in_(ids))).scalars()) if ids else []


def warnings_by_ids(session: Session, ids: Collection[int]) -> dict[int, tuple[EarlyWarning, str, str | None]]:
    """Warning id → (warning, the region code it is about — its centre's when it names none,
    its category code)."""
    if not ids:
        return {}
    place, centre_region = Region.__table__.alias("place"), Region.__table__.alias("centre_region")
    stmt = (select(EarlyWarning, place.c.code, centre_region.c.code, Category.code)
            .join(Unit, EarlyWarning.centre_unit_id == Unit.id)
            .join(centre_region, Unit.region_id == centre_region.c.id)
            .outerjoin(place, EarlyWarning.region_id == place.c.id)
            .outerjoin(Category, EarlyWarning.category_id == Category.id)
            .where(EarlyWarning.id.in_(sorted(ids))))
    return {w.id: (w, code or centre, cat) for w, code, centre, cat in session.execute(stmt)}


def units_by_ids(session: Session, ids: Collection[int]) -> dict[int, tuple[str, str]]:
    """Unit id → (name, region code)."""
    if not ids:
        return {}
    stmt = select(Unit.id, Unit.name, Region.code).join(Region, Unit.region_id == Region.id).where(
        Unit.id.in_(sorted(ids)))
    return {int(i): (n, c) for i, n, c in session.execute(stmt)}


def insert_deliveries(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_many(session, Delivery, rows)


def lease_due(session: Session, now: dt.datetime, limit: int, until: dt.datetime, *, lock: bool
              ) -> list[tuple[Delivery, Subscription]]:
    """Up to ``limit`` due deliveries of active subscriptions, leased until ``until`` (other
    workers skip them meanwhile)."""
    stmt = (select(Delivery, Subscription).join(Subscription, Delivery.subscription_id == Subscription.id)
            .where(Delivery.status == DeliveryStatus.pending.value, Delivery.next_attempt_at <= now,
                   Subscription.state == SubscriptionState.active.value)
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
    if lock:
        stmt = stmt.with_for_update(of=Delivery, skip_locked=True)
    rows = [(d, s) for d, s in session.execute(stmt)]
    if rows:
        session.execute(update(Delivery).where(Delivery.id.in_([d.id for d, _ in rows]))
                        .values(next_attempt_at=until).execution_options(synchronize_session=False))
    return rows


def resend_after_outage(session: Session, subscription_ids: Collection[int], now: dt.datetime) -> int:
    """The pending deliveries of ``subscription_ids`` whose last attempt found nobody at the
    address become due now: their receiver has just answered again. Those refused by a
    receiver that was up (an HTTP error, a timeout) keep their back-off."""
    if not subscription_ids:
        return 0
    result = session.execute(
        update(Delivery).where(Delivery.subscription_id.in_(sorted(subscription_ids)),
                               Delivery.status == DeliveryStatus.pending.value,
                               Delivery.last_error == UNREACHABLE, Delivery.next_attempt_at > now)
        .values(next_attempt_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def deliveries_by_ids(session: Session, ids: Sequence[int]) -> list[Delivery]:
    return list(session.execute(select(Delivery).where(Delivery.id.in_(list(ids)))).scalars())


def subscriptions_by_ids(session: Session, ids: Collection[int]) -> dict[int, Subscription]:
    return {s.id: s for s in session.execute(select(Subscription).where(Subscription.id.in_(sorted(ids)))).scalars()}


def delivery_log(session: Session, subscription_id: int, *, status: str | None, since: dt.datetime | None,
                 until: dt.datetime | None, limit: int, offset: int) -> tuple[list[Delivery], int]:
    stmt = select(Delivery).where(Delivery.subscription_id == subscription_id)
    if status:
        stmt = stmt.where(Delivery.status == status)
    if since is not None:
        stmt = stmt.where(Delivery.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(Delivery.occurred_at < until)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    rows = session.execute(stmt.order_by(Delivery.seq.desc()).limit(limit).offset(offset)).scalars()
    return list(rows), int(total)


def delivery_by_ref(session: Session, subscription_id: int, ref: str) -> Delivery | None:
    return session.execute(select(Delivery).where(Delivery.subscription_id == subscription_id,
                                                  Delivery.ref == ref)).scalar_one_or_none()


def requeue(session: Session, subscription_id: int, now: dt.datetime, *, delivery_id: int | None = None,
            since: dt.datetime | None = None, until: dt.datetime | None = None) -> int:
    """Send again (replay): one delivery, or every delivery of events in a time range,
    delivered or dead ones included; returns how many."""
    stmt = update(Delivery).where(Delivery.subscription_id == subscription_id)
    if delivery_id is not None:
        stmt = stmt.where(Delivery.id == delivery_id)
    if since is not None:
        stmt = stmt.where(Delivery.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(Delivery.occurred_at < until)
    result = session.execute(stmt.values(status=DeliveryStatus.pending.value, next_attempt_at=now, queued_at=now,
                                         replays=Delivery.replays + 1)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def counts_by_status(session: Session, subscription_ids: Collection[int]) -> dict[tuple[int, str], int]:
    if not subscription_ids:
        return {}
    stmt = (select(Delivery.subscription_id, Delivery.status, func.count())
            .where(Delivery.subscription_id.in_(sorted(subscription_ids)))
            .group_by(Delivery.subscription_id, Delivery.status))
    return {(int(s), str(st)): int(n) for s, st, n in session.execute(stmt)}
