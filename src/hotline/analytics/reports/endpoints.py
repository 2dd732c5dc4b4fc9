"""JSON API of the reports (``/api/v1/reports``): draft, read, edit, refresh, issue, discard,
the archive and the downloads; and the daily emergency and stability ledger as data and as a
.docx (``/api/v1/reports/daily-ledger``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from hotline.analytics.reports import service
from hotline.analytics.reports.documents import DOCX_MEDIA_TYPE
from hotline.analytics.reports.formats import text_of
from hotline.analytics.reports.lifecycle import KIND_NAMES, STATUS_NAMES, Kind, Status
from hotline.analytics.reports.models import Report
from hotline.analytics.reports.schemas import (
    DailyEntryOut,
    DailyLedgerOut,
    DraftIn,
    EditIn,
    ReportOut,
    ReportSummaryOut,
    SectionOut,
    VersionIn,
)
from hotline.kit.excel import XLSX_MEDIA_TYPE
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["reports"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The role neither reads nor issues reports"},
    404: {"description": "No such report in the caller's region (or a draft shown to a reader)"},
    409: {"description": "The report is issued already, or the version is stale"},
    422: {"description": "Invalid field (named): kind, period, dates, region, hotspot, warning, section"},
}
RefPath = Annotated[str, Path(min_length=1, max_length=64)]


def attachment(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def summary(db: Session, r: Report, names: dict[int, str]) -> dict[str, Any]:
    code = service.repository.region_codes(db, [r.region_id]).get(r.region_id, "")
    return dict(ref=r.ref, kind=r.kind, kind_name=KIND_NAMES[Kind(r.kind)], period=r.period_key,
                period_start=r.period_start, period_end=r.period_end, region_code=code, title=r.title,
                status=r.status, status_name=STATUS_NAMES[Status(r.status)],
                created_by=names.get(r.created_by_id) if r.created_by_id else "系统",
                created_at=r.created_at, issued_by=names.get(r.issued_by_id) if r.issued_by_id else None,
                issued_at=r.issued_at, version=r.version)


def report_out(db: Session, r: Report) -> ReportOut:
    c = r.content
    sections = [SectionOut(key=s["key"], heading=s["heading"], generated=s["generated"], text=s.get("text"),
                           edited=s.get("text") is not None, tables=s.get("tables", []), charts=s.get("charts", []))
                for s in c.get("sections", [])]
    return ReportOut(**summary(db, r, service.names(db, [r])), subtitle=c.get("subtitle", ""), sections=sections,
                     tables=c.get("tables", []), charts=c.get("charts", []), warnings=c.get("warnings", []))


@router.get("/reports", response_model=list[ReportSummaryOut], responses=ERRORS)
def list_reports(principal: CurrentPrincipal, db: Db,
                 status: Annotated[str | None, Query(max_length=16)] = None,
                 kind: Annotated[str | None, Query(max_length=16)] = None) -> list[ReportSummaryOut]:
    """The archive (issued reports of the caller's region, who issued each) and, for issuers,
    the drafts."""
    rows = service.list_reports(db, principal, status=status, kind=kind)
    names = service.names(db, rows)
    return [ReportSummaryOut(**summary(db, r, names)) for r in rows]


@router.post("/reports", response_model=ReportOut, status_code=201, responses=ERRORS)
def draft(body: DraftIn, principal: CurrentPrincipal, db: Db) -> ReportOut:
    """Draft a report: figures read now from the statistics, each section's text generated."""
    req = service.DraftRequest(kind=body.kind, period=body.period, start=body.start, end=body.end,
                               hotspot_month=body.hotspot_month, hotspot_rank=body.hotspot_rank,
                               warning_id=body.warning_id, region_code=body.region_code)
    return report_out(db, service.draft(db, principal, req))


def _daily_entries(content: dict[str, Any]) -> list[DailyEntryOut]:
    table = content["tables"][0] if content.get("tables") else {"rows": []}
    return [DailyEntryOut(**dict(zip(DailyEntryOut.model_fields, (text_of(c) for c in row), strict=True)))
            for row in table["rows"]]


@router.get("/reports/daily-ledger", response_model=DailyLedgerOut, responses=ERRORS)
def daily_ledger(principal: CurrentPrincipal, db: Db, day: dt.date | None = None) -> DailyLedgerOut:
    """The day's emergency and stability ledger entries (default: yesterday) as the caller may
    see them: a provincial sector department its sectors, a centre its region."""
    content = service.daily_ledger(db, principal, day)
    return DailyLedgerOut(day=dt.date.fromisoformat(content["day"]), title=content["title"],
                          text=content["sections"][0]["generated"], entries=_daily_entries(content))


@router.get("/reports/daily-ledger/docx", responses=ERRORS)
def daily_ledger_docx(principal: CurrentPrincipal, db: Db, day: dt.date | None = None) -> Response:
    content, docx, _ = service.daily_ledger_files(db, principal, day)
    return attachment(docx, DOCX_MEDIA_TYPE, f"突发事件与涉稳风险日报-{content['day']}.docx")


@router.get("/reports/daily-ledger/xlsx", responses=ERRORS)
def daily_ledger_xlsx(principal: CurrentPrincipal, db: Db, day: dt.date | None = None) -> Response:
    content, _, xlsx = service.daily_ledger_files(db, principal, day)
    return attachment(xlsx, XLSX_MEDIA_TYPE, f"突发事件与涉稳风险日报-{content['day']}.xlsx")


@router.get("/reports/{ref}", response_model=ReportOut, responses=ERRORS)
def get_report(ref: RefPath, principal: CurrentPrincipal, db: Db) -> ReportOut:
    return report_out(db, service.access_report(db, principal, ref))


@router.patch("/reports/{ref}", response_model=ReportOut, responses=ERRORS)
def edit(ref: RefPath, body: EditIn, principal: CurrentPrincipal, db: Db) -> ReportOut:
    """Change sections' text or the title of a draft (409 once issued or on a stale version)."""
    r = service.edit(db, principal, service.access_report(db, principal, ref, write=True), sections=body.sections,
                     title=body.title, version=body.version)
    return report_out(db, r)


@router.post("/reports/{ref}/regenerate", response_model=ReportOut, responses=ERRORS)
def regenerate(ref: RefPath, body: VersionIn, principal: CurrentPrincipal, db: Db) -> ReportOut:
    """Read the figures of a draft again (edited sections keep their text)."""
    r = service.regenerate(db, principal, service.access_report(db, principal, ref, write=True), version=body.version)
    return report_out(db, r)


@router.post("/reports/{ref}/issue", response_model=ReportOut, responses=ERRORS)
def issue(ref: RefPath, body: VersionIn, principal: CurrentPrincipal, db: Db) -> ReportOut:
    """Issue a draft: its .docx and .xlsx are frozen and archived with who issued it."""
    r = service.issue(db, principal, service.access_report(db, principal, ref, write=True), version=body.version)
    return report_out(db, r)


@router.delete("/reports/{ref}", status_code=204, responses=ERRORS)
def discard(ref: RefPath, principal: CurrentPrincipal, db: Db,
            version: Annotated[int | None, Query(ge=1, le=2**31)] = None) -> Response:
    """Delete a draft (an issued report stays in the archive: 409)."""
    service.discard(db, principal, service.access_report(db, principal, ref, write=True), version=version)
    return Response(status_code=204)


@router.get("/reports/{ref}/docx", responses=ERRORS)
def docx(ref: RefPath, principal: CurrentPrincipal, db: Db) -> Response:
    """The Word document: as issued, or (a draft, for issuers) as it would be issued now."""
    r = service.access_report(db, principal, ref)
    return attachment(service.document(db, principal, r, "docx"), DOCX_MEDIA_TYPE, service.filename(r, "docx"))


@router.get("/reports/{ref}/xlsx", responses=ERRORS)
def xlsx(ref: RefPath, principal: CurrentPrincipal, db: Db) -> Response:
    """The annex: the report's numbered tables as a workbook."""
    r = service.access_report(db, principal, ref)
    return attachment(service.document(db, principal, r, "xlsx"), XLSX_MEDIA_TYPE, service.filename(r, "xlsx"))
