"""Tables of the public door: appeals waiting for their phone to be confirmed, and the codes
that let a citizen withdraw an order."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, EncryptedString, UTCDateTime
from hotline.org.models import str_enum


class SubmissionStatus(enum.StrEnum):
    pending = "pending"  # the code is out; nothing else exists yet
    confirmed = "confirmed"  # the right code came back: the order exists
    void = "void"  # too many wrong codes


class PublicSubmission(Base):
    """A public appeal waiting for its phone number to be confirmed (待验证的网上诉求).

    Nobody is texted about it but the phone owner (one code), and it is not an order: no
    number, no event, no place in any queue, until the code sent to the phone comes back within
    its time. The token (the submitter's handle) and the code are kept only as keyed hashes;
    the phone and the appeal itself are personal data, encrypted, and the appeal is erased
    once it has become an order."""

    __tablename__ = "public_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(EncryptedString(200))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: The appeal's fields as JSON, encrypted (the text may name people and places); None once confirmed.
    payload: Mapped[str | None] = mapped_column(EncryptedString())
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.pending)
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id", ondelete="SET NULL"))


class WithdrawalCode(Base):
    """A code sent to an order's phone so that the citizen can withdraw it on the public pages
    (撤回验证码): knowing the order number and the phone number is not enough, the phone itself
    must be at hand. Kept as a keyed hash; a few wrong tries use it up."""

    __tablename__ = "public_withdrawal_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_public_withdrawal_code_order", "work_order_id", "id"),)
