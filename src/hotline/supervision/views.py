"""Pages of supervision: the ledgers (台账) with their filters and Excel export; the internal
and the public good/bad ranking of units (好差评榜单)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.supervision import repository, rules, service
from hotline.supervision.models import LEDGER_NAMES, LedgerKind, LetterKind
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, text
from hotline.web.templating import render, templates
from hotline.workorder.models import WorkOrder

router = routing.router()
PAGE = 50


def _date(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, "日期格式应为 YYYY-MM-DD") from None


@router.get("/ledgers", response_class=HTMLResponse)
def ledgers_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_orders)
    q = request.query_params
    values = {k: q.get(k, "") for k in ("kind", "region_code", "since", "until", "open")}
    kind = LedgerKind(values["kind"]) if values["kind"] in LedgerKind.__members__ else None
    offset = max(0, min(int(q.get("offset", "0")) if q.get("offset", "0").isdigit() else 0, 10**6))
    errors: dict[str, str] = {}
    rows: list[service.LedgerRow] = []
    total = 0
    try:
        f = service.ledger_filter(kind=kind, open_only=values["open"] == "1",
                                  region_code=values["region_code"] or None,
                                  since=_date(values["since"], "since"), until=_date(values["until"], "until"))
        rows, total = service.ledger_rows(db, principal, f, limit=PAGE, offset=offset)
    except InvalidInput as exc:
        errors[exc.field or "kind"] = exc.message
        f = repository.LedgerFilter()
    query = {k: v for k, v in values.items() if v}
    return render(request, "supervision/ledgers.html", principal, title="督办台账", rows=rows, total=total,
                  limit=PAGE, offset=offset, kinds=list(LEDGER_NAMES.items()), values=values, errors=errors,
                  base="/ledgers?" + urlencode(query) + ("&" if query else ""),
                  export="/api/v1/ledgers/export.xlsx" + ("?" + urlencode(
                      {("open_only" if k == "open" else k): ("true" if k == "open" else v) for k, v in query.items()})
                      if query else ""))


def _chart(r: service.Ranking, top: int = 20) -> str:
    """The bar chart's data, read by static/js/charts.js (the CSP allows no inline script)."""
    rows = [row for row in r.rows if row.score is not None][:top]
    text = json.dumps({"title": f"{r.period.label}综合得分（前 {len(rows)} 名）",
                       "names": [row.unit_name for row in rows], "values": [row.score for row in rows]},
                      ensure_ascii=False)
    # Inside <script>: no name may close the element or open a comment.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _periods(now: dt.date) -> list[tuple[str, str]]:
    """The last twelve months and the last four quarters, newest first."""
    out: list[tuple[str, str]] = []
    year, month = now.year, now.month
    for _ in range(12):
        p = rules.period(f"{year}-{month:02d}")
        out.append((p.key, p.label))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    year, quarter = now.year, (now.month - 1) // 3 + 1
    for _ in range(4):
        p = rules.period(f"{year}-Q{quarter}")
        out.append((p.key, p.label))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out


def _ranking_context(request: Request, db: Db, region_prefix: str | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    try:
        period = service.parse_period(request.query_params.get("period"))
    except InvalidInput as exc:
        errors["period"] = exc.message
        period = service.parse_period(None)
    r = service.ranking(db, period, region_prefix=region_prefix)
    return {"ranking": r, "chart": _chart(r), "indicators": rules.INDICATORS, "errors": errors,
            "periods": _periods(clock.now().astimezone(clock.CST).date()), "period": period}


@router.get("/rankings", response_class=HTMLResponse)
def rankings_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_org)
    context = _ranking_context(request, db, principal.region_prefix)
    return render(request, "supervision/rankings.html", principal, title="好差评榜单", **context)


@router.get("/public/rankings", response_class=HTMLResponse)
def public_rankings_page(request: Request, db: Db) -> Response:
    """The public ranking: unit-level rates and scores, nothing about any person."""
    context = _ranking_context(request, db, None)
    return templates.TemplateResponse(request, "supervision/public_rankings.html",
                                      {**context, "title": "好差评榜单"})


# --- letters on the order page ---------------------------------------------------------------


@router.post("/supervision/orders/{number}/letters", response_class=HTMLResponse)
def issue_letter_form(request: Request, number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    order = access.access_work_order(db, principal, number)
    try:
        kind_value = text(form, "kind") or ""
        if kind_value not in LetterKind.__members__:
            raise InvalidInput("kind", "请选择文书类型")
        days = text(form, "working_days")
        if days is not None and not days.isdigit():
            raise InvalidInput("working_days", "回复期限应为 1 到 30 个工作日")
        service.issue_letter(db, principal, order, kind=LetterKind(kind_value), reason=text(form, "reason"),
                             working_days=int(days) if days else None)
    except HotlineError as exc:
        return _failed(request, principal, db, order, exc, "letter", form)
    return RedirectResponse(f"/orders/{order.number}?done=letter#letters", status_code=303)


@router.post("/supervision/letters/{letter_id}/response", response_class=HTMLResponse)
def respond_letter_form(request: Request, letter_id: IdPath, principal: CurrentPrincipal, db: Db,
                        form: Form) -> Response:
    letter = service.access_letter(db, principal, letter_id)
    order = db.get(WorkOrder, letter.work_order_id)
    assert order is not None
    try:
        service.respond_letter(db, principal, letter, text=text(form, "text") or "")
    except HotlineError as exc:
        return _failed(request, principal, db, order, exc, "letter_response", form)
    return RedirectResponse(f"/orders/{order.number}?done=letter_response#letters", status_code=303)


def _failed(request: Request, principal: Principal, db: Session, order: WorkOrder, exc: HotlineError,
            failed: str, form: dict[str, Any]) -> Response:
    from hotline.workorder.views import _detail, _failure

    db.rollback()
    errors, banner, kind = _failure(exc)
    return _detail(request, principal, db, order, status=exc.status_code, flash=banner, flash_kind=kind,
                   failed=failed, errors=errors, values=form)
