"""The auditor's page: search the audit log and verify its chain."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hotline.audit import repository, service
from hotline.auth import access
from hotline.kit.clock import CST
from hotline.web import forms, routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render

router = routing.router()
PAGE = 50


def _date(value: str | None) -> dt.datetime | None:
    """A ``YYYY-MM-DD`` from the form as midnight China time; anything else is ignored."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=CST)


def _page(
    request: Request, principal: CurrentPrincipal, db: Db, verify: service.VerifyResult | None = None
) -> Response:
    access.require_audit(principal)
    q = request.query_params
    since, until = _date(q.get("since")), _date(q.get("until"))
    f = repository.AuditFilter(
        actor=(q.get("actor") or None), action=(q.get("action") or None),
        object_type=(q.get("object_type") or None), object_id=(q.get("object_id") or None),
        since=since, until=until + dt.timedelta(days=1) if until else None,
    )
    offset = forms.offset(request)
    rows, total = repository.search(db, f, limit=PAGE, offset=offset)
    params = {k: v for k, v in q.items() if k != "offset" and v}
    return render(request, "audit/audit.html", principal, title="审计日志", rows=rows, total=total, offset=offset,
                  q=q, base=f"/audit?{urlencode(params)}&", verify=verify, limit=PAGE)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _page(request, principal, db)


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require_audit(principal)
    return _page(request, principal, db, verify=service.verify(db))
