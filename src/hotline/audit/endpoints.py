"""JSON API of the audit log (auditors only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query

from hotline.audit import repository, service
from hotline.audit.schemas import AuditEventOut, VerifyOut
from hotline.auth import access
from hotline.auth.schemas import Page
from hotline.kit.db import MAX_ID
from hotline.kit.errors import InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["audit"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not an auditor"},
    422: {"description": "Invalid field"},
}


@router.get("/audit", response_model=Page[AuditEventOut], responses=ERRORS)
def search_audit(
    principal: CurrentPrincipal, db: Db,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=32)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Page[AuditEventOut]:
    access.require_audit(principal)
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(name, "时间须带时区，如 2026-11-22T08:00:00+08:00")
    rows, total = repository.search(
        db, repository.AuditFilter(actor, action, object_type, object_id, since, until),
        limit=limit, offset=offset,
    )
    return Page[AuditEventOut](items=[AuditEventOut.model_validate(r) for r in rows], total=total,
                               limit=limit, offset=offset)


@router.post("/audit/verify", response_model=VerifyOut, responses=ERRORS)
def verify_audit(principal: CurrentPrincipal, db: Db) -> VerifyOut:
    access.require_audit(principal)
    result = service.verify_recorded(db, principal)
    return VerifyOut(ok=result.ok, checked=result.checked, problems=result.problems)
