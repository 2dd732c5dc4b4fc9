"""API shapes of supervision: ledgers, rankings, rules, letters, authorities, meetings, notices."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from hotline.supervision.models import AuthorityKind, EscalationKind, LedgerKind, LetterKind, MeetingKind, NoticeStatus


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
    document_id: int | None = None  # knowledge_late: the policy document (``number`` is its 文号)


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
    #: Units with fewer than ``min_orders`` orders in the period: listed, not ranked (rank 0).
    unranked: list[RankRowOut] = []
    min_orders: int = 0


class StaffRankingOut(_Ranking):
    rows: list[StaffRankRowOut]
    unranked: list[StaffRankRowOut] = []
    min_orders: int = 0


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


class MeetingIn(BaseModel):
    kind: MeetingKind
    held_at: dt.datetime = Field(description="When it was held, with its time zone")
    place: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=200)
    attendees: str = Field(min_length=1, max_length=5000, description="One person per line: name and post")
    decisions: str = Field(min_length=1, max_length=10000)
    due_on: dt.date | None = Field(default=None, description="The deadline the decisions set")
    unit_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(min_length=1, max_length=50)
    order_numbers: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=200)


class MeetingOut(BaseModel):
    id: int
    kind: MeetingKind
    kind_name: str
    centre: str
    held_at: dt.datetime
    place: str
    subject: str
    attendees: str
    decisions: str
    due_on: dt.date | None
    units: list[str]
    order_numbers: list[str]
    recorded_at: dt.datetime


class NoticeLineIn(BaseModel):
    order_number: str = Field(min_length=1, max_length=40)
    problem: str | None = Field(default=None, max_length=500,
                                description="Left out: what the order's latest ledger entry says")


class NoticeIn(BaseModel):
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=10000)
    items: list[NoticeLineIn] = Field(min_length=1, max_length=200)


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class NoticeLineOut(BaseModel):
    order_number: str
    unit: str
    category: str
    region: str
    problem: str


class PublicNoticeOut(BaseModel):
    id: int
    number: str | None
    centre: str
    title: str
    body: str
    published_at: dt.datetime | None
    items: list[NoticeLineOut]


class NoticeOut(PublicNoticeOut):
    status: NoticeStatus
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_reason: str | None


class BehindRowOut(BaseModel):
    number: str
    title: str
    status: str
    registered_at: dt.datetime
    counted: list[str]


class BehindOut(BaseModel):
    unit_id: int
    unit_name: str
    period: str
    label: str
    total: int
    counted: int
    rows: list[BehindRowOut]


class DailyReportOut(BaseModel):
    day: dt.date
    emergency: int
    stability: int
    sent_at: dt.datetime
