"""API shapes of the reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DraftIn(BaseModel):
    """What to draft: ``kind`` monthly (``period`` 2026-11), half_year (``period`` 2026H2),
    campaign (``start``, ``end``), special (``hotspot_month`` + ``hotspot_rank``, or
    ``warning_id``), daily_ledger (``period`` 2026-11-05); ``region_code`` defaults to the
    caller's region."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=16)
    period: str | None = Field(default=None, max_length=10)
    start: dt.date | None = None
    end: dt.date | None = None
    hotspot_month: str | None = Field(default=None, max_length=7)
    hotspot_rank: int | None = Field(default=None, ge=1, le=50)
    warning_id: int | None = Field(default=None, ge=1, le=2**62)
    region_code: str | None = Field(default=None, max_length=12)


class EditIn(BaseModel):
    """New text of some sections (by key; null: back to the generated text) and/or the title."""

    model_config = ConfigDict(extra="forbid")

    sections: dict[str, str | None] = Field(default_factory=dict, max_length=30)
    title: str | None = Field(default=None, max_length=100)
    version: int = Field(ge=1, le=2**31)


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31)


class SectionOut(BaseModel):
    key: str
    heading: str
    generated: str
    text: str | None
    edited: bool
    tables: list[int]
    charts: list[int]


class ReportSummaryOut(BaseModel):
    ref: str
    kind: str
    kind_name: str
    period: str
    period_start: dt.date
    period_end: dt.date
    region_code: str
    title: str
    status: str
    status_name: str
    created_by: str | None
    created_at: dt.datetime
    issued_by: str | None
    issued_at: dt.datetime | None
    version: int


class ReportOut(ReportSummaryOut):
    subtitle: str
    sections: list[SectionOut]
    tables: list[dict[str, Any]]
    charts: list[dict[str, Any]]
    warnings: list[str]


class DailyEntryOut(BaseModel):
    number: str
    kind: str
    order_number: str
    category: str
    region: str
    unit: str
    entered_at: str
    reason: str
    state: str


class DailyLedgerOut(BaseModel):
    day: dt.date
    title: str
    text: str
    entries: list[DailyEntryOut]
