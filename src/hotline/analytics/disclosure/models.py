"""Tables of public disclosure: the published months (a snapshot of the figures) and the
typical cases (the anonymised text and its review)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.kit.db import Base, UTCDateTime


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class DisclosureMonth(Base):
    """A published month (月度数据公开): the figures of one city's or the province's hotline for
    one calendar month — received, handled, on-time rate, satisfaction, top categories and the
    unit ranking — as they stood when a centre supervisor published them. ``figures`` is that
    snapshot: the public page reads it and never the live orders, so what was published does
    not move. Withdrawn with a reason; published again with a fresh snapshot."""

    __tablename__ = "disclosure_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    #: the month, ``2026-11``
    period: Mapped[str] = mapped_column(String(7))
    state: Mapped[str] = mapped_column(String(16), index=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("region_id", "period", name="uq_disclosure_month_region_period"),)


class TypicalCase(Base):
    """A typical case (典型案例): a handled work order chosen by a centre supervisor to show the
    public how an appeal was dealt with. Its title, appeal, handling and result are the order's
    text anonymised automatically (``kit.redact.anonymise``), then edited by staff, reviewed by
    a second supervisor (four eyes) and published; a published case can be withdrawn. Nothing
    here points the public to the order: ``work_order_id`` is for staff only."""

    __tablename__ = "disclosure_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    #: the region of the order's centre (the case's scope)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    #: the month the order was registered in, ``2026-11``
    period: Mapped[str] = mapped_column(String(7))
    category_name: Mapped[str | None] = mapped_column(String(50))
    #: where, no finer than the county (区县)
    area_name: Mapped[str | None] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(100))
    appeal: Mapped[str] = mapped_column(Text)
    handling: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)
    #: enterprise names are hidden too (asked for when the case is chosen)
    hide_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_disclosure_case_state", "state", "published_at"),)
