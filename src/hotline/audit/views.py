"""The auditor's page: search the audit log (by user, action, object and dates), read it in
Chinese, export it to Excel, and verify its chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hotline.audit import labels, repository, service
from hotline.audit.models import AuditEvent
from hotline.auth import access
from hotline.kit import clock, excel
from hotline.kit.clock import CST
from hotline.kit.errors import InvalidInput
from hotline.web import forms, routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render

router = routing.router()
PAGE = 50
#: Rows in one export (the Excel kit's ceiling); narrow the filter for more.
EXPORT_LIMIT = excel.MAX_ROWS - 1


@dataclass(frozen=True)
class Row:
    """An audit row as a person reads it."""

    seq: int
    at: dt.datetime
    actor: str
    login: str
    action: str
    code: str
    object: str
    detail: str
    ip: str


def _date(value: str | None, field: str, errors: dict[str, str]) -> dt.datetime | None:
    """A ``YYYY-MM-DD`` from the form as midnight China time; anything else is an error named
    on its field (and the filter left out)."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = "日期格式应为 年-月-日，如 2026-12-05"
        return None
    return dt.datetime.combine(day, dt.time(), tzinfo=CST)


def _filter(request: Request) -> tuple[repository.AuditFilter, dict[str, str]]:
    q = request.query_params
    errors: dict[str, str] = {}
    since, until = _date(q.get("since"), "since", errors), _date(q.get("until"), "until", errors)
    return repository.AuditFilter(
        actor=(q.get("actor") or "").strip() or None, action=(q.get("action") or None),
        object_type=(q.get("object_type") or None), object_id=(q.get("object_id") or "").strip() or None,
        since=since, until=until + dt.timedelta(days=1) if until else None,
    ), errors


def readable(db: Db, rows: list[AuditEvent]) -> list[Row]:
    names = repository.display_names(db, {r.actor_id for r in rows if r.actor_id is not None})
    return [Row(seq=r.seq, at=r.at, actor=labels.actor_name(r.actor_id, r.actor_name, names), login=r.actor_name,
                action=labels.action_name(r.action), code=r.action,
                object=" ".join(x for x in (labels.object_name(r.object_type), r.object_id or "") if x),
                detail=labels.detail_text(r.detail), ip=r.ip or "") for r in rows]


def _action_options() -> list[tuple[str, str]]:
    """Whole object kinds first (a prefix matches all their actions), then each action."""
    kinds = sorted({code.split(".")[0] for code in labels.ACTION_NAMES if "." in code})
    return ([(f"{kind}.", f"{labels.object_name(kind)}（全部）") for kind in kinds]
            + sorted(labels.ACTION_NAMES.items(), key=lambda kv: kv[0]))


def _page(
    request: Request, principal: CurrentPrincipal, db: Db, verify: service.VerifyResult | None = None
) -> Response:
    access.require_audit(principal)
    f, errors = _filter(request)
    offset = forms.offset(request)
    rows, total = repository.search(db, f, limit=PAGE, offset=offset)
    params = {k: v for k, v in request.query_params.items() if k != "offset" and v}
    return render(request, "audit/audit.html", principal, title="审计日志", rows=readable(db, rows), total=total,
                  offset=offset, q=request.query_params, errors=errors, base=f"/audit?{urlencode(params)}&",
                  export="/audit/export.xlsx" + (f"?{urlencode(params)}" if params else ""), verify=verify,
                  limit=PAGE, actions=_action_options(), objects=sorted(labels.OBJECT_NAMES.items()))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _page(request, principal, db)


@router.get("/audit/export.xlsx")
def audit_export(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The rows the page's filter finds, newest first, as an Excel sheet (at most
    ``EXPORT_LIMIT`` rows). The export is itself audited."""
    access.require_audit(principal)
    f, errors = _filter(request)
    if errors:
        field, reason = next(iter(errors.items()))
        raise InvalidInput(field, reason)
    rows = readable(db, repository.newest(db, f, limit=EXPORT_LIMIT))
    data = excel.write("审计日志", ["序号", "时间", "操作人", "账号", "动作", "动作代码", "对象", "详情", "来源 IP"], [
        (r.seq, r.at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S"), r.actor, r.login, r.action, r.code, r.object,
         r.detail, r.ip) for r in rows])
    from hotline.audit.service import record

    record(db, principal, "audit.exported", object_type="audit",
           detail={"rows": len(rows), **{k: v for k, v in request.query_params.items() if v}})
    name = quote(f"审计日志-{clock.now().astimezone(CST):%Y%m%d%H%M}.xlsx")
    return Response(content=data, media_type=excel.XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require_audit(principal)
    return _page(request, principal, db, verify=service.verify_recorded(db, principal))
