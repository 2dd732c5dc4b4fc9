"""Tables of federation (跨市互派): peer platforms, transfers between them, the outbox of
messages to peers, and what has been received (message ids and request nonces)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.integration.webhooks.models import new_ref
from hotline.kit.db import Base, EncryptedString, UTCDateTime

__all__ = ["InboxMessage", "Message", "Nonce", "Peer", "Transfer", "new_ref"]


class PeerState(enum.StrEnum):
    active = "active"
    #: Nothing is sent to it and its requests are refused (401); queued messages wait.
    disabled = "disabled"


class ContactPolicy(enum.StrEnum):
    full = "full"  # the caller's name and phone as recorded
    masked = "masked"  # masked (张*, 138****8000): the peer calls back through the origin


class Direction(enum.StrEnum):
    outbound = "out"  # an order of ours sent to the peer
    inbound = "in"  # an order the peer sent us


class TransferState(enum.StrEnum):
    pending = "pending"  # queued; not yet accepted by the peer (it may be down)
    accepted = "accepted"  # the peer registered it as an order of its own
    refused = "refused"  # the peer sent it back (not its territory, category not open)
    closed = "closed"  # the peer closed it
    failed = "failed"  # could not be delivered within the retry window: taken back


class MessageStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"  # given up after the retry window; retried by hand


STATE_NAMES = {PeerState.active: "互派中", PeerState.disabled: "已停用"}
CONTACT_NAMES = {ContactPolicy.full: "完整联系方式", ContactPolicy.masked: "脱敏联系方式"}
TRANSFER_STATE_NAMES = {TransferState.pending: "待对方接收", TransferState.accepted: "对方办理中",
                        TransferState.refused: "对方已退回", TransferState.closed: "对方已办结",
                        TransferState.failed: "转出失败"}
MESSAGE_STATUS_NAMES = {MessageStatus.pending: "待送达", MessageStatus.delivered: "已送达",
                        MessageStatus.failed: "投递失败"}


class Peer(Base):
    """A peer platform (互派平台): another city's (or the province's) hotline deployment this
    one exchanges orders with. ``key_id`` + ``secret`` are the pair's shared key, made by the
    side that added the peer first (``side`` "a") and given to the other (``side`` "b"); each
    side signs with a key derived for its own side, so a request cannot be reflected back.
    ``category_codes``: the categories open for mutual dispatch (empty: all)."""

    __tablename__ = "federation_peer"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    key_id: Mapped[str] = mapped_column(String(40), unique=True)
    secret: Mapped[str] = mapped_column(EncryptedString(300))
    side: Mapped[str] = mapped_column(String(1))
    state: Mapped[str] = mapped_column(String(16), default=PeerState.active.value)
    contact_policy: Mapped[str] = mapped_column(String(16), default=ContactPolicy.masked.value)
    category_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the integration account the peer's orders are registered as on this side
    account_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: the last audit sequence number turned into messages to this peer (flow-back)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    #: a worker sending to it holds it until then (another worker skips it)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Transfer(Base):
    """A cross-city transfer (跨市转办) as one side sees it: ``out`` on the origin (its order
    waits, transferred out), ``in`` on the receiving side (its new order). ``ref`` is made by
    the origin and is the same on both sides."""

    __tablename__ = "federation_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32))
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peer.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    #: the other side's order number (the peer's on the origin; the origin's on the peer)
    remote_number: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(16), default=TransferState.pending.value)
    reason: Mapped[str | None] = mapped_column(String(500))
    refusal: Mapped[str | None] = mapped_column(String(500))
    remote_status: Mapped[str | None] = mapped_column(String(40))
    remote_status_name: Mapped[str | None] = mapped_column(String(40))
    remote_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("peer_id", "direction", "ref", name="uq_federation_transfer_ref"),)


class Message(Base):
    """A message to a peer (the outbox): written in the transaction of the change it tells,
    sent at least once in order per peer, with ``ref`` as its id (the peer applies each id
    once), retried with back-off until delivered or failed."""

    __tablename__ = "federation_message"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peer.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("federation_transfer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: the JSON body (it may hold the caller's contact: encrypted)
    payload: Mapped[str] = mapped_column(EncryptedString())
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_federation_message_due", "peer_id", "status", "id"),)


class InboxMessage(Base):
    """A message received from a peer and applied (its id, once): a retry of it gets the
    stored answer and changes nothing."""

    __tablename__ = "federation_inbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peer.id"))
    message_ref: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("peer_id", "message_ref", name="uq_federation_inbox_message"),)


class Nonce(Base):
    """A request nonce seen from a peer inside the signature window: the same again is a
    replay (401). Rows older than the window are pruned."""

    __tablename__ = "federation_nonce"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("federation_peer.id"))
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (UniqueConstraint("peer_id", "nonce", name="uq_federation_nonce"),)
