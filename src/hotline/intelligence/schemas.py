"""Request and response bodies of the intelligence API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from hotline.intelligence.models import ModelKind, ModelStatus, PlaceKind, WarningKind


class SuggestIn(BaseModel):
    title: str = Field(default="", max_length=100)
    content: str = Field(default="", max_length=5000)
    region_code: str | None = Field(default=None, max_length=9)


class CategorySuggestionOut(BaseModel):
    code: str
    name: str
    path: str
    confidence: float


class UnitSuggestionOut(BaseModel):
    id: int
    name: str
    region_name: str
    confidence: float


class SuggestionsOut(BaseModel):
    categories: list[CategorySuggestionOut]
    units: list[UnitSuggestionOut]
    category_model_id: int | None
    unit_model_id: int | None


class ModelVersionOut(BaseModel):
    id: int
    kind: ModelKind
    kind_name: str
    number: int
    status: ModelStatus
    trained_at: dt.datetime
    activated_at: dt.datetime | None
    examples: int
    labels: int
    metrics: dict[str, Any]
    feedback: dict[str, float] | None = None


class TrainIn(BaseModel):
    kind: ModelKind
    activate: bool = True


class RollbackIn(BaseModel):
    kind: ModelKind


class LocateIn(BaseModel):
    text: str = Field(default="", max_length=5000)
    address: str | None = Field(default=None, max_length=300)


class RegionRef(BaseModel):
    code: str
    name: str
    path: str


class UnitRefOut(BaseModel):
    id: int
    name: str


class PlaceOut(BaseModel):
    region: RegionRef
    matched: list[str]
    ambiguous: bool
    alternatives: list[RegionRef]
    units: list[UnitRefOut]


class PlaceNameIn(BaseModel):
    name: str = Field(max_length=50)
    region_code: str = Field(max_length=9)
    kind: PlaceKind = PlaceKind.landmark


class PlaceNameOut(BaseModel):
    id: int
    name: str
    kind: PlaceKind
    region: RegionRef


class WarningOut(BaseModel):
    id: int
    kind: WarningKind
    kind_name: str
    summary: str
    region: RegionRef | None
    category_name: str | None
    term: str | None
    count: int
    expected: float | None
    p_value: float | None
    window_start: dt.datetime
    window_end: dt.datetime
    raised_at: dt.datetime
    order_numbers: list[str]
    acknowledged_at: dt.datetime | None


class DuplicateIn(BaseModel):
    title: str = Field(default="", max_length=100)
    content: str = Field(default="", max_length=5000)
    phone: str | None = Field(default=None, max_length=30)
    region_code: str | None = Field(default=None, max_length=9)
    category_code: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=300)


class DuplicateOut(BaseModel):
    number: str
    title: str
    status: str
    status_name: str
    registered_at: dt.datetime
    merged_into: str | None
    score: float
    reasons: list[str]


class HotspotOut(BaseModel):
    rank: int
    label: str  # named by its terms and what went wrong (锦绣家园小区 电梯故障)
    title: str | None = None  # the most central appeal's title
    terms: list[str] = []  # the named terms most of its appeals use
    keywords: list[str]
    place: str | None
    count: int
    people: int | None
    heat: float
    trend: dict[str, int]
    growth: float
    samples: list[str]
    order_numbers: list[str]


class HotspotsOut(BaseModel):
    month: str
    computed_at: dt.datetime
    orders: int
    hotspots: list[HotspotOut]


class MonthIn(BaseModel):
    month: str = Field(max_length=7)


class SpecialListIn(BaseModel):
    month: str = Field(max_length=7)
    rank: int = Field(ge=1, le=50)
    lead_unit_id: int = Field(ge=1, le=2**31 - 1)
    title: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=500)


class SpecialListOut(BaseModel):
    id: int
    title: str
    month: str
    lead_unit: str
    created_at: dt.datetime
    keywords: list[str]
    place: str | None
    heat: float
    order_numbers: list[str]
    note: str | None


class HotspotTermIn(BaseModel):
    term: str = Field(max_length=50)
    kind: str = Field(default="other", max_length=16)
    synonyms: list[str] = Field(default_factory=list, max_length=30)
    active: bool = True
    region_code: str | None = Field(default=None, max_length=9)


class HotspotTermPatch(BaseModel):
    term: str | None = Field(default=None, max_length=50)
    kind: str | None = Field(default=None, max_length=16)
    synonyms: list[str] | None = Field(default=None, max_length=30)
    version: int | None = Field(default=None, ge=1, le=2_000_000_000)


class HotspotTermOut(BaseModel):
    ref: str
    term: str
    kind: str
    kind_name: str
    synonyms: list[str]
    active: bool
    region_code: str
    editable: bool
    version: int
    updated_at: dt.datetime


class TermImportOut(BaseModel):
    created: int
    updated: int


class TermTryIn(BaseModel):
    text: str = Field(max_length=2000)


class TermTokenOut(BaseModel):
    word: str
    term: bool
