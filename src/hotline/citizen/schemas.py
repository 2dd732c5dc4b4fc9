"""API shapes of the citizen register."""

from __future__ import annotations

from pydantic import BaseModel, Field

from hotline.kit.db import MAX_ID


class CitizenOut(BaseModel):
    ref: str = Field(description="The citizen's public identifier (32 hex digits), used in every URL")
    name: str | None
    phone: str | None
    id_number: str | None
    address: str | None
    note: str | None
    masked: bool = Field(description="True when the caller's role sees personal data masked")
    version: int


class CitizenCreate(BaseModel):
    phone: str = Field(max_length=30)
    name: str | None = Field(default=None, max_length=50)
    id_number: str | None = Field(default=None, max_length=18)
    address: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=500)


class CitizenUpdate(BaseModel):
    phone: str | None = Field(default=None, max_length=30)
    name: str | None = Field(default=None, max_length=50)
    id_number: str | None = Field(default=None, max_length=18)
    address: str | None = Field(default=None, max_length=300)
    note: str | None = Field(default=None, max_length=500)
    version: int | None = Field(default=None, ge=1, le=MAX_ID)
