"""API shapes of the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str | None
    object_id: str | None
    detail: dict[str, Any]
    ip: str | None


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    problems: list[dict[str, Any]]
