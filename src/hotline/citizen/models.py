"""The citizen register."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, EncryptedString, UTCDateTime


class Citizen(Base):
    """A person who appealed (诉求人). Name, phone, ID number and address are personal data:
    encrypted with SM4 at rest, found by phone or ID number through keyed SM3 hashes, masked
    for roles without need-to-know, and every unmasked view is audited.

    ``ref`` is the record's public identifier (128 random bits): URLs and the API use it, never
    the sequential id, so no one can walk the register. ``region_id`` is the scope the record
    belongs to (the region of the centre that registered it, ADR 0005)."""

    __tablename__ = "citizen"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, index=True, default=lambda: new_ref())
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    name: Mapped[str | None] = mapped_column(EncryptedString(300))
    phone: Mapped[str] = mapped_column(EncryptedString(200))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_number: Mapped[str | None] = mapped_column(EncryptedString(200))
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(EncryptedString(1200))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


def new_ref() -> str:
    """A citizen's public identifier: 128 random bits as 32 hex digits."""
    return secrets.token_hex(16)


class CallerFlag(Base):
    """A reviewed mark on a caller (恶意/骚扰来电标记): proposed by an agent with a reason,
    approved or rejected by a centre supervisor (another person), in force until ``expires_on``
    or until lifted. It warns whoever takes the call and never stops an appeal being registered.
    Status: ``pending`` → ``active`` | ``rejected``; ``active`` → ``lifted``."""

    __tablename__ = "caller_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=lambda: new_ref())
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), index=True)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(String(300))
