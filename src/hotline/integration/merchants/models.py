"""Tables of the service-merchant register: merchants, referrals (with the citizen's rating),
complaints against a merchant, status changes and the adjustment proposals."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, EncryptedString, UTCDateTime


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class Merchant(Base):
    """A service merchant (社会化服务企业): a company or individual business offering a service to
    the public (repairs, housekeeping, moving, locksmiths …) in some areas, vetted and admitted
    by the hotline centre, to which agents refer citizens. ``business_phone`` is the number
    the merchant publishes (shown to citizens); the contact person and their phone are personal
    data: encrypted, masked for roles that do not manage merchants, every unmasked view audited.
    ``region_id`` is the region of the centre that registered it (its scope)."""

    __tablename__ = "merchant"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    name: Mapped[str] = mapped_column(String(100))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: region codes served (a city code covers its counties and townships)
    area_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    business_phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str] = mapped_column(EncryptedString(300))
    contact_phone: Mapped[str] = mapped_column(EncryptedString(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class Referral(Base):
    """A referral (转介): an agent gave a citizen who asked for a service the contact of a
    merchant, on that citizen's work order (the citizen gets it by SMS). At callback the
    citizen rates the merchant on the callback scale and says how soon it responded."""

    __tablename__ = "merchant_referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    service_type: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(200))
    referred_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    referred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: the citizen's verdict (satisfied / basically_satisfied / dissatisfied), None until rated
    verdict: Mapped[str | None] = mapped_column(String(24))
    #: hours from the referral until the merchant responded, as the citizen reports it
    response_hours: Mapped[int | None] = mapped_column(Integer)
    rating_note: Mapped[str | None] = mapped_column(String(200))
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    rated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("work_order_id", "merchant_id", name="uq_merchant_referral_order"),
        Index("ix_merchant_referral_merchant", "merchant_id", "referred_at"),
    )


class Complaint(Base):
    """An order marked as a complaint about a merchant (对服务企业的投诉): counted against it."""

    __tablename__ = "merchant_complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(200))
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("work_order_id", "merchant_id", name="uq_merchant_complaint_order"),
        Index("ix_merchant_complaint_merchant", "merchant_id", "marked_at"),
    )


class StatusChange(Base):
    """One change of a merchant's status (动态调整记录): from, to, why, by whom, and the
    proposal it followed, if any."""

    __tablename__ = "merchant_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("merchant_proposal.id"))


class Proposal(Base):
    """A proposal of the adjustment rule (调整建议): warn, suspend, remove or readmit a merchant,
    with the figures behind it. Open until a person accepts it (the change is made) or
    dismisses it (with a reason)."""

    __tablename__ = "merchant_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    merchant_id: Mapped[int] = mapped_column(ForeignKey("merchant.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    figures: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="open")
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(500))
