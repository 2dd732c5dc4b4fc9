"""Pages of spot checks (工单抽查) and rectification lists (整改清单), in Simplified Chinese:

- ``/spot-checks`` — checkers: their checks, the draw form, per-unit statistics and overdue
  corrections; units: their required corrections (``/spot-checks/corrections``) to answer;
- ``/spot-checks/{ref}`` — one check: the sampled orders with finding, re-callback (contact
  masked unless the role needs it) and the unit's answer to accept or send back; the per-unit
  statistics; one click to a rectification list;
- ``/rectification-lists`` and ``/rectification-lists/{ref}`` — lists and their items, overdue
  ones highlighted; the unit reports progress, the issuer confirms.

The use cases are :mod:`hotline.spotcheck.service`, as behind the API."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput
from hotline.org import repository as org_repository
from hotline.org.models import HANDLING_KINDS
from hotline.spotcheck import repository, rules, service
from hotline.spotcheck.models import SpotCheck, SpotCheckItem
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, flag, integer, refused, text
from hotline.web.templating import render
from hotline.workorder import service as workorder

router = routing.router()
NAMES = {"METHOD_NAMES": {k.value: v for k, v in rules.METHOD_NAMES.items()},
         "STRATUM_NAMES": {k.value: v for k, v in rules.STRATUM_NAMES.items()},
         "FINDING_NAMES": {k.value: v for k, v in rules.FINDING_NAMES.items()},
         "PROBLEM_NAMES": {k.value: v for k, v in rules.PROBLEM_NAMES.items()},
         "RECALL_NAMES": {k.value: v for k, v in rules.RECALL_NAMES.items()},
         "CORRECTION_NAMES": {k.value: v for k, v in rules.CORRECTION_NAMES.items()},
         "ITEM_STATUS_NAMES": {k.value: v for k, v in rules.ITEM_STATUS_NAMES.items()}}


def _back(path: str, message: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"{path}?ok={quote(message)}{anchor}", status_code=303)


def _date(value: str | None, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput(field, "日期格式应为 YYYY-MM-DD") from None


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _today() -> dt.date:
    return clock.now().astimezone(clock.CST).date()


def _rows(db: Session, principal: Principal, items: list[Any]) -> list[dict[str, Any]]:
    """Items with their order, unit and (for corrections) check, for the tables."""
    orders = repository.orders(db, (i.work_order_id for i in items if i.work_order_id))
    units = repository.units(db, (i.unit_id for i in items))
    now = clock.now()
    out = []
    for i in items:
        order = orders.get(i.work_order_id) if i.work_order_id else None
        out.append({"item": i, "order": order, "title": workorder.order_text(principal, order)[0] if order else "",
                    "unit": units[i.unit_id].name if i.unit_id in units else "（无主办单位）",
                    "overdue": service.is_overdue(i, now) if isinstance(i, SpotCheckItem)
                    else service.item_overdue(i, now)})
    return out


# --- spot checks ------------------------------------------------------------------------------


def _checks_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                 errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                 values: dict[str, Any] | None = None) -> Response:
    service.require_checker(principal)
    checks = service.list_checks(db, principal)
    issuers = repository.units(db, (c.issuer_unit_id for c in checks))
    overdue = service.corrections_for(db, principal, overdue_only=True)
    today = _today().isoformat()
    return render(request, "spotcheck/checks.html", principal, status_code=status, title="工单抽查",
                  checks=checks, issuers=issuers, stats=service.statistics_of(db, principal), pct=_pct,
                  overdue=_rows(db, principal, overdue), errors=errors or {}, flash=flash, flash_kind=flash_kind,
                  values=values or {"period_start": today, "period_end": today, "size": "20",
                                    "correction_working_days": str(rules.DEFAULT_CORRECTION_WORKING_DAYS)},
                  **NAMES)


@router.get("/spot-checks", response_class=HTMLResponse)
def checks_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    if not service.may_check(principal) and service.may_answer(principal):
        return RedirectResponse("/spot-checks/corrections", status_code=303)
    return _checks_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/spot-checks", response_class=HTMLResponse)
def draw(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    service.require_checker(principal)
    try:
        size = integer(form, "size", maximum=100_000)
        if size is None:
            raise InvalidInput("size", "请填写样本量（正整数）")
        unit_id = integer(form, "unit_id")
        data = service.DrawData(
            title=text(form, "title") or "", period_start=_date(text(form, "period_start"), "period_start"),
            period_end=_date(text(form, "period_end"), "period_end"), size=size,
            method=text(form, "method") or "random", stratify_by=text(form, "stratify_by"), seed=text(form, "seed"),
            unit_id=unit_id, region_code=text(form, "region_code"), category_code=text(form, "category_code"),
            closed_only=flag(form, "closed_only"),
            correction_working_days=integer(form, "correction_working_days", maximum=1000))
        check = service.draw(db, principal, data)
    except HotlineError as exc:
        return refused(db, exc, partial(_checks_page, request, principal, db), values=form)
    return _back(f"/spot-checks/{check.ref}", f"已抽取 {check.sample_size} 件工单（总体 {check.population} 件）")


def _check_page(request: Request, principal: Principal, db: Session, ref: str, *, status: int = 200,
                errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                values: dict[str, Any] | None = None) -> Response:
    check = service.access_check(db, principal, ref)
    items = service.check_items(db, check)
    contact_of = request.query_params.get("contact")
    contact = None
    if contact_of:
        shown = next((i for i in items if i.ref == contact_of), None)
        contact = (contact_of, service.recall_contact(db, principal, shown)) if shown else None
    issuer = repository.units(db, [check.issuer_unit_id]).get(check.issuer_unit_id)
    return render(request, "spotcheck/check.html", principal, status_code=status, title=f"工单抽查 · {check.title}",
                  check=check, issuer=issuer, rows=_rows(db, principal, items), contact=contact,
                  stats=service.unit_statistics(db, items), totals=service.problem_totals(items), pct=_pct,
                  problems_open=any(i.finding == rules.Finding.problem for i in items),
                  errors=errors or {}, flash=flash, flash_kind=flash_kind, values=values or {}, **NAMES)


@router.get("/spot-checks/corrections", response_class=HTMLResponse)
def corrections_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _corrections_page(request, principal, db, flash=request.query_params.get("ok"))


def _corrections_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                      errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                      values: dict[str, Any] | None = None) -> Response:
    overdue_only = request.query_params.get("overdue") == "1"
    items = service.corrections_for(db, principal, overdue_only=overdue_only)
    checks = repository.checks_by_ids(db, (i.spot_check_id for i in items))
    return render(request, "spotcheck/corrections.html", principal, status_code=status, title="抽查整改要求",
                  rows=_rows(db, principal, items), checks=checks, overdue_only=overdue_only,
                  answering=service.may_answer(principal) and not service.may_check(principal),
                  errors=errors or {}, flash=flash, flash_kind=flash_kind, values=values or {}, **NAMES)


@router.post("/spot-checks/corrections/{ref}/answer", response_class=HTMLResponse)
def answer(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str) -> Response:
    item, _ = service.access_correction(db, principal, ref)
    try:
        service.answer_correction(db, principal, item, text=text(form, "text") or "", version=integer(form, "version"))
    except HotlineError as exc:
        return refused(db, exc, partial(_corrections_page, request, principal, db), values=form)
    return _back("/spot-checks/corrections", "已提交整改答复，等待抽查人员确认")


@router.get("/spot-checks/{ref}", response_class=HTMLResponse)
def check_page(request: Request, principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    return _check_page(request, principal, db, ref, flash=request.query_params.get("ok"))


@router.post("/spot-checks/{ref}/close", response_class=HTMLResponse)
def close(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str) -> Response:
    check = service.access_check(db, principal, ref)
    try:
        service.close_check(db, principal, check, version=integer(form, "version"))
    except HotlineError as exc:
        return refused(db, exc, partial(_check_page, request, principal, db, ref))
    return _back(f"/spot-checks/{ref}", "抽查已结束")


@router.post("/spot-checks/{ref}/rectification-list", response_class=HTMLResponse)
def to_list(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str) -> Response:
    check = service.access_check(db, principal, ref)
    try:
        lst = service.list_from_check(db, principal, check, title=text(form, "title"),
                                      working_days=integer(form, "working_days", maximum=1000))
    except HotlineError as exc:
        return refused(db, exc, partial(_check_page, request, principal, db, ref))
    return _back(f"/rectification-lists/{lst.ref}", "已生成整改清单")


@router.post("/spot-checks/{ref}/items/{item}/{action}", response_class=HTMLResponse)
def item_action(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str, item: str,
                action: str) -> Response:
    """The forms of one sampled order: ``finding``, ``recall``, ``decision``."""
    check = service.access_check(db, principal, ref)
    row = service.access_item(db, principal, check, item)
    anchor = f"#i-{row.ref}"
    try:
        if action == "finding":
            service.record_finding(db, principal, check, row, finding=text(form, "finding") or "",
                                   problem_type=text(form, "problem_type"), note=text(form, "note"),
                                   correction=text(form, "correction"),
                                   correction_working_days=integer(form, "correction_working_days", maximum=1000),
                                   version=integer(form, "version"))
            return _back(f"/spot-checks/{ref}", "已记录抽查结论", anchor)
        if action == "recall":
            service.record_recall(db, principal, check, row, verdict=text(form, "verdict") or "",
                                  note=text(form, "note"))
            return _back(f"/spot-checks/{ref}", "已记录复核回访结果", anchor)
        if action == "decision":
            accept = form.get("accept") == "1"
            service.decide_correction(db, principal, check, row, accept=accept, note=text(form, "note"),
                                      version=integer(form, "version"))
            return _back(f"/spot-checks/{ref}", "已确认整改" if accept else "已退回重改", anchor)
    except HotlineError as exc:
        return refused(db, exc, partial(_check_page, request, principal, db, ref), values=form)
    raise InvalidInput("action", "未知操作")


# --- rectification lists ----------------------------------------------------------------------


def _lists_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                values: dict[str, Any] | None = None) -> Response:
    lists = service.lists_for(db, principal)
    issuers = repository.units(db, (x.issuer_unit_id for x in lists))
    overdue = service.rect_items_for(db, principal, overdue_only=True)
    units = ([(u.id, u.name) for u in org_repository.list_units(db, region_prefix=principal.region_prefix[:4],
                                                              active=True, limit=500)[0]
              if u.kind in HANDLING_KINDS] if service.may_check(principal) else [])
    return render(request, "spotcheck/lists.html", principal, status_code=status, title="整改清单", lists=lists,
                  issuers=issuers, overdue=_rows(db, principal, overdue),
                  lists_by_id=repository.lists_by_ids(db, (i.list_id for i in overdue)), units=units,
                  issuing=service.may_check(principal), errors=errors or {}, flash=flash, flash_kind=flash_kind,
                  values=values or {}, **NAMES)


@router.get("/rectification-lists", response_class=HTMLResponse)
def lists_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _lists_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/rectification-lists", response_class=HTMLResponse)
def create_list(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """A list written by hand: one item per form (more can be added through the API)."""
    try:
        unit_id = integer(form, "unit_id")
        if unit_id is None:
            raise InvalidInput("unit_id", "请选择责任单位")
        lst = service.create_list(db, principal, title=text(form, "title") or "", note=text(form, "note"), items=[
            service.ItemData(unit_id=unit_id, description=text(form, "description") or "",
                             working_days=integer(form, "working_days", maximum=1000) or 0)])
    except HotlineError as exc:
        return refused(db, exc, partial(_lists_page, request, principal, db), values=form)
    return _back(f"/rectification-lists/{lst.ref}", "已下达整改清单")


@router.post("/rectification-lists/from-ledger", response_class=HTMLResponse)
def from_ledger(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """The ledger page's ticked orders as a rectification list."""
    numbers = form.get("numbers[]") or form.get("numbers") or []
    if isinstance(numbers, str):
        numbers = [numbers]
    try:
        lst = service.list_from_ledger(db, principal, numbers=[n for n in numbers if isinstance(n, str)],
                                       title=text(form, "title") or f"{_today():%Y年%m月%d日}台账整改清单",
                                       working_days=integer(form, "working_days", maximum=1000))
    except HotlineError as exc:
        return refused(db, exc, partial(_lists_page, request, principal, db))
    return _back(f"/rectification-lists/{lst.ref}", f"已由台账生成整改清单（{len(numbers)} 项）")


def _list_page(request: Request, principal: Principal, db: Session, ref: str, *, status: int = 200,
               errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
               values: dict[str, Any] | None = None) -> Response:
    lst = service.access_list(db, principal, ref)
    items = service.items_for(db, principal, lst)
    issuer = repository.units(db, [lst.issuer_unit_id]).get(lst.issuer_unit_id)
    check = db.get(SpotCheck, lst.spot_check_id) if lst.spot_check_id else None
    issuing = service.may_check(principal)
    return render(request, "spotcheck/list.html", principal, status_code=status, title=f"整改清单 · {lst.title}",
                  lst=lst, issuer=issuer, check=check, rows=_rows(db, principal, items), issuing=issuing,
                  answering=service.may_answer(principal), errors=errors or {}, flash=flash, flash_kind=flash_kind,
                  values=values or {}, **NAMES)


@router.get("/rectification-lists/{ref}", response_class=HTMLResponse)
def list_page(request: Request, principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    return _list_page(request, principal, db, ref, flash=request.query_params.get("ok"))


@router.post("/rectification-items/{ref}/{action}", response_class=HTMLResponse)
def rect_item_action(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str,
                     action: str) -> Response:
    """The forms of one item: ``progress`` (the unit; ``done`` = fixed) and ``decision`` (the issuer)."""
    item, lst = service.access_rect_item(db, principal, ref)
    try:
        if action == "progress":
            done = form.get("done") == "1"
            service.report_progress(db, principal, item, text=text(form, "text") or "", done=done,
                                    version=integer(form, "version"))
            return _back(f"/rectification-lists/{lst.ref}", "已报告完成，等待确认" if done else "已报告进展",
                         f"#r-{item.ref}")
        if action == "decision":
            confirm = form.get("confirm") == "1"
            service.decide_item(db, principal, item, confirm=confirm, note=text(form, "note"),
                                version=integer(form, "version"))
            return _back(f"/rectification-lists/{lst.ref}", "已确认销号" if confirm else "已退回", f"#r-{item.ref}")
    except Forbidden:
        raise
    except HotlineError as exc:
        return refused(db, exc, partial(_list_page, request, principal, db, lst.ref), values=form)
    raise InvalidInput("action", "未知操作")
