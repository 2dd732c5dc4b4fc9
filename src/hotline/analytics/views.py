"""Pages of the statistics workbench (统计分析), in Simplified Chinese:

- ``/statistics`` — choose measures, a dimension, a period and filters; the table with 环比 and
  同比 and a totals row, the trend, category and region charts (ECharts). The URL's query string
  carries the whole state (a shareable link); the form updates the result with htmx and pushes
  the URL. Every figure links to the orders behind it.
- ``/statistics/orders`` — the orders behind one cell (keyset pages, "下一页"), each linking to
  its order page; the count shown is the cell's.
- ``/statistics/export.xlsx``, ``/statistics/orders/export.xlsx`` — the table or the list as an
  Excel file, the filters in its header rows; audited.
- ``/statistics/views`` — save the current state under a name; open or delete one's own views.

The figures are :mod:`hotline.analytics.service`'s, over the caller's own scope."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from hotline.analytics import saved_views, workbench
from hotline.analytics.measures import ALL_MEASURES, DIMENSIONS, MEASURES
from hotline.auth.principal import Principal
from hotline.kit import excel
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.org import repository as org_repository
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, text
from hotline.web.templating import render

router = routing.router()


def _params(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in workbench.STATE_PARAMS:
        values = request.query_params.getlist(name)
        if values:
            out[name] = values
    return out


def _options(db: Session, principal: Principal) -> dict[str, Any]:
    """What the filter selects offer: first- and second-level categories, the regions of the
    caller's region, channels and appeal types."""
    prefix = principal.region_prefix
    categories = [c for c in org_repository.all_categories(db) if c.level <= 2 and c.active]
    regions = [r for r in org_repository.all_regions(db) if r.code.startswith(prefix) and len(r.code) == 6]
    return {"categories": sorted(categories, key=lambda c: c.code),
            "regions": sorted(regions, key=lambda r: r.code),
            "channels": org_repository.list_channels(db), "appeal_types": org_repository.list_appeal_types(db)}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _context(db: Session, principal: Principal, state: workbench.State) -> dict[str, Any]:
    wb = workbench.build(db, principal, state)
    query = urlencode(state.params())
    return {"wb": wb, "state": state, "query": query, "export": f"/statistics/export.xlsx?{query}",
            "charts": _json({"trend": wb.trend, "categories": wb.categories, "regions": wb.regions}),
            "filters": workbench.filter_text(db, state), "dimension_text": workbench.dimension_text(state),
            "scope_text": workbench.scope_text(principal)}


def _page(request: Request, principal: Principal, db: Session, *, flash: str | None = None,
          flash_kind: str = "ok", status: int = 200, errors: dict[str, str] | None = None) -> Response:
    workbench.require_user(principal)
    errors = dict(errors or {})
    raw = _params(request)
    try:
        state = workbench.parse_state(raw)
        ctx = _context(db, principal, state)
    except InvalidInput as exc:
        errors[exc.field] = exc.reason
        state = workbench.State()
        ctx = _context(db, principal, state)
        status = 422
    partial = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "wb-result"
    common = {"errors": errors, "raw": raw, "MEASURES": MEASURES, "DIMENSIONS": DIMENSIONS,
              "LEVELS": workbench.LEVELS, "PERIOD_NAMES": workbench.PERIOD_NAMES,
              "ENTERPRISE_NAMES": workbench.ENTERPRISE_NAMES, **ctx}
    if partial:
        return render(request, "analytics/_result.html", principal, status_code=status, **common)
    return render(request, "analytics/workbench.html", principal, status_code=status, title="统计分析",
                  views=saved_views.list_views(db, principal), options=_options(db, principal), flash=flash,
                  flash_kind=flash_kind, **common)


@router.get("/statistics", response_class=HTMLResponse)
def workbench_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    err = request.query_params.get("err")
    return _page(request, principal, db, flash=err or request.query_params.get("ok"), flash_kind="err" if err else "ok")


def _attachment(chunks: Any, name: str) -> StreamingResponse:
    return StreamingResponse(chunks, media_type=excel.XLSX_MEDIA_TYPE,
                             headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/statistics/export.xlsx")
def export_table(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The table as the page shows it, with the filters in the header rows (audited)."""
    workbench.require_user(principal)
    state = workbench.parse_state(_params(request))
    chunks, name = workbench.export_table(db, principal, state)
    return _attachment(chunks, name)


def _cell(request: Request) -> tuple[workbench.State, str | None, str, int | None]:
    state = workbench.parse_state(_params(request))
    key, measure, after = workbench.parse_cell(request.query_params, measure_param="cell")
    return state, key, measure, after


@router.get("/statistics/orders", response_class=HTMLResponse)
def orders_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The orders behind one figure of the table, fifty a page (keyset: "下一页")."""
    workbench.require_user(principal)
    state, key, measure, after = _cell(request)
    page = workbench.drill(db, principal, state, key, measure, after)
    base = [*state.params(), ("key", "*" if key is None else key), ("cell", measure)]
    return render(request, "analytics/orders.html", principal, title="统计明细", page=page, state=state,
                  measure=ALL_MEASURES[measure], back="/statistics?" + urlencode(state.params()),
                  next_url=("/statistics/orders?" + urlencode([*base, ("after", page.next_after)]))
                  if page.next_after else None,
                  first_url="/statistics/orders?" + urlencode(base) if after else None,
                  export="/statistics/orders/export.xlsx?" + urlencode(base),
                  filters=workbench.filter_text(db, state), dimension_text=workbench.dimension_text(state),
                  scope_text=workbench.scope_text(principal))


@router.get("/statistics/orders/export.xlsx")
def export_orders(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The orders behind one figure as an Excel list (no personal data; audited)."""
    workbench.require_user(principal)
    state, key, measure, _after = _cell(request)
    chunks, name = workbench.export_orders(db, principal, state, key, measure)
    return _attachment(chunks, name)


@router.post("/statistics/views", response_class=HTMLResponse)
def save_view(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Save the state the form carries (the page's current query string) under a name."""
    from urllib.parse import parse_qs

    query = text(form, "query") or ""
    try:
        state = workbench.parse_state(parse_qs(query[:4000], keep_blank_values=True))
        view = saved_views.save_view(db, principal, name=text(form, "name") or "", state=state)
    except HotlineError as exc:
        db.rollback()
        return RedirectResponse(f"/statistics?{query}&{urlencode({'err': '未保存：' + exc.message})}",
                                status_code=303)
    return RedirectResponse(f"/statistics?{view.query}&{urlencode({'ok': f'已保存视图“{view.name}”'})}",
                            status_code=303)


@router.get("/statistics/views/{ref}")
def open_view(principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    view = saved_views.access_view(db, principal, ref)
    return RedirectResponse(f"/statistics?{view.query}", status_code=303)


@router.post("/statistics/views/{ref}/delete")
def delete_view(principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    view = saved_views.access_view(db, principal, ref)
    name = view.name
    saved_views.delete_view(db, principal, view)
    return RedirectResponse(f"/statistics?{urlencode({'ok': f'已删除视图“{name}”'})}", status_code=303)
