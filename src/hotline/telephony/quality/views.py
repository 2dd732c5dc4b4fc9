"""Pages of quality inspection (``/cti/quality``): the inspectors' list with sample draws and
picks, an inspection with its score, appeal and decision forms, the agent's own scores, the
checklist (administrators and supervisors), agents' figures and the monthly report with its
Excel export. Every read and write goes through ``quality.service`` and ``auth.access``."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.clock import CST
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput
from hotline.kit.excel import XLSX_MEDIA_TYPE
from hotline.telephony.quality import rules, service
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, integer, refused, text
from hotline.web.templating import render

router = routing.router()
BASE = "/cti/quality"


def _date(value: str | None, field: str) -> dt.datetime | None:
    """A ``YYYY-MM-DD`` of a form or link: that day's midnight, China time."""
    if not value:
        return None
    try:
        return dt.datetime.strptime(value.strip()[:10], "%Y-%m-%d").replace(tzinfo=CST)
    except ValueError:
        raise InvalidInput(field, "日期格式应为 YYYY-MM-DD") from None


def _span(values: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``from`` and ``to`` days of a form: the days ``from`` through ``to``, inclusive."""
    start, last = _date(values.get("from"), "from"), _date(values.get("to"), "to")
    return start, last + dt.timedelta(days=1) if last is not None else None


def _ctx(principal: Principal) -> dict[str, Any]:
    return {"inspector": principal.can(Cap.inspect_quality), "reports": service.may_view_checklist(principal)
            and (principal.can(Cap.inspect_quality) or principal.can(Cap.manage_telephony)),
            "editor": principal.can(Cap.inspect_quality) or principal.can(Cap.manage_telephony),
            "STATUS_NAMES": rules.STATUS_NAMES, "KIND_NAMES": rules.KIND_NAMES}


def _index(request: Request, principal: Principal, db: Db, *, status: int = 200, **kw: Any) -> Response:
    if not (access.may_see_inspections(principal) or principal.can(Cap.manage_telephony)):
        raise Forbidden("您的角色无权查看质检")
    rows: list[Any] = []
    total, names = 0, {}
    wanted = request.query_params.get("status") or None
    offset = min(max(integer(request.query_params, "offset") or 0, 0), 10_000_000)
    if access.may_see_inspections(principal):
        rows, total = service.list_inspections(
            db, principal, status=wanted if wanted in set(rules.Status) else None,
            sample_ref=request.query_params.get("sample") or None, limit=50, offset=offset)
        names = service.agent_names(db, [r.agent_id for r in rows])
    month_start, _ = rules.month_bounds(rules.month_of(clock.now()))
    return render(request, "quality/index.html", principal, status_code=status, title="质检", rows=rows,
                  total=total, offset=offset, names=names, wanted=wanted,
                  default_from=month_start.strftime("%Y-%m-%d"),
                  default_to=clock.now().astimezone(CST).strftime("%Y-%m-%d"), **_ctx(principal), **kw)


@router.get(BASE, response_class=HTMLResponse)
def index(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _index(request, principal, db, flash=request.query_params.get("ok"))


@router.post(f"{BASE}/samples", response_class=HTMLResponse)
def draw(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        start, end = _span(form)
        raw_share = text(form, "share") or "5"
        try:
            share = float(raw_share) / 100
        except ValueError:
            raise InvalidInput("share", "抽检比例应为数字（百分比）") from None
        seed = integer(form, "seed", maximum=2**31 - 1) if text(form, "seed") else None
        if text(form, "seed") and seed is None:
            raise InvalidInput("seed", "随机种子须为 0 到 2147483647 之间的整数")
        sample, _ = service.draw_sample(db, principal, start=start, end=end, share=share, seed=seed)
    except HotlineError as exc:
        return refused(db, exc, partial(_index, request, principal, db))
    note = f"已抽取 {sample.calls} 通来电、{sample.orders} 张工单（随机种子 {sample.seed}）"
    return RedirectResponse(f"{BASE}?sample={sample.ref}&ok={quote(note)}", status_code=303)


@router.post(f"{BASE}/pick", response_class=HTMLResponse)
def pick(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        inspection = service.pick(db, principal, call_ref=text(form, "call_ref"),
                                  order_number=text(form, "order_number"))
    except HotlineError as exc:
        return refused(db, exc, partial(_index, request, principal, db))
    return RedirectResponse(f"{BASE}/inspections/{inspection.ref}", status_code=303)


def _inspection_page(request: Request, principal: Principal, db: Db, ref: str, *, status: int = 200,
                     **kw: Any) -> Response:
    inspection = access.access_inspection(db, principal, ref)
    v = service.view(db, principal, inspection)
    return render(request, "quality/inspection.html", principal, status_code=status, title="质检记录", v=v,
                  i=inspection, own=inspection.agent_id == principal.user_id, **_ctx(principal), **kw)


@router.get(BASE + "/inspections/{ref}", response_class=HTMLResponse)
def inspection_page(request: Request, ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    return _inspection_page(request, principal, db, ref, flash=request.query_params.get("ok"))


def _points(form: dict[str, Any]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in form.items():
        if key.startswith("score_") and isinstance(value, str):
            try:
                out[key[6:]] = float(value) if value.strip() else None
            except ValueError:
                raise InvalidInput(f"scores.{key[6:]}"[:80], "分数须为数字") from None
    return out


def _act(request: Request, principal: Principal, db: Db, ref: str, work: Any, done: str,
         form: dict[str, Any]) -> Response:
    try:
        inspection = access.access_inspection(db, principal, ref)
        work(inspection)
    except HotlineError as exc:
        if exc.status_code in (403, 404):
            raise
        # the page again with what was typed (points, feedback, reason, note), not empty fields
        typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "version"}
        return refused(db, exc, partial(_inspection_page, request, principal, db, ref), values=typed)
    return RedirectResponse(f"{BASE}/inspections/{ref}?ok={quote(done)}", status_code=303)


@router.post(BASE + "/inspections/{ref}/score", response_class=HTMLResponse)
def score(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    return _act(request, principal, db, ref, lambda i: service.score(
        db, principal, i, scores=_points(form), feedback=text(form, "feedback"),
        version=integer(form, "version")), "已评分", form)


@router.post(BASE + "/inspections/{ref}/appeal", response_class=HTMLResponse)
def appeal(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    return _act(request, principal, db, ref, lambda i: service.appeal(
        db, principal, i, reason=text(form, "reason"), version=integer(form, "version")), "已提交申诉", form)


@router.post(BASE + "/inspections/{ref}/decision", response_class=HTMLResponse)
def decision(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    upheld = text(form, "upheld") == "1"
    return _act(request, principal, db, ref, lambda i: service.decide(
        db, principal, i, upheld=upheld, note=text(form, "note"), scores=_points(form) if upheld else None,
        version=integer(form, "version")), "已处理申诉", form)


def _checklist_page(request: Request, principal: Principal, db: Db, *, status: int = 200, **kw: Any) -> Response:
    current = service.current_checklist(db, principal)
    versions = service.checklist_versions(db, principal) if _ctx(principal)["editor"] else []
    rows = [{"code": i.code, "name": i.name, "max_points": i.max_points} for i in current.items] if current \
        else service.DEFAULT_ITEMS
    return render(request, "quality/checklist.html", principal, status_code=status, title="质检评分表",
                  current=current, versions=versions, rows=list(rows) + [{}] * 3, **_ctx(principal), **kw)


@router.get(f"{BASE}/checklist", response_class=HTMLResponse)
def checklist_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _checklist_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post(f"{BASE}/checklist", response_class=HTMLResponse)
def save_checklist(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    codes, names, points = form.get("code", []), form.get("name", []), form.get("max_points", [])
    items: list[dict[str, object]] = []
    try:
        for n, (code, name, raw) in enumerate(zip(codes, names, points, strict=False)):
            if not (code.strip() or name.strip() or raw.strip()):
                continue
            try:
                value: object = float(raw)
            except ValueError:
                raise InvalidInput(f"items[{n}].max_points", "分值须为数字") from None
            items.append({"code": code, "name": name, "max_points": value})
        checklist = service.save_checklist(db, principal, items=items)
    except HotlineError as exc:
        if exc.status_code == 403:
            raise
        return refused(db, exc, partial(_checklist_page, request, principal, db))
    return RedirectResponse(f"{BASE}/checklist?ok={quote(f'已保存第 {checklist.version} 版评分表')}", status_code=303)


@router.get(f"{BASE}/figures", response_class=HTMLResponse)
def figures_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    service.require_reports(principal)
    try:
        start, end = _span(request.query_params)
        tables = service.figures(db, principal, start=start, end=end)
    except InvalidInput as exc:
        tables = service.figures(db, principal)
        return render(request, "quality/figures.html", principal, status_code=422, title="坐席员绩效", t=tables,
                      flash=exc.reason, flash_kind="err", **_ctx(principal))
    return render(request, "quality/figures.html", principal, title="坐席员绩效", t=tables,
                  last_day=(tables.end - dt.timedelta(days=1)), **_ctx(principal))


@router.get(f"{BASE}/monthly", response_class=HTMLResponse)
def monthly_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    month = (request.query_params.get("month") or "").strip()[:7] or None
    try:
        report = service.monthly(db, principal, month=month)
    except InvalidInput as exc:
        report = service.monthly(db, principal)
        return render(request, "quality/monthly.html", principal, status_code=422, title="质检月报", r=report,
                      flash=exc.reason, flash_kind="err", **_ctx(principal))
    return render(request, "quality/monthly.html", principal, title="质检月报", r=report, **_ctx(principal))


@router.get(f"{BASE}/monthly.xlsx")
def monthly_export(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    month = (request.query_params.get("month") or "").strip()[:7] or None
    name, data = service.monthly_xlsx(db, principal, month=month)
    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'质检月报-{name}.xlsx')}"})
