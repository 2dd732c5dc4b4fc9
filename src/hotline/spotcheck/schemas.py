"""API shapes of spot checks and rectification lists."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field


class DrawIn(BaseModel):
    title: str = Field(max_length=100)
    period_start: dt.date
    period_end: dt.date
    size: int = Field(ge=1, le=500)
    method: str = Field(default="random", max_length=16, description="random | stratified")
    stratify_by: str | None = Field(default=None, max_length=16, description="unit | region | category")
    seed: str | None = Field(default=None, max_length=32, description="Repeat a draw with its seed")
    unit_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    region_code: str | None = Field(default=None, max_length=12)
    category_code: str | None = Field(default=None, max_length=16)
    closed_only: bool = True
    correction_working_days: int | None = Field(default=None, ge=1, le=60)


class FindingIn(BaseModel):
    finding: str = Field(max_length=16, description="correct | problem")
    problem_type: str | None = Field(default=None, max_length=24)
    note: str | None = Field(default=None, max_length=1000)
    correction: str | None = Field(default=None, max_length=1000, description="Required for a problem")
    correction_working_days: int | None = Field(default=None, ge=1, le=60)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class RecallIn(BaseModel):
    verdict: str = Field(max_length=24, description="satisfied | basically_satisfied | dissatisfied | unreached")
    note: str | None = Field(default=None, max_length=500)


class AnswerIn(BaseModel):
    text: str = Field(max_length=4000)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class DecisionIn(BaseModel):
    accept: bool
    note: str | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ContactOut(BaseModel):
    name: str | None
    phone: str | None
    masked: bool


class ItemOut(BaseModel):
    ref: str
    number: str
    title: str
    unit_id: int | None
    unit: str | None
    stratum: str | None
    finding: str | None
    problem_type: str | None
    finding_note: str | None
    checked_at: dt.datetime | None
    recall_verdict: str | None
    recall_at: dt.datetime | None
    correction_state: str
    correction_required: str | None
    correction_due_at: dt.datetime | None
    correction_answer: str | None
    correction_answered_at: dt.datetime | None
    correction_decision_note: str | None
    correction_on_time: bool | None
    overdue: bool
    version: int


class CorrectionOut(ItemOut):
    spot_check: str
    spot_check_title: str


class UnitStatsOut(BaseModel):
    unit_id: int | None
    unit: str
    sampled: int
    checked: int
    correct: int
    problems: int
    by_type: dict[str, int]
    corrections: int
    answered: int
    accepted: int
    on_time: int
    overdue: int
    recalled: int
    dissatisfied: int
    correct_rate: float | None
    on_time_rate: float | None


class CheckOut(BaseModel):
    ref: str
    title: str
    issuer: str
    method: str
    stratify_by: str | None
    period_start: dt.date
    period_end: dt.date
    criteria: dict[str, object]
    sample_size: int
    population: int
    seed: str
    correction_working_days: int
    status: str
    created_at: dt.datetime
    version: int


class CheckDetailOut(CheckOut):
    items: list[ItemOut]
    statistics: list[UnitStatsOut]


class RectItemIn(BaseModel):
    unit_id: int = Field(ge=1, le=2**31 - 1)
    description: str = Field(max_length=1000)
    working_days: int = Field(default=5, ge=1, le=60)


class ListIn(BaseModel):
    title: str = Field(max_length=100)
    note: str | None = Field(default=None, max_length=500)
    items: list[RectItemIn] = Field(max_length=200)


class FromCheckIn(BaseModel):
    spot_check: str = Field(max_length=32)
    title: str | None = Field(default=None, max_length=100)
    working_days: int | None = Field(default=None, ge=1, le=60)


class FromLedgerIn(BaseModel):
    numbers: list[Annotated[str, Field(max_length=20)]] = Field(max_length=200,
                                                                description="Order numbers on the ledger")
    kind: str | None = Field(default=None, max_length=24, description="overdue | buck_passing | perfunctory | …")
    title: str = Field(max_length=100)
    note: str | None = Field(default=None, max_length=500)
    working_days: int | None = Field(default=None, ge=1, le=60)


class ProgressIn(BaseModel):
    text: str = Field(max_length=4000)
    done: bool = False
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ConfirmIn(BaseModel):
    confirm: bool
    note: str | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class RectItemOut(BaseModel):
    ref: str
    list: str
    list_title: str
    unit_id: int
    unit: str
    description: str
    due_at: dt.datetime
    status: str
    number: str | None
    source_kind: str
    progress: str | None
    progress_at: dt.datetime | None
    reported_at: dt.datetime | None
    done_at: dt.datetime | None
    return_note: str | None
    overdue: bool
    version: int


class ListOut(BaseModel):
    ref: str
    title: str
    issuer: str
    source: str
    spot_check: str | None
    note: str | None
    created_at: dt.datetime
    items: list[RectItemOut]
