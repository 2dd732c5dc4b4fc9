"""API shapes of the knowledge base."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from hotline.knowledge.models import PolicyClass, VersionStatus

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


class ItemIn(BaseModel):
    question: str = Field(max_length=200)
    answer: str = Field(max_length=5000)
    policy_class: PolicyClass | None = None
    category_code: str | None = Field(default=None, max_length=16)
    region_code: str | None = Field(default=None, max_length=9, description="Where it applies; default the unit's")
    document_id: Id | None = None
    effective_on: dt.date | None = None
    expires_on: dt.date | None = None
    keywords: list[Annotated[str, Field(max_length=30)]] = Field(default_factory=list, max_length=20)
    collection_id: Id | None = None
    owner_unit_id: Id | None = Field(default=None, description="Reviewers only: an item for a unit of the region")


class ReasonIn(BaseModel):
    reason: str = Field(max_length=500)


class VersionOut(BaseModel):
    id: int
    number: int
    status: VersionStatus
    status_name: str
    question: str
    answer: str
    policy_class: PolicyClass | None
    category_code: str | None
    category_name: str | None
    region_code: str
    region_name: str
    document_id: int | None
    doc_number: str | None
    effective_on: dt.date
    expires_on: dt.date | None
    keywords: list[str]
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    review_reason: str | None
    published_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str | None


class ItemOut(BaseModel):
    id: int
    owner_unit_id: int
    owner_unit: str
    latest: VersionOut
    published_version_id: int | None
    views: int
    answers: int
    helpful: int
    not_helpful: int
    allowed: list[str] = Field(description="What the caller may do with it now")


class ItemDetailOut(ItemOut):
    versions: list[VersionOut]


class HitOut(BaseModel):
    item_id: int
    version_id: int
    question: str
    answer: str
    policy_class: PolicyClass | None
    policy_class_name: str | None
    category_name: str | None
    region_name: str
    owner_unit: str
    doc_number: str | None
    doc_title: str | None
    effective_on: dt.date
    expires_on: dt.date | None
    score: float
    coverage: float = Field(description="Share of the question (by term weight) the item matches, 0–1")
    matched: list[str]


class PublicHitOut(BaseModel):
    item_id: int
    question: str
    answer: str
    policy_class_name: str | None
    category_name: str | None
    region_name: str
    owner_unit: str
    doc_number: str | None
    doc_title: str | None
    effective_on: dt.date
    expires_on: dt.date | None


class VoteIn(BaseModel):
    helpful: bool


class AssistantIn(BaseModel):
    question: str = Field(max_length=500)
    region_code: str | None = Field(default=None, max_length=9)


class AssistantOut(BaseModel):
    answered: bool
    message: str
    source: PublicHitOut | None = Field(description="The item the answer comes from (cited)")
    related: list[PublicHitOut]
    appeal_url: str | None = Field(description="Where to file the question as an appeal when it was not answered")


class DocumentIn(BaseModel):
    title: str = Field(max_length=200)
    doc_number: str = Field(max_length=60)
    issued_on: dt.date
    owner_unit_id: Id | None = None


class DocumentOut(BaseModel):
    id: int
    title: str
    doc_number: str
    issued_on: dt.date
    due_on: dt.date
    owner_unit_id: int
    owner_unit: str
    first_published_at: dt.datetime | None
    settled_at: dt.datetime | None
    on_time: bool | None
    items: int
    published_items: int


class CollectionIn(BaseModel):
    topic: str = Field(max_length=200)
    description: str = Field(max_length=5000)
    due_at: dt.datetime
    unit_ids: list[Id] = Field(max_length=200)


class DeliveryOut(BaseModel):
    unit_id: int
    unit: str
    submitted: int
    first_at: dt.datetime | None
    on_time: bool


class CollectionOut(BaseModel):
    id: int
    topic: str
    description: str
    centre_unit: str
    due_at: dt.datetime
    created_at: dt.datetime
    closed_at: dt.datetime | None
    deliveries: list[DeliveryOut]


class UnitUsageOut(BaseModel):
    unit_id: int
    unit_name: str
    items: int
    published: int
    views: int
    answers: int
    helpful: int
    not_helpful: int


class ImportOut(BaseModel):
    created: int
