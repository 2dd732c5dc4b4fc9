"""The notification outbox."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, EncryptedString, UTCDateTime
from hotline.org.models import str_enum


class NotificationStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    #: Never sent because the recipient has no number (a unit without a contact phone): kept,
    #: with the reason in ``last_error``, so that the gap shows on the administrator's list of
    #: problems instead of vanishing.
    skipped = "skipped"


class Notification(Base):
    """One message to send (短信通知): written in the same transaction as the change that
    causes it, delivered by the worker's outbox relay through the configured SMS adapter,
    retried with back-off. The phone number is personal data (encrypted); the body holds no more
    than the citizen is meant to read (order number, reply text)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 128 random bits naming the message on the administrator's pages (never the sequential id)
    ref: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    template: Mapped[str] = mapped_column(String(64))
    recipient_kind: Mapped[str] = mapped_column(String(16))  # citizen | unit | user
    recipient: Mapped[str] = mapped_column(EncryptedString(200))
    body: Mapped[str] = mapped_column(Text)
    work_order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus, "notification_status"), default=NotificationStatus.pending, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    gateway_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    #: When a pending notification is next due: now when queued, later after a failure (back-off)
    #: or while a worker holds it (lease).
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at"),
                      Index("uq_notification_ref", "ref", unique=True))


class SmsTemplate(Base):
    """An administrator's wording of one message template (短信模板), replacing the built-in
    text of ``notify.service.TEMPLATES`` with the same placeholders."""

    __tablename__ = "sms_template"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
