"""API shapes of supervision: ledger entries."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from hotline.supervision.models import AuthorityKind, EscalationKind, LedgerKind, LetterKind


class LedgerEntryOut(BaseModel):
    kind: LedgerKind
    kind_name: str
    number: str
    title: str
    status: str
    unit: str | None
    region: str | None
    reason: str
    entered_at: dt.datetime
    cleared_at: dt.datetime | None


class RankRowOut(BaseModel):
    rank: int
    unit_id: int
    unit_name: str
    region_name: str
    score: float | None
    rates: dict[str, float | None]


class StaffRankRowOut(RankRowOut):
    counts: dict[str, int]


class _Ranking(BaseModel):
    period: str
    label: str
    indicators: dict[str, str]


class RankingOut(_Ranking):
    rows: list[RankRowOut]


class StaffRankingOut(_Ranking):
    rows: list[StaffRankRowOut]


class EscalationRuleIn(BaseModel):
    kind: EscalationKind
    threshold: int = Field(ge=0, le=10_000)
    window_days: int | None = Field(default=None, ge=1, le=366)
    active: bool = True


class EscalationRuleOut(EscalationRuleIn):
    id: int
    name: str


class LetterIn(BaseModel):
    kind: LetterKind
    reason: str | None = Field(default=None, max_length=500)
    working_days: int | None = Field(default=None, ge=1, le=30)


class LetterResponseIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class LetterOut(BaseModel):
    id: int
    kind: LetterKind
    kind_name: str
    number: str | None
    order_number: str
    unit: str
    centre: str
    title: str
    body: str
    issued_at: dt.datetime
    due_at: dt.datetime
    response: str | None
    responded_at: dt.datetime | None
    overdue: bool


class LetterTemplateIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=5000)


class LetterTemplateOut(LetterTemplateIn):
    kind: LetterKind
    fields: dict[str, str]


class ReferralIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class ReferralOut(BaseModel):
    order_number: str
    commission: str


class AuthorityIn(BaseModel):
    region_code: str = Field(max_length=12)
    kind: AuthorityKind
    unit_id: int = Field(ge=1, le=2_147_483_647)


class AuthorityOut(AuthorityIn):
    region_name: str
    unit_name: str
