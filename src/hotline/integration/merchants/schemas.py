"""Request and response shapes of the service-merchant API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class MerchantIn(BaseModel):
    name: str = Field(max_length=100)
    uscc: str = Field(max_length=30, description="统一社会信用代码 (check digit verified)")
    service_types: list[str] = Field(max_length=10, description="codes of GET /merchants/service-types")
    area_codes: list[str] = Field(max_length=30, description="region codes served (a city covers its counties)")
    business_phone: str = Field(max_length=30, description="the number the merchant publishes (shown to citizens)")
    contact_name: str = Field(max_length=50, description="contact person (personal data)")
    contact_phone: str = Field(max_length=30, description="contact person's phone (personal data)")
    address: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=500)


class MerchantPatch(MerchantIn):
    version: int | None = Field(default=None, description="the version read; 409 when it has changed since")


class ReviewIn(BaseModel):
    admit: bool
    reason: str | None = Field(default=None, max_length=500, description="required when not admitted")
    version: int | None = None


class StatusIn(BaseModel):
    action: str = Field(max_length=16, description="warn | clear | suspend | readmit | remove | reapply")
    reason: str = Field(max_length=500)
    version: int | None = None


class DecisionIn(BaseModel):
    accept: bool
    note: str | None = Field(default=None, max_length=500, description="required when dismissing")


class EvaluationOut(BaseModel):
    referrals: int
    rated: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    complaints: int
    satisfaction: float | None
    mean_response_hours: float | None


class MerchantOut(BaseModel):
    ref: str
    name: str
    uscc: str
    service_types: list[str]
    area_codes: list[str]
    business_phone: str
    address: str | None
    description: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_masked: bool
    status: str
    status_name: str
    status_reason: str | None
    status_changed_at: dt.datetime
    created_at: dt.datetime
    version: int
    evaluation: EvaluationOut | None = None


class StatusChangeOut(BaseModel):
    action: str
    from_status: str
    to_status: str
    reason: str
    decided_by: str
    at: dt.datetime
    proposal: str | None


class ProposalOut(BaseModel):
    ref: str
    merchant: str
    merchant_name: str
    action: str
    reason: str
    figures: dict[str, object]
    state: str
    raised_at: dt.datetime


class ServiceTypeOut(BaseModel):
    code: str
    name: str


class CandidateOut(BaseModel):
    ref: str
    name: str
    service_types: list[str]
    business_phone: str
    status: str
    satisfaction: float | None
    complaints: int


class ReferralIn(BaseModel):
    merchant: str = Field(max_length=32, description="the merchant's ref")
    service_type: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=200)


class ReferralOut(BaseModel):
    ref: str
    merchant: str
    merchant_name: str
    business_phone: str
    service_type: str
    note: str | None
    referred_at: dt.datetime
    verdict: str | None
    response_hours: int | None
    rated_at: dt.datetime | None


class RatingIn(BaseModel):
    verdict: str = Field(max_length=24,
                         description="satisfied | basically_satisfied | dissatisfied (the callback scale)")
    response_hours: int | None = Field(default=None, description="hours until the merchant responded (0–720)")
    note: str | None = Field(default=None, max_length=200)


class ComplaintIn(BaseModel):
    merchant: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=200)


class ComplaintOut(BaseModel):
    ref: str
    merchant: str
    merchant_name: str
    note: str | None
    marked_at: dt.datetime


class PublicMerchantOut(BaseModel):
    name: str
    service_types: list[str]
    area_codes: list[str]
    business_phone: str
    address: str | None
    description: str | None


class RaisedOut(BaseModel):
    raised: int
