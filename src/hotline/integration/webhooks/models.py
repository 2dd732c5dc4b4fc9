"""Tables of the push: subscriptions, their deliveries (the outbox of the push), and the
administrators' allow-list of targets."""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, EncryptedString, UTCDateTime


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class SubscriptionState(enum.StrEnum):
    active = "active"
    #: No delivery is attempted (by hand, or after a run of failures); events still queue up
    #: and are sent once it is resumed — nothing is lost while paused.
    paused = "paused"


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    delivered = "delivered"
    #: Given up after the retry window (24 h): kept, alerted, replayable by hand.
    dead = "dead"


class Algorithm(enum.StrEnum):
    hmac_sha256 = "hmac-sha256"
    hmac_sm3 = "hmac-sm3"


STATE_NAMES = {SubscriptionState.active: "推送中", SubscriptionState.paused: "已暂停"}
STATUS_NAMES = {DeliveryStatus.pending: "待送达", DeliveryStatus.delivered: "已送达", DeliveryStatus.dead: "投递失败"}


class Subscription(Base):
    """A subscription (推送订阅): the events of some types (and regions, categories) sent to
    an HTTPS address. Its ``owner`` is an account (a unit's, a department's, an outside
    system's service account): only what that account may see is sent, masked as for its
    role. ``cursor`` is the last audit sequence number fanned out into deliveries."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    name: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: the region of the owner's unit: the administrators who manage it
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: region codes (an order inside one of them, or under it) and category codes (the same);
    #: empty: every region / category the owner may see
    region_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(EncryptedString(300))
    algorithm: Mapped[str] = mapped_column(String(16), default=Algorithm.hmac_sha256.value)
    state: Mapped[str] = mapped_column(String(16), default=SubscriptionState.active.value)
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: failed attempts in a row, and since when (a success resets both)
    failure_streak: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Delivery(Base):
    """One event for one subscription (推送记录): the outbox row. Written in the transaction
    that advances the subscription's cursor, so each event is fanned out once; sent at least
    once, with the event's id as the idempotency key, until delivered or dead."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: the JSON body as sent (it may hold what the owner may see of a citizen: encrypted)
    payload: Mapped[str] = mapped_column(EncryptedString())
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_latency_ms: Mapped[int | None] = mapped_column(Integer)
    replays: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: when it was last put in the queue (its creation, or a replay): the retry window runs from here
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("subscription_id", "seq", name="uq_webhook_delivery_event"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_log", "subscription_id", "created_at"),
    )


class AllowedTarget(Base):
    """An entry of the allow-list (推送地址白名单): a host name (``gov.example.cn``, or
    ``*.example.cn`` for its sub-domains), an address or a network (``10.20.0.0/16``).
    ``allow_http``: plain http is accepted for it (a loopback receiver in tests)."""

    __tablename__ = "webhook_allowed_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    pattern: Mapped[str] = mapped_column(String(253), unique=True)
    allow_http: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
