"""Pages of the reports, in Simplified Chinese:

- ``/reports`` — the archive of issued reports (who issued each, downloads), the drafts and the
  form that drafts a report (issuers);
- ``/reports/{ref}`` — one report: preview with its numbered tables and charts; for a draft,
  each section's text editable, refresh, issue and discard;
- ``/daily-ledger`` — the daily emergency and stability ledger with every entry, and its .docx.

The use cases are :mod:`hotline.analytics.reports.service`, as behind the API."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.analytics.reports import documents, service
from hotline.analytics.reports.formats import text_of
from hotline.analytics.reports.lifecycle import KIND_NAMES, STATUS_NAMES, Kind, Status
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.kit.errors import HotlineError, InvalidInput, NotFound
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, integer, refused, text
from hotline.web.templating import render

router = routing.router()
NAMES: dict[str, Any] = {"KIND_NAMES": {k.value: n for k, n in KIND_NAMES.items()},
         "STATUS_NAMES": {s.value: n for s, n in STATUS_NAMES.items()}, "text_of": text_of}
RefPath = Annotated[str, Path(min_length=1, max_length=64)]


def _back(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?ok={quote(message)}", status_code=303)


def _date(form: dict[str, Any], key: str) -> dt.date | None:
    value = text(form, key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(key, "日期格式应为 YYYY-MM-DD") from None


def _request(form: dict[str, Any]) -> service.DraftRequest:
    kind = text(form, "kind") or ""
    rank = text(form, "hotspot_rank")
    warning = text(form, "warning_id")
    if rank is not None and not rank.isdigit():
        raise InvalidInput("hotspot_rank", "热点名次应为 1–50")
    if warning is not None and (not warning.isdigit() or len(warning) > 15):
        raise InvalidInput("warning_id", "预警编号应为数字")
    period = {"monthly": "month", "half_year": "half", "daily_ledger": "day"}.get(kind)
    return service.DraftRequest(kind=kind, period=text(form, period) if period else None, start=_date(form, "start"),
                                end=_date(form, "end"), hotspot_month=text(form, "hotspot_month"),
                                hotspot_rank=int(rank) if rank else None,
                                warning_id=int(warning) if warning else None, region_code=text(form, "region_code"))


def _list_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
               errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
               values: dict[str, Any] | None = None) -> Response:
    service.require_reader(principal)
    wanted = request.query_params.get("kind") or None
    if wanted not in {k.value for k in Kind}:
        wanted = None
    rows = service.list_reports(db, principal, kind=wanted)
    drafts = [r for r in rows if r.status == Status.draft]
    issued = [r for r in rows if r.status == Status.issued]
    today = clock.today()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    defaults = {"month": f"{last_month:%Y-%m}", "half": f"{last_month.year}H{1 if last_month.month <= 6 else 2}",
                "day": (today - dt.timedelta(days=1)).isoformat(), "start": f"{today.year}-01-01",
                "end": last_month.isoformat(), "hotspot_month": f"{last_month:%Y-%m}", "hotspot_rank": "1"}
    return render(request, "reports/reports.html", principal, status_code=status, title="分析报告",
                  drafts=drafts, issued=issued, warnings=_recent_warnings(db, principal),
                  people=service.names(db, rows), wanted=wanted,
                  issuer=service.may_issue(principal), errors=errors or {}, flash=flash, flash_kind=flash_kind,
                  values={**defaults, **(values or {})}, **NAMES)


def _recent_warnings(db: Session, principal: Principal) -> list[tuple[str, str]]:
    """The region's latest early warnings, to pick one for a special report (issuers only)."""
    if not service.may_issue(principal):
        return []
    from hotline.intelligence import service as intelligence

    try:
        found, _ = intelligence.warnings(db, principal, limit=20)
    except HotlineError:
        return []
    return [(str(w.id), f"{w.raised_at.astimezone(clock.CST):%m-%d %H:%M} {w.summary}"[:80]) for w in found]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _list_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/reports", response_class=HTMLResponse)
def draft(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    service.require_issuer(principal)
    try:
        r = service.draft(db, principal, _request(form))
    except HotlineError as exc:
        return refused(db, exc, partial(_list_page, request, principal, db), values=form)
    return _back(f"/reports/{r.ref}", "已生成报告草稿：请核对各节文字，修改后印发")


@router.get("/daily-ledger", response_class=HTMLResponse)
def daily_ledger_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    day = request.query_params.get("day") or None
    try:
        content = service.daily_ledger(db, principal, day)
    except InvalidInput as exc:
        content = service.daily_ledger(db, principal, None)
        return render(request, "reports/daily_ledger.html", principal, status_code=422, title="突发事件与涉稳风险日报",
                      content=content, flash=exc.reason, flash_kind="err", **NAMES)
    return render(request, "reports/daily_ledger.html", principal, title="突发事件与涉稳风险日报", content=content,
                  **NAMES)


def _detail(request: Request, principal: Principal, db: Session, ref: str, *, status: int = 200,
            errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
            values: dict[str, Any] | None = None) -> Response:
    r = service.access_report(db, principal, ref)
    editable = r.status == Status.draft and service.may_issue(principal)
    return render(request, "reports/report.html", principal, status_code=status, title=f"分析报告 · {r.title}",
                  r=r, c=r.content, editable=editable, people=service.names(db, [r]), errors=errors or {},
                  flash=flash, flash_kind=flash_kind, values=values or {}, **NAMES)


@router.get("/reports/{ref}", response_class=HTMLResponse)
def report_page(request: Request, principal: CurrentPrincipal, db: Db, ref: RefPath) -> Response:
    return _detail(request, principal, db, ref, flash=request.query_params.get("ok"))


@router.get("/reports/{ref}/charts/{index}.png")
def chart(principal: CurrentPrincipal, db: Db, ref: RefPath,
          index: Annotated[int, Path(ge=0, le=100)]) -> Response:
    r = service.access_report(db, principal, ref)
    charts = r.content.get("charts", [])
    if index >= len(charts):
        raise NotFound("图表不存在")
    return Response(documents.chart_png(charts[index]), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


@router.post("/reports/{ref}/{action}", response_class=HTMLResponse)
def report_action(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: RefPath,
                  action: str) -> Response:
    """The forms of a draft: ``edit`` (title and sections), ``regenerate``, ``issue``, ``discard``."""
    r = service.access_report(db, principal, ref, write=True)
    version = integer(form, "version")
    try:
        if action == "edit":
            sections = {s["key"]: form.get(f"section_{s['key']}") for s in r.content.get("sections", [])
                        if f"section_{s['key']}" in form}
            service.edit(db, principal, r, sections=sections, title=text(form, "title"), version=version)
            return _back(f"/reports/{r.ref}", "已保存修改")
        if action == "regenerate":
            service.regenerate(db, principal, r, version=version)
            return _back(f"/reports/{r.ref}", "已按最新数据重新生成（已修改的文字保留）")
        if action == "issue":
            service.issue(db, principal, r, version=version)
            return _back(f"/reports/{r.ref}", "报告已印发并归档")
        if action == "discard":
            service.discard(db, principal, r, version=version)
            return _back("/reports", "已删除报告草稿")
    except HotlineError as exc:
        return refused(db, exc, partial(_detail, request, principal, db, ref), values=form)
    raise NotFound("未知操作")
