"""Request and response shapes of federation's JSON API (the admin's peers and messages, the
dispatcher's transfer). The peer-to-peer inbox takes signed raw JSON (docs/adr/0023-federation.md)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class PeerIn(BaseModel):
    name: str = Field(max_length=40, description="short code of the peer: lower-case letters, digits, - or _")
    url: str = Field(max_length=500, description="the peer platform's base URL")
    display_name: str | None = Field(default=None, max_length=100)
    key_id: str | None = Field(default=None, max_length=40, description="the key id the peer gave (completes a pair)")
    secret: str | None = Field(default=None, max_length=200, description="the secret the peer gave")
    contact_policy: str = Field(default="masked", description="full | masked: the caller's contact sent to it")
    category_codes: list[str] = Field(default_factory=list, max_length=100,
                                      description="categories open for mutual dispatch (empty: all)")


class PeerPatch(BaseModel):
    version: int | None = None
    display_name: str | None = Field(default=None, max_length=100)
    url: str | None = Field(default=None, max_length=500)
    contact_policy: str | None = None
    category_codes: list[str] | None = Field(default=None, max_length=100)
    state: str | None = Field(default=None, description="active | disabled")


class PeerOut(BaseModel):
    ref: str
    name: str
    display_name: str
    url: str
    key_id: str
    side: str
    state: str
    contact_policy: str
    category_codes: list[str]
    pending: int
    delivered: int
    failed: int
    last_success_at: dt.datetime | None
    last_error: str | None
    version: int


class NewPeerOut(PeerOut):
    secret: str | None = Field(description="shown once when this side made the pair's key: give it to the peer")


class TargetOut(BaseModel):
    ref: str
    name: str
    display_name: str
    category_codes: list[str]


class TransferIn(BaseModel):
    peer: str = Field(max_length=40, description="the peer's ref or name")
    reason: str = Field(max_length=500)
    version: int | None = None


class SendBackIn(BaseModel):
    reason: str = Field(max_length=500)
    version: int | None = None


class MessageOut(BaseModel):
    ref: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class TransferOut(BaseModel):
    ref: str
    direction: str
    peer: str
    peer_name: str
    state: str
    state_name: str
    remote_number: str | None
    remote_status: str | None
    remote_status_name: str | None
    remote_due_at: dt.datetime | None
    reason: str | None
    refusal: str | None
    created_at: dt.datetime
    messages: list[MessageOut]
