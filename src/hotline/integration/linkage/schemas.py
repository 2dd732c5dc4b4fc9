"""Request and response shapes of linkage."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class LineIn(BaseModel):
    name: str = Field(max_length=100)
    number: str = Field(max_length=30, description="110, 95598, a landline with area code, a mobile")
    kind: str = Field(max_length=16, description="emergency | utility")
    service: str = Field(max_length=16, description="police|fire|ambulance|traffic, or water|power|gas|heating|telecom")
    region_code: str | None = Field(default=None, max_length=12, description="default: the administrator's region")
    unit_code: str | None = Field(default=None, max_length=32, description="utility lines: the utility unit")


class LinePatch(BaseModel):
    name: str | None = Field(default=None, max_length=100)
    number: str | None = Field(default=None, max_length=30)
    active: bool | None = None
    unit_code: str | None = Field(default=None, max_length=32)
    version: int | None = None


class LineOut(BaseModel):
    ref: str
    name: str
    number: str
    kind: str
    service: str
    region_code: str
    region_name: str
    unit_code: str | None
    unit_name: str | None
    active: bool
    version: int


class TransferIn(BaseModel):
    line: str = Field(max_length=32, description="the line's ref")
    scope: str = Field(default="full", max_length=16, description="full (leaves the clock) | partial")
    other_ref: str | None = Field(default=None, max_length=60, description="the other side's reference number")
    note: str | None = Field(default=None, max_length=600)
    call_mode: str = Field(default="none", max_length=16, description="none | three_way | blind")
    call_ref: str | None = Field(default=None, max_length=32, description="one of the order's calls (default: latest)")
    version: int | None = Field(default=None, description="the order's version")


class RecordPatch(BaseModel):
    outcome: str | None = Field(default=None, max_length=16, description="accepted | refused | completed")
    other_ref: str | None = Field(default=None, max_length=60)
    note: str | None = Field(default=None, max_length=600)
    version: int | None = None


class RecordOut(BaseModel):
    ref: str
    number: str
    line: str
    line_name: str
    line_number: str
    kind: str
    scope: str
    call_ref: str | None
    call_mode: str | None
    other_ref: str | None
    note: str | None
    operator: str | None
    transferred_at: dt.datetime
    seconds_to_transfer: float
    outcome: str
    outcome_name: str
    outcome_note: str | None
    outcome_at: dt.datetime | None
    order_status: str
    version: int


class KeyIn(BaseModel):
    unit: str = Field(max_length=32, description="the utility unit's code")
    name: str | None = Field(default=None, max_length=100)


class KeyOut(BaseModel):
    id: int
    name: str
    hint: str
    account: str
    unit: str
    unit_name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewKeyOut(KeyOut):
    token: str = Field(description="shown this once")
