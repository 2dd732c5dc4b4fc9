"""JSON API of the order search: ``GET /api/v1/work-orders/search`` (one page, keyset),
``GET /api/v1/work-orders/search/export`` (the .xlsx, up to 50,000 orders; larger ones are
export jobs, ``/api/v1/exports``) and the caller's saved searches. Included before the order routes, so that
``search`` is never read as an order number."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import Path, Query, Request, Response
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field

from hotline.kit import clock, excel
from hotline.kit.errors import Conflict, InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.workorder import export, export_jobs, saved_searches, search
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import ExportJob, SavedSearch
from hotline.workorder.sla import Urgency

router = routing.router(tags=["order search"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The role reads no orders, or may not search by phone (only centre staff may)"},
    404: {"description": "No such saved search of the caller's"},
    409: {"description": "An export of more than 50,000 orders (create an export job); a saved search of that name"},
    422: {"description": "Invalid field (named): number, phone, q, from, to, a code, status, a flag, after, limit"},
}
Code = Annotated[str | None, Query(max_length=40)]
Flag = Annotated[str | None, Query(max_length=5, description="true or false")]


class FoundOut(BaseModel):
    number: str
    title: str
    status: Status
    status_name: str
    appeal_type: str
    category: str | None
    region: str | None
    lead_unit: str | None
    channel: str
    urgency: Urgency
    registered_at: dt.datetime
    due_at: dt.datetime | None
    closed_at: dt.datetime | None
    overdue: bool = Field(description="past its handling deadline (now, or at some time)")
    is_enterprise: bool
    enterprise_name: str | None
    urge_count: int
    return_count: int
    rehandle_count: int
    merged: bool
    verdict: str | None = Field(description="the final callback verdict")


class SearchPageOut(BaseModel):
    items: list[FoundOut]
    total: int = Field(description="matching orders, counted up to 1,000")
    total_capped: bool = Field(description="true: at least ``total`` match — counting stopped there "
                                           "(at the cap of 1,000, or when a text search's count ran out of time)")
    next_after: str | None = Field(description="pass as ``after`` for the next page; null on the last page")
    query: str = Field(description="the search as a canonical query string (what a saved search keeps)")


class SavedSearchIn(BaseModel):
    name: str = Field(max_length=200)
    query: str = Field(max_length=4000, description="the search's query string, e.g. status=open&overdue=true")


class SavedSearchOut(BaseModel):
    ref: str
    name: str
    query: str
    summary: str
    created_at: dt.datetime


def _query(request: Request) -> search.SearchQuery:
    return search.parse({k: request.query_params.getlist(k) for k in request.query_params if k in search.PARAMS})


def found_out(item: search.Found) -> FoundOut:
    return FoundOut(**{name: getattr(item, name) for name in FoundOut.model_fields})


@router.get("/work-orders/search", response_model=SearchPageOut, responses=ERRORS)
def search_orders(
    request: Request, principal: CurrentPrincipal, db: Db,
    number: Code = None, phone: Code = None, q: Annotated[str | None, Query(max_length=200)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10, description="YYYY-MM-DD (China time)")] = None,
    to: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD, included")] = None,
    channel: Code = None, appeal_type: Code = None,
    category: Annotated[str | None, Query(max_length=40, description="category code: it and its subtree")] = None,
    region: Annotated[str | None, Query(max_length=40, description="region code: it and its subtree")] = None,
    lead_unit: Annotated[str | None, Query(max_length=40, description="unit code")] = None,
    status: Annotated[str | None, Query(max_length=200,
                                        description="statuses, comma separated; open: every open one")] = None,
    urgency: Code = None, overdue: Flag = None, enterprise: Flag = None, uscc: Code = None,
    enterprise_name: Annotated[str | None, Query(max_length=200)] = None,
    merged: Flag = None, returned: Flag = None, rehandled: Flag = None, urged: Flag = None,
    satisfaction: Code = None, due_soon: Flag = None,
    mine: Annotated[str | None, Query(max_length=5, description="true: registered by the caller")] = None,
    after: Annotated[str | None, Query(max_length=20, description="the last order number of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=search.MAX_PAGE)] = search.PAGE,
) -> SearchPageOut:
    """Orders in the caller's scope matching every given filter, newest first."""
    query = _query(request)
    page = search.search(db, principal, query, after=after, limit=limit, now=clock.now())
    return SearchPageOut(items=[found_out(i) for i in page.items], total=page.total, total_capped=page.total_capped,
                         next_after=page.next_after, query=query.query_string())


def xlsx_response(chunks: Any, name: str) -> StreamingResponse:
    return StreamingResponse(chunks, media_type=excel.XLSX_MEDIA_TYPE,
                             headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/work-orders/search/export", responses={**ERRORS, 200: {"content": {excel.XLSX_MEDIA_TYPE: {}}}})
def export_orders(
    request: Request, principal: CurrentPrincipal, db: Db,
    number: Code = None, phone: Code = None, q: Annotated[str | None, Query(max_length=200)] = None,
    from_: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    to: Annotated[str | None, Query(max_length=10)] = None, channel: Code = None, appeal_type: Code = None,
    category: Code = None, region: Code = None, lead_unit: Code = None,
    status: Annotated[str | None, Query(max_length=200)] = None, urgency: Code = None, overdue: Flag = None,
    enterprise: Flag = None, uscc: Code = None, enterprise_name: Annotated[str | None, Query(max_length=200)] = None,
    merged: Flag = None, returned: Flag = None, rehandled: Flag = None, urged: Flag = None,
    satisfaction: Code = None, due_soon: Flag = None, mine: Flag = None,
) -> Response:
    """The search's orders as an Excel file (the search in the header, contact data as the role
    may see it; audited). More than 50,000 orders: 409 — create an export job instead."""
    chunks, name = export.stream(db, principal, _query(request))
    return xlsx_response(chunks, name)


def saved_out(db: Db, saved: SavedSearch) -> SavedSearchOut:
    query = saved_searches.query_of(saved)
    return SavedSearchOut(ref=saved.ref, name=saved.name, query=saved.query,
                          summary=search.summary(db, search.describe(db, query)), created_at=saved.created_at)


@router.get("/saved-searches", response_model=list[SavedSearchOut], responses=ERRORS)
def list_saved(principal: CurrentPrincipal, db: Db) -> list[SavedSearchOut]:
    return [saved_out(db, s) for s in saved_searches.list_searches(db, principal)]


@router.post("/saved-searches", response_model=SavedSearchOut, status_code=201, responses=ERRORS)
def create_saved(body: SavedSearchIn, principal: CurrentPrincipal, db: Db) -> SavedSearchOut:
    params = parse_qs(body.query, keep_blank_values=False)
    unknown = sorted(set(params) - search.PARAMS)
    if unknown:
        raise InvalidInput("query", f"不支持的查询条件：{'、'.join(unknown)[:100]}")
    query = search.parse(params)
    return saved_out(db, saved_searches.save(db, principal, name=body.name, query=query))


Ref = Annotated[str, Path(max_length=32)]


@router.get("/saved-searches/{ref}", response_model=SavedSearchOut, responses=ERRORS)
def get_saved(ref: Ref, principal: CurrentPrincipal, db: Db) -> SavedSearchOut:
    return saved_out(db, saved_searches.access_search(db, principal, ref))


@router.delete("/saved-searches/{ref}", status_code=204, responses=ERRORS)
def delete_saved(ref: Ref, principal: CurrentPrincipal, db: Db) -> Response:
    saved_searches.delete(db, principal, saved_searches.access_search(db, principal, ref))
    return Response(status_code=204)


# --- export jobs (more than 50,000 orders) --------------------------------------------------------


class ExportIn(BaseModel):
    query: str = Field(max_length=4000, description="the search's query string, e.g. status=closed&from=2026-01-01")


class ExportOut(BaseModel):
    ref: str
    status: str
    status_name: str
    total: int
    done: int
    file_name: str | None
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    download: str | None = Field(description="the file's address once written")


def export_out(job: ExportJob) -> ExportOut:
    return ExportOut(ref=job.ref, status=job.status, status_name=export_jobs.STATUS_NAMES[job.status], total=job.total,
                     done=job.done, file_name=job.file_name, error=job.error, created_at=job.created_at,
                     finished_at=job.finished_at,
                     download=f"/api/v1/exports/{job.ref}/file" if job.status == "done" else None)


@router.post("/exports", response_model=ExportOut, status_code=202, responses=ERRORS)
def create_export(body: ExportIn, principal: CurrentPrincipal, db: Db) -> ExportOut:
    """Write the search's orders to an .xlsx file in the background (follow it with GET)."""
    params = parse_qs(body.query, keep_blank_values=False)
    unknown = sorted(set(params) - search.PARAMS)
    if unknown:
        raise InvalidInput("query", f"不支持的查询条件：{'、'.join(unknown)[:100]}")
    return export_out(export_jobs.create(db, principal, search.parse(params)))


@router.get("/exports", response_model=list[ExportOut], responses=ERRORS)
def list_exports(principal: CurrentPrincipal, db: Db) -> list[ExportOut]:
    return [export_out(j) for j in export_jobs.mine(db, principal)]


@router.get("/exports/{ref}", response_model=ExportOut, responses=ERRORS)
def get_export(ref: Ref, principal: CurrentPrincipal, db: Db) -> ExportOut:
    return export_out(export_jobs.access_job(db, principal, ref))


@router.get("/exports/{ref}/file", responses={**ERRORS, 200: {"content": {excel.XLSX_MEDIA_TYPE: {}}}})
def download_export(ref: Ref, principal: CurrentPrincipal, db: Db) -> Response:
    job = export_jobs.access_job(db, principal, ref)
    path = export_jobs.file_of(job)
    if job.status != "done" or not path.exists():
        raise Conflict("导出文件尚未生成或已过期")
    return FileResponse(path, media_type=excel.XLSX_MEDIA_TYPE, filename=job.file_name or "工单查询.xlsx")
