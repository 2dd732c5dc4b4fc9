"""Pages of supervision: the ledgers (台账) with their filters and Excel export."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hotline.auth import access
from hotline.auth.roles import Cap
from hotline.kit.errors import InvalidInput
from hotline.supervision import repository, service
from hotline.supervision.models import LEDGER_NAMES, LedgerKind
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.templating import render

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
