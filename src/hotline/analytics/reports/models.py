"""The report table: a draft with its figures and text, and, once issued, the documents as issued."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from hotline.kit.db import Base, UTCDateTime


def new_ref() -> str:
    """A public identifier: 128 random bits as 32 hex digits (URLs never carry sequential ids)."""
    return secrets.token_hex(16)


class Report(Base):
    """A report (分析报告) of a region over a period: a monthly or half-yearly analysis, the
    enterprise-appeal campaign report, a special report (信息专报) or the daily emergency and
    stability ledger. ``content`` holds what was read when it was drafted — the tables, the
    chart series and each section's generated text with the staff's edit — so a draft previews
    the same figures it will be issued with. Issuing freezes it: the .docx and .xlsx as issued
    are stored and are what every later download returns. ``auto_key`` is set on drafts made by
    the scheduled job (one per kind, period and region, however often the job runs)."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True, default=new_ref)
    kind: Mapped[str] = mapped_column(String(16))
    #: the period as asked: "2026-11", "2026H2", "2026-01-01/2026-11-30", "2026-12-05"
    period_key: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    #: what a special report is built from: "hotspot:2026-11:3" or "warning:<id>"
    source: Mapped[str | None] = mapped_column(String(40))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    auto_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    docx: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    xlsx: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_report_region_status", "region_id", "status", "created_at"),
    )
