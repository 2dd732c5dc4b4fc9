"""API shapes of accounts."""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from hotline.auth.models import Role
from hotline.kit.db import MAX_ID


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class MeOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    role_name: str
    unit_id: int
    unit_name: str
    region_code: str
    must_change_password: bool
    csrf_token: str | None = None


class PasswordChangeIn(BaseModel):
    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)


class PasswordResetIn(BaseModel):
    password: str = Field(max_length=128)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    phone: str | None = Field(description="Masked unless the caller is the account itself")
    role: Role
    unit_id: int
    is_service: bool
    active: bool
    must_change_password: bool
    created_at: dt.datetime
    version: int


class UserCreate(BaseModel):
    username: str = Field(max_length=64)
    display_name: str = Field(max_length=50)
    role: Role
    unit_id: int = Field(ge=1, le=MAX_ID)
    password: str | None = Field(default=None, max_length=128)
    phone: str | None = Field(default=None, max_length=30)
    is_service: bool = False


class UserUpdate(BaseModel):
    display_name: str | None = Field(default=None, max_length=50)
    role: Role | None = None
    unit_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    active: bool | None = None
    phone: str | None = Field(default=None, max_length=30)
    version: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="Send the version you read: 409 if it changed"
    )


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class TokenCreate(BaseModel):
    name: str = Field(max_length=100)
    days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIssued(TokenOut):
    token: str = Field(description="Shown once; store it now")
