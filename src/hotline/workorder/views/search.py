"""The order search page (工单查询): the filter form, fifty results a page (keyset), the Excel
export and the caller's saved searches."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, excel
from hotline.kit.errors import HotlineError
from hotline.org import repository as org_repository
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, text
from hotline.web.templating import render
from hotline.workorder import export, export_jobs, saved_searches, search
from hotline.workorder.lifecycle import STATUS_NAMES, Status
from hotline.workorder.search_endpoints import xlsx_response
from hotline.workorder.views._common import router


def _params(request: Request) -> dict[str, list[str]]:
    return {k: request.query_params.getlist(k) for k in request.query_params if k in search.PARAMS}


def _options(db: Session) -> dict[str, Any]:
    categories = sorted(org_repository.all_categories(db), key=lambda c: c.code)
    return {
        "channels": [(c.code, c.name) for c in org_repository.list_channels(db)],
        "appeal_types": [(t.code, t.name) for t in org_repository.list_appeal_types(db)],
        "categories": [(c.code, "　" * (len(c.code) // 2 - 1) + c.name) for c in categories if len(c.code) <= 6],
        "statuses": [("open", "全部未办结"), *[(s.value, STATUS_NAMES[s]) for s in Status]],
        "urgencies": [(u.value, n) for u, n in search.URGENCY_NAMES.items()],
        "verdicts": list(search.VERDICT_NAMES.items()),
    }


def _page(request: Request, principal: Principal, db: Session, *, flash: str | None = None,
          flash_kind: str = "ok") -> Response:
    search.require_searcher(principal)
    params = _params(request)
    error = None
    query = search.SearchQuery()
    page = None
    after = request.query_params.get("after") or None
    try:
        query = search.parse(params)
        if not query.is_empty() or request.query_params.get("run"):
            page = search.search(db, principal, query, after=after, now=clock.now())
    except HotlineError as exc:
        db.rollback()
        error = exc.message
    base = query.query_string()
    values = {name: ",".join(v) for name, v in params.items()}
    return render(
        request, "workorder/search.html", principal, title="工单查询", query=query, values=values, page=page,
        error=error, flash=flash, flash_kind=flash_kind, base=base,
        next_url=f"/orders/search?{base}&{urlencode({'run': 1, 'after': page.next_after})}"
        if page and page.next_after else None,
        first_url=f"/orders/search?{base}&run=1" if after else None,
        export_url=f"/orders/search/export.xlsx?{base}",
        summary=search.summary(db, search.describe(db, query)),
        saved=[(s, search.summary(db, search.describe(db, saved_searches.query_of(s))))
               for s in saved_searches.list_searches(db, principal)],
        by_phone=principal.can(Cap.view_citizens), options=_options(db), inline_rows=export.INLINE_ROWS)


@router.get("/orders/search", response_class=HTMLResponse)
def search_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    err = request.query_params.get("err")
    return _page(request, principal, db, flash=err or request.query_params.get("ok"),
                 flash_kind="err" if err else "ok")


@router.get("/orders/search/export.xlsx")
def export_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    query = search.parse(_params(request))
    try:
        chunks, name = export.stream(db, principal, query)
    except HotlineError as exc:
        db.rollback()
        return RedirectResponse(f"/orders/search?{query.query_string()}&{urlencode({'run': 1, 'err': exc.message})}",
                                status_code=303)
    return xlsx_response(chunks, name)


@router.post("/orders/search/export-job", response_class=HTMLResponse)
def export_job(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    from urllib.parse import parse_qs

    raw = (text(form, "query") or "")[:4000]
    try:
        params = {k: v for k, v in parse_qs(raw).items() if k in search.PARAMS}
        job = export_jobs.create(db, principal, search.parse(params))
    except HotlineError as exc:
        db.rollback()
        return RedirectResponse(f"/orders/search?{raw}&{urlencode({'run': 1, 'err': '未创建：' + exc.message})}",
                                status_code=303)
    return RedirectResponse(f"/exports?{urlencode({'ok': f'已创建导出任务（{job.total} 件），完成后可下载'})}",
                            status_code=303)


@router.get("/exports", response_class=HTMLResponse)
def exports_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    rows = export_jobs.mine(db, principal)
    partial = request.headers.get("HX-Request") == "true"
    return render(request, "workorder/exports_list.html" if partial else "workorder/exports.html", principal,
                  title="导出任务", rows=rows, names=export_jobs.STATUS_NAMES, flash=request.query_params.get("ok"),
                  running=any(j.status in ("queued", "running") for j in rows))


@router.get("/exports/{ref}/file")
def export_file(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    from fastapi.responses import FileResponse

    job = export_jobs.access_job(db, principal, ref)
    path = export_jobs.file_of(job)
    if job.status != "done" or not path.exists():
        return RedirectResponse("/exports?" + urlencode({"ok": "导出文件尚未生成或已过期"}), status_code=303)
    return FileResponse(path, media_type=excel.XLSX_MEDIA_TYPE, filename=job.file_name or "工单查询.xlsx")


@router.post("/orders/search/saved", response_class=HTMLResponse)
def save_search(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    from urllib.parse import parse_qs

    raw = (text(form, "query") or "")[:4000]
    try:
        params = {k: v for k, v in parse_qs(raw).items() if k in search.PARAMS}
        saved = saved_searches.save(db, principal, name=text(form, "name") or "", query=search.parse(params))
    except HotlineError as exc:
        db.rollback()
        return RedirectResponse(f"/orders/search?{raw}&{urlencode({'run': 1, 'err': '未保存：' + exc.message})}",
                                status_code=303)
    return RedirectResponse(f"/orders/search?{saved.query}&{urlencode({'run': 1, 'ok': f'已保存查询“{saved.name}”'})}",
                            status_code=303)


@router.post("/orders/search/saved/{ref}/delete", response_class=HTMLResponse)
def delete_search(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    saved = saved_searches.access_search(db, principal, ref)
    name = saved.name
    saved_searches.delete(db, principal, saved)
    return RedirectResponse("/orders/search?" + urlencode({"ok": f"已删除查询“{name}”"}), status_code=303)
