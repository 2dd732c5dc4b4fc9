"""Queries of federation: peers, transfers, the outbox and the inbox, and the order events that
flow back to a peer (audit rows after its cursor)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import Row, delete, func, or_, select, update
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent
from hotline.integration.federation.lifecycle import FLOW_BACK_ACTIONS
from hotline.integration.federation.models import (
    InboxMessage,
    Message,
    MessageStatus,
    Nonce,
    Peer,
    PeerState,
    Transfer,
)
from hotline.workorder.models import WorkOrder


def peers(session: Session) -> list[Peer]:
    return list(session.execute(select(Peer).order_by(Peer.name)).scalars())


def peer_by_name(session: Session, name: str) -> Peer | None:
    return session.execute(select(Peer).where(Peer.name == name)).scalar_one_or_none()


def peer_by_ref(session: Session, ref: str) -> Peer | None:
    return session.execute(select(Peer).where(Peer.ref == ref)).scalar_one_or_none()


def peer_by_key(session: Session, key_id: str) -> Peer | None:
    return session.execute(select(Peer).where(Peer.key_id == key_id)).scalar_one_or_none()


def transfer(session: Session, peer_id: int, direction: str, ref: str) -> Transfer | None:
    return session.execute(select(Transfer).where(Transfer.peer_id == peer_id, Transfer.direction == direction,
                                                  Transfer.ref == ref)).scalar_one_or_none()


def transfers_of_order(session: Session, order_id: int) -> list[Transfer]:
    return list(session.execute(select(Transfer).where(Transfer.work_order_id == order_id)
                                .order_by(Transfer.id.desc())).scalars())


def transfer_by_id(session: Session, transfer_id: int) -> Transfer | None:
    return session.get(Transfer, transfer_id)


def recent_transfers(session: Session, limit: int = 100) -> list[tuple[Transfer, str]]:
    rows = session.execute(select(Transfer, WorkOrder.number).join(WorkOrder, Transfer.work_order_id == WorkOrder.id)
                           .order_by(Transfer.id.desc()).limit(limit))
    return [(t, n) for t, n in rows]


def inbox(session: Session, peer_id: int, message_ref: str) -> InboxMessage | None:
    return session.execute(select(InboxMessage).where(InboxMessage.peer_id == peer_id,
                                                      InboxMessage.message_ref == message_ref)).scalar_one_or_none()


def nonce_seen(session: Session, peer_id: int, nonce: str) -> bool:
    return session.execute(select(Nonce.id).where(Nonce.peer_id == peer_id, Nonce.nonce == nonce)
                           ).first() is not None


def prune_nonces(session: Session, before: dt.datetime) -> int:
    return session.execute(delete(Nonce).where(Nonce.seen_at < before)).rowcount or 0  # type: ignore[attr-defined]


def message_counts(session: Session) -> dict[tuple[int, str], int]:
    rows = session.execute(select(Message.peer_id, Message.status, func.count()).group_by(Message.peer_id,
                                                                                          Message.status))
    return {(p, s): n for p, s, n in rows}


def messages(session: Session, *, status: str | None, limit: int = 200) -> list[Message]:
    stmt = select(Message).order_by(Message.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Message.status == status)
    return list(session.execute(stmt).scalars())


def message_by_ref(session: Session, ref: str) -> Message | None:
    return session.execute(select(Message).where(Message.ref == ref)).scalar_one_or_none()


def messages_of_transfers(session: Session, transfer_ids: Collection[int]) -> list[Message]:
    if not transfer_ids:
        return []
    return list(session.execute(select(Message).where(Message.transfer_id.in_(transfer_ids))
                                .order_by(Message.id)).scalars())


def lease_peers(session: Session, now: dt.datetime, until: dt.datetime, *, lock: bool) -> list[Peer]:
    """Active peers with a message due and no other worker sending to them; leased until ``until``."""
    due = select(Message.peer_id).where(Message.status == MessageStatus.pending.value,
                                        or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now))
    stmt = select(Peer).where(Peer.state == PeerState.active.value, Peer.id.in_(due),
                              or_(Peer.lease_until.is_(None), Peer.lease_until < now)).order_by(Peer.id)
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    found = list(session.execute(stmt).scalars())
    for peer in found:
        peer.lease_until = until
    return found


def pending_head(session: Session, peer_id: int, limit: int) -> list[Message]:
    """The peer's pending messages in order (sending stops at the first that fails: order kept)."""
    return list(session.execute(select(Message).where(Message.peer_id == peer_id,
                                                      Message.status == MessageStatus.pending.value)
                                .order_by(Message.id).limit(limit)).scalars())


def release(session: Session, peer_id: int) -> None:
    session.execute(update(Peer).where(Peer.id == peer_id).values(lease_until=None))


def last_seq(session: Session) -> int:
    return int(session.execute(select(func.coalesce(func.max(AuditEvent.seq), 0))).scalar_one())


def peers_behind(session: Session, head: int, *, lock: bool) -> list[Peer]:
    stmt = select(Peer).where(Peer.cursor < head).order_by(Peer.id)
    if lock:
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.execute(stmt).scalars())


def flow_back_events(session: Session, after: int, until: int, limit: int) -> list[Row[Any]]:
    """Audit events of the kinds that flow back, after ``after`` up to ``until``, in order."""
    t = AuditEvent.__table__.c
    stmt = (select(t.seq, t.at, t.action, t.object_id, t.detail)
            .where(t.seq > after, t.seq <= until, t.action.in_(FLOW_BACK_ACTIONS), t.object_type == "work_order")
            .order_by(t.seq).limit(limit))
    return list(session.execute(stmt))


def inbound_orders(session: Session, order_ids: Collection[int]) -> dict[int, Transfer]:
    """Inbound transfers of these orders (the order id → its transfer)."""
    if not order_ids:
        return {}
    rows = session.execute(select(Transfer).where(Transfer.direction == "in", Transfer.work_order_id.in_(order_ids)))
    return {t.work_order_id: t for t in rows.scalars()}


def orders_by_ids(session: Session, ids: Collection[int]) -> dict[int, WorkOrder]:
    if not ids:
        return {}
    return {o.id: o for o in session.execute(select(WorkOrder).where(WorkOrder.id.in_(ids))).unique().scalars()}


def order_by_number(session: Session, number: str) -> WorkOrder | None:
    return session.execute(select(WorkOrder).where(WorkOrder.number == number)).unique().scalar_one_or_none()


def insert_messages(session: Session, rows: list[Message]) -> None:
    session.add_all(rows)
    session.flush()
