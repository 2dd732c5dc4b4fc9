"""API shapes of supervision: ledger entries."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from hotline.supervision.models import LedgerKind


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
