"""Request and response shapes of the disclosure API and its public JSON feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class MonthIn(BaseModel):
    period: str = Field(max_length=7, description="an ended month, 2026-11")


class WithdrawIn(BaseModel):
    reason: str = Field(max_length=500)
    version: int | None = Field(default=None, description="the version read; 409 when it has changed since")


class ChooseIn(BaseModel):
    order: str = Field(max_length=20, description="work-order number of a closed order")
    hide_enterprise: bool = Field(default=False, description="hide enterprise names too")


class CaseEdit(BaseModel):
    title: str = Field(max_length=100)
    appeal: str = Field(max_length=4000)
    handling: str = Field(max_length=4000)
    result: str = Field(max_length=1000)
    hide_enterprise: bool | None = None
    version: int | None = None


class VersionIn(BaseModel):
    version: int | None = None


class ReviewIn(BaseModel):
    approve: bool
    note: str | None = Field(default=None, max_length=500, description="required when sent back")
    version: int | None = None


class MonthOut(BaseModel):
    ref: str
    period: str
    region_code: str
    region_name: str
    state: str
    published_at: dt.datetime
    withdrawn_at: dt.datetime | None = None
    withdraw_reason: str | None = None
    version: int
    figures: dict[str, Any]


class CaseOut(BaseModel):
    ref: str
    order: str
    state: str
    period: str
    category_name: str | None
    area_name: str | None
    title: str
    appeal: str
    handling: str
    result: str
    hide_enterprise: bool
    review_note: str | None = None
    withdraw_reason: str | None = None
    published_at: dt.datetime | None = None
    version: int
    #: field → kinds of personal data still found (empty: publishable)
    residue: dict[str, list[str]]


class PublicMonthOut(BaseModel):
    """A published month: the snapshot taken at publication."""

    ref: str
    url: str
    period: str
    label: str
    region_code: str
    region_name: str
    published_at: dt.datetime
    figures: dict[str, int | float | None]
    previous: dict[str, int | float | None] | None = None
    top_categories: list[dict[str, Any]]
    ranking: list[dict[str, Any]]


class PublicCaseOut(BaseModel):
    """A published typical case: anonymised text only (no order number, no person)."""

    ref: str
    url: str
    period: str
    region_name: str
    area_name: str | None
    category_name: str | None
    title: str
    appeal: str
    handling: str
    result: str
    published_at: dt.datetime


class PublicFeedOut(BaseModel):
    title: str
    home_page_url: str
    months: list[PublicMonthOut]
    cases: list[PublicCaseOut]
