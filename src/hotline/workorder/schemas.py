"""API shapes of work orders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from hotline.kit.db import MAX_ID
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import AssignmentRole, ReplyResult, Verdict
from hotline.workorder.sla import DeadlineState, Urgency

Id = Field(ge=1, le=MAX_ID)
Version = Field(default=None, ge=1, le=MAX_ID, description="The version you read: 409 if the order changed since")


class IntakeIn(BaseModel):
    channel: str = Field(max_length=32, description="Channel code, e.g. phone, web, leader_board")
    appeal_type: str = Field(max_length=32, description="consultation, help, complaint, report, suggestion, praise")
    title: str = Field(max_length=100)
    content: str = Field(max_length=5000)
    phone: str | None = Field(default=None, max_length=30)
    name: str | None = Field(default=None, max_length=50)
    category_code: str | None = Field(default=None, max_length=16)
    region_code: str | None = Field(default=None, max_length=9)
    address: str | None = Field(default=None, max_length=300)
    is_confidential: bool = False
    urgency: Urgency = Urgency.normal
    is_enterprise: bool = False
    enterprise_name: str | None = Field(default=None, max_length=100)
    uscc: str | None = Field(default=None, max_length=18)
    answer: str | None = Field(default=None, max_length=5000, description="Consultation answered now: closes it")
    knowledge_item_id: int | None = Field(default=None, ge=1, le=2_147_483_647,
                                          description="The knowledge item that answered the consultation "
                                                      "(its published answer unless `answer` is given)")


class PublicIntakeIn(BaseModel):
    appeal_type: str = Field(max_length=32)
    title: str = Field(max_length=100)
    content: str = Field(max_length=5000)
    phone: str = Field(max_length=30)
    name: str | None = Field(default=None, max_length=50)
    region_code: str | None = Field(default=None, max_length=9)
    address: str | None = Field(default=None, max_length=300)
    uscc: str | None = Field(default=None, max_length=18)
    enterprise_name: str | None = Field(default=None, max_length=100)


class AssignmentOut(BaseModel):
    unit_id: int
    unit_name: str
    role: AssignmentRole
    state: str
    assigned_at: dt.datetime
    signed_at: dt.datetime | None
    contribution: str | None


class CitizenBrief(BaseModel):
    name: str | None
    phone: str | None
    masked: bool


class OrderOut(BaseModel):
    number: str
    status: Status
    status_name: str
    version: int
    channel: str
    appeal_type: str
    category_code: str | None
    category_name: str | None
    region_code: str | None
    region_name: str | None
    address: str | None
    title: str
    content: str
    citizen: CitizenBrief | None
    is_confidential: bool
    urgency: Urgency
    is_enterprise: bool
    enterprise_name: str | None
    uscc: str | None
    centre_unit: str
    lead_unit_id: int | None
    lead_unit: str | None
    direct_dispatch: bool
    registered_at: dt.datetime
    dispatched_at: dt.datetime | None
    dispatch_seconds: float | None
    sign_due_at: dt.datetime | None
    due_at: dt.datetime | None
    due_covered: bool
    deadline_state: DeadlineState | None
    closed_at: dt.datetime | None
    answer: str | None
    return_count: int
    rehandle_count: int
    dissatisfied_count: int
    supervision_flag: bool
    final_result: ReplyResult | None
    final_verdict: Verdict | None
    assignments: list[AssignmentOut]
    merged_into: str | None = None  # the number of the order this one was merged into
    merged: list[str] = Field(default_factory=list)  # the numbers of the orders merged into this one
    urge_count: int = Field(default=0, description="催办: repeat appeals that joined this open order at intake")
    sources: list[SourceOut] = Field(default_factory=list, description="every source, merged orders' included")


class SourceOut(BaseModel):
    """One way the appeal reached the platform: this order's own, or that of an order merged into it."""

    number: str = Field(description="the order the source made (this one, or one merged into it)")
    channel: str
    channel_name: str
    ref: str | None = Field(default=None, description="the channel's own id: board message, Open311 request, call")
    received_at: dt.datetime | None = Field(default=None, description="the time the source gives the appeal")
    links: list[str] = Field(default_factory=list, description="the pictures and files the source showed with the "
                             "appeal (a board message's images, an Open311 media_url), as its links: not fetched")


class OrderBrief(BaseModel):
    number: str
    status: Status
    status_name: str
    title: str
    appeal_type: str
    lead_unit: str | None
    registered_at: dt.datetime
    due_at: dt.datetime | None
    deadline_state: DeadlineState | None
    urgency: Urgency
    is_enterprise: bool = False  # an enterprise's appeal: the green channel (绿色通道)


class IntakeOut(BaseModel):
    """What intake answers: enough to quote the number to the caller and to follow up
    (``GET /work-orders/{number}`` has the whole order)."""

    number: str
    status: Status
    status_name: str
    version: int
    appeal_type: str
    urgency: Urgency
    lead_unit_id: int | None
    lead_unit: str | None
    direct_dispatch: bool
    registered_at: dt.datetime
    dispatched_at: dt.datetime | None
    dispatch_seconds: float | None
    due_at: dt.datetime | None
    due_covered: bool
    deadline_state: DeadlineState | None
    closed_at: dt.datetime | None
    answer: str | None
    assignments: list[AssignmentOut]
    created: bool = Field(description="False when an Idempotency-Key replay returned the earlier order")
    merged_into: str | None = Field(default=None, description=(
        "The open order this appeal repeats (同一诉求): it joined that order instead of being dispatched again"))


class DispatchIn(BaseModel):
    lead_unit_id: int = Id
    assisting_unit_ids: list[int] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, max_length=500)
    category_code: str | None = Field(default=None, max_length=16, description=(
        "The category the dispatcher accepts or chooses; a change is recorded as category_set"))
    version: int | None = Version


class TransferIn(BaseModel):
    centre_unit_id: int = Id
    note: str | None = Field(default=None, max_length=500)
    version: int | None = Version


class VersionIn(BaseModel):
    version: int | None = Version


class MergeIn(BaseModel):
    numbers: list[str] = Field(min_length=1, max_length=50)
    version: int | None = Version


class ReturnIn(BaseModel):
    reason: str = Field(max_length=500)
    suggested_unit_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    version: int | None = Version


class RevealIn(BaseModel):
    reason: str = Field(max_length=200, description="Why the unit needs the caller's contact (audited)")


class ReasonIn(BaseModel):
    reason: str = Field(max_length=500)
    version: int | None = Version


class CoordinationIn(BaseModel):
    candidate_unit_ids: list[int] = Field(min_length=2, max_length=10)
    note: str | None = Field(default=None, max_length=500)
    version: int | None = Version


class DecisionIn(BaseModel):
    unit_id: int = Id
    note: str = Field(max_length=500)
    version: int | None = Version


class ExtensionIn(BaseModel):
    working_days: int = Field(ge=1, le=30)
    reason: str = Field(max_length=500)


class ExtensionDecisionIn(BaseModel):
    approve: bool
    working_days: int | None = Field(default=None, ge=1, le=30)
    note: str | None = Field(default=None, max_length=500)


class AssistIn(BaseModel):
    text: str = Field(max_length=5000)


class ReplyIn(BaseModel):
    result: ReplyResult
    text: str = Field(max_length=5000)
    version: int | None = Version


class ReviewIn(BaseModel):
    accept: bool
    reason: str | None = Field(default=None, max_length=500)
    version: int | None = Version


class CallbackIn(BaseModel):
    reached: bool
    resolved: bool | None = None
    verdict: Verdict | None = None
    unit_fault: bool = False
    note: str | None = Field(default=None, max_length=500)
    version: int | None = Version


class WithdrawIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)
    version: int | None = Version


class PublicSubmissionOut(BaseModel):
    """Step 1 of a public appeal: a code went to the phone; confirm with it and the token."""

    token: str = Field(description="Send it back with the code to POST /api/v1/public/appeals/confirm")
    phone: str = Field(description="The phone the code went to, masked (138****8000)")
    expires_at: dt.datetime
    message: str
    demo_code: str | None = Field(default=None, description="Only on the demo, which texts nothing")


class PublicConfirmIn(BaseModel):
    token: str = Field(min_length=1, max_length=100)
    code: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit code texted to the phone")


class PublicWithdrawCodeIn(BaseModel):
    phone: str = Field(max_length=30)


class PublicNoticeOut(BaseModel):
    message: str
    demo_code: str | None = Field(default=None, description="Only on the demo, which texts nothing")


class PublicWithdrawIn(BaseModel):
    phone: str = Field(max_length=30)
    code: str = Field(pattern=r"^[0-9]{6}$", description="The code texted to the order's phone")
    reason: str | None = Field(default=None, max_length=500)


class SuggestionOut(BaseModel):
    unit_id: int
    unit_name: str
    reason: str


class TimelineEntry(BaseModel):
    at: dt.datetime
    event: str
    label: str
    actor: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class PublicTimelineEntry(BaseModel):
    at: dt.datetime
    label: str
    text: str | None = None


class PublicAttachmentOut(BaseModel):
    """A photo or file the citizen may see: their own, or one the unit showed with its reply.
    The links are signed and expire after an hour."""

    file_name: str
    content_type: str
    from_citizen: bool
    url: str
    thumbnail_url: str | None


class PublicOrderOut(BaseModel):
    number: str
    status_name: str
    title: str
    registered_at: dt.datetime
    closed_at: dt.datetime | None
    reply: str | None
    timeline: list[PublicTimelineEntry]
    can_withdraw: bool
    attachments: list[PublicAttachmentOut] = []
