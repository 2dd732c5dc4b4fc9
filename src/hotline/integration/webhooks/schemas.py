"""Request and response shapes of the push and the feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class EventTypeOut(BaseModel):
    type: str
    name: str


class TargetIn(BaseModel):
    pattern: str = Field(max_length=253, description="host name, *.domain, IP address or network (CIDR)")
    allow_http: bool = Field(default=False, description="plain http accepted for this target (loopback in tests)")
    note: str | None = Field(default=None, max_length=200)


class TargetOut(BaseModel):
    ref: str
    pattern: str
    allow_http: bool
    note: str | None
    created_at: dt.datetime


class SubscriptionIn(BaseModel):
    name: str = Field(max_length=100)
    owner: str = Field(max_length=64, description="username of the receiving account (its scope and masking apply)")
    url: str = Field(max_length=500)
    event_types: list[str] = Field(max_length=50)
    region_codes: list[str] = Field(default_factory=list, max_length=50)
    category_codes: list[str] = Field(default_factory=list, max_length=50)
    algorithm: str = Field(default="hmac-sha256", description="hmac-sha256 | hmac-sm3")


class SubscriptionPatch(BaseModel):
    name: str | None = Field(default=None, max_length=100)
    url: str | None = Field(default=None, max_length=500)
    event_types: list[str] | None = Field(default=None, max_length=50)
    region_codes: list[str] | None = Field(default=None, max_length=50)
    category_codes: list[str] | None = Field(default=None, max_length=50)
    algorithm: str | None = None
    version: int | None = Field(default=None, description="the version read; 409 when it has changed since")


class VersionIn(BaseModel):
    version: int | None = None
    reason: str | None = Field(default=None, max_length=200)


class SubscriptionOut(BaseModel):
    ref: str
    name: str
    owner: str
    url: str
    event_types: list[str]
    region_codes: list[str]
    category_codes: list[str]
    algorithm: str
    state: str
    paused_reason: str | None
    paused_at: dt.datetime | None
    failure_streak: int
    pending: int
    delivered: int
    dead: int
    created_at: dt.datetime
    version: int


class NewSubscriptionOut(SubscriptionOut):
    secret: str = Field(description="the signing secret, shown in this answer only")


class SecretOut(BaseModel):
    secret: str


class DeliveryOut(BaseModel):
    ref: str
    event_id: str
    event_type: str
    occurred_at: dt.datetime
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_latency_ms: int | None
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    replays: int


class ReplayIn(BaseModel):
    since: dt.datetime
    until: dt.datetime


class ReplayOut(BaseModel):
    requeued: int


class FeedOut(BaseModel):
    events: list[dict[str, Any]]
    next_cursor: str = Field(description="pass as ?after= to read on; it moves past events you may not see")
    has_more: bool
