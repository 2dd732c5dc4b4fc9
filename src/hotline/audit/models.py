"""The audit log table."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime


class AuditEvent(Base):
    """One audited fact (审计记录): who did what to which object, when, from where.

    Rows are append-only (database triggers refuse UPDATE and DELETE) and chained:
    ``hash = SM3(prev_hash || canonical(row))`` with ``seq`` gap-free, so that
    ``hotline audit verify`` finds an altered row (hash mismatch), a deleted row (gap in
    ``seq`` or broken link) and a truncated tail (``audit_head`` disagrees).
    ``detail`` never holds personal data, only which fields were seen or changed."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # (action, at): one kind of event in a period (agents' figures: answered on the spot,
    # re-categorised orders) without reading the other kinds or the action's whole history.
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),
                      Index("ix_audit_event_action_at", "action", "at"))


class AuditHead(Base):
    """The last sequence number and hash of the chain, updated with every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
