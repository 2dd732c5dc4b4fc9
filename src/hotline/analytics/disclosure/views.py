"""Pages of public disclosure, in Simplified Chinese:

- ``/disclosure`` — the supervisors' page: publish a month's figures, withdraw one, choose an
  order as a typical case, the cases by state;
- ``/disclosure/cases/{ref}`` — one case: the anonymised text (editable while a draft), what
  personal data is still found, submit, review by a second supervisor, withdraw;
- a section on the order page: 选为典型案例;
- ``/public/disclosure`` (+ ``/months/{ref}``, ``/cases/{ref}``, ``/rss.xml``) — the public
  pages and the RSS feed, read from the stored snapshots and anonymised text only.

The use cases are :mod:`hotline.analytics.disclosure.service`, as behind the API."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.analytics.disclosure import feeds, rules, service
from hotline.analytics.disclosure.endpoints import limit_public, public_feed
from hotline.analytics.disclosure.lifecycle import (
    CASE_STATE_NAMES,
    MONTH_STATE_NAMES,
    CaseState,
)
from hotline.audit import repository as audit_repository
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit import clock, redact
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, flag, integer, refused, text
from hotline.web.templating import env, render, templates
from hotline.workorder.lifecycle import Status as OrderStatus
from hotline.workorder.models import WorkOrder
from hotline.workorder.views import extensions

router = routing.router()
NAMES = {"CASE_STATE_NAMES": {s.value: n for s, n in CASE_STATE_NAMES.items()},
         "MONTH_STATE_NAMES": {s.value: n for s, n in MONTH_STATE_NAMES.items()},
         "CASE_FIELDS": rules.CASE_FIELDS, "MEASURES": rules.MEASURES, "RATES": rules.RATES,
         "FINDING_NAMES": redact.FINDING_NAMES, "percent": rules.percent}


def _back(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?ok={quote(message)}", status_code=303)


def _home(request: Request, principal: Principal, db: Session, *, status: int = 200,
          errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
          values: dict[str, Any] | None = None) -> Response:
    service.require_editor(principal)
    months = service.months(db, principal)
    cases = service.cases(db, principal)
    regions = service.region_names(db, {m.region_id for m in months})
    orders = {c.id: service.order_of(db, c).number for c in cases}
    by_state = {s.value: [c for c in cases if c.state == s.value] for s in CaseState}
    return render(request, "disclosure/disclosure.html", principal, status_code=status, title="数据公开与典型案例",
                  months=months, regions=regions, by_state=by_state, orders=orders,
                  recent=rules.recent_months(clock.now().astimezone(clock.CST).date()), errors=errors or {},
                  flash=flash, flash_kind=flash_kind, values=values or {}, **NAMES)


@router.get("/disclosure", response_class=HTMLResponse)
def disclosure_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _home(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/disclosure/months", response_class=HTMLResponse)
def publish_month(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        m = service.publish_month(db, principal, period=text(form, "period") or "")
    except HotlineError as exc:
        return refused(db, exc, partial(_home, request, principal, db), values=form)
    return _back("/disclosure", f"已公开{rules.month_label(m.period)}的数据")


@router.post("/disclosure/months/{ref}/withdraw", response_class=HTMLResponse)
def withdraw_month(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str) -> Response:
    m = service.access_month(db, principal, ref)
    try:
        service.withdraw_month(db, principal, m, reason=text(form, "reason"), version=integer(form, "version"))
    except HotlineError as exc:
        return refused(db, exc, partial(_home, request, principal, db), values=form)
    return _back("/disclosure", f"已撤回{rules.month_label(m.period)}的数据")


@router.post("/disclosure/cases", response_class=HTMLResponse)
def choose(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Choose by order number (the disclosure page's form)."""
    service.require_editor(principal)
    try:
        number = text(form, "order") or ""
        if not number:
            raise InvalidInput("order", "请填写工单编号")
        order = access.access_work_order(db, principal, number[:20])
        case = service.choose(db, principal, order, hide_enterprise=flag(form, "hide_enterprise"))
    except HotlineError as exc:
        return refused(db, exc, partial(_home, request, principal, db), values=form)
    return _back(f"/disclosure/cases/{case.ref}", "已选为典型案例，文本已自动脱敏，请核对后提交审核")


def _case(request: Request, principal: Principal, db: Session, ref: str, *, status: int = 200,
          errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
          values: dict[str, Any] | None = None) -> Response:
    c = service.access_case(db, principal, ref)
    order = service.order_of(db, c)
    people = audit_repository.display_names(db, {i for i in (c.created_by_id, c.updated_by_id, c.submitted_by_id,
                                                             c.reviewed_by_id, c.withdrawn_by_id) if i})
    second = principal.user_id not in {c.created_by_id, c.updated_by_id, c.submitted_by_id}
    return render(request, "disclosure/case.html", principal, status_code=status, title=f"典型案例 · {c.title}",
                  c=c, order=order, people=people, residue=service.residue(db, c), may_review=second,
                  errors=errors or {}, flash=flash, flash_kind=flash_kind, values=values or {}, **NAMES)


@router.get("/disclosure/cases/{ref}", response_class=HTMLResponse)
def case_page(request: Request, principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    return _case(request, principal, db, ref, flash=request.query_params.get("ok"))


@router.post("/disclosure/cases/{ref}/{action}", response_class=HTMLResponse)
def case_action(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str, action: str) -> Response:
    """The forms of one case: ``edit``, ``submit``, ``approve``, ``reject``, ``withdraw``, ``discard``."""
    c = service.access_case(db, principal, ref)
    version = integer(form, "version")
    path = f"/disclosure/cases/{c.ref}"
    try:
        if action == "edit":
            data = service.CaseText(title=text(form, "title"), appeal=text(form, "appeal"),
                                    handling=text(form, "handling"), result=text(form, "result"),
                                    hide_enterprise=flag(form, "hide_enterprise"))
            service.edit(db, principal, c, data, version=version)
            return _back(path, "已保存")
        if action == "submit":
            service.submit(db, principal, c, version=version)
            return _back(path, "已提交审核，请由另一位值班长审核")
        if action == "approve":
            service.approve(db, principal, c, note=text(form, "note"), version=version)
            return _back(path, "审核通过，已公开")
        if action == "reject":
            service.reject(db, principal, c, note=text(form, "note"), version=version)
            return _back(path, "已退回修改")
        if action == "withdraw":
            service.withdraw(db, principal, c, reason=text(form, "reason"), version=version)
            return _back(path, "已撤回")
        if action == "discard":
            service.discard(db, principal, c, version=version)
            return _back("/disclosure", "已放弃该案例")
    except HotlineError as exc:
        return refused(db, exc, partial(_case, request, principal, db, ref), values=form)
    raise InvalidInput("action", "未知操作")


# --- the section on the order page --------------------------------------------------------------


def _order_section(request: Request, db: Session, principal: Principal, order: WorkOrder) -> Markup | None:
    if not service.is_editor(principal):
        return None
    case = service.case_of_order(db, principal, order)
    choosable = case is None and order.status == OrderStatus.closed and not order.is_confidential
    if case is None and not choosable:
        return None
    return Markup(env.get_template("disclosure/_order_case.html").render(  # noqa: S704 (autoescaped template output)
        order=order, principal=principal, case=case, flash=request.query_params.get("disclosure"), **NAMES))


extensions.ORDER_SECTIONS.append(_order_section)


@router.post("/orders/{number}/disclosure/choose", response_class=HTMLResponse)
def choose_from_order(principal: CurrentPrincipal, db: Db, form: Form, number: str) -> Response:
    """选为典型案例 from the order page: to the new case, or back to the order with the reason."""
    service.require_editor(principal)
    order = access.access_work_order(db, principal, number)
    try:
        case = service.choose(db, principal, order, hide_enterprise=flag(form, "hide_enterprise"))
    except HotlineError as exc:
        if exc.status_code in (403, 404):
            raise
        db.rollback()
        reason = getattr(exc, "reason", None) or exc.message
        return RedirectResponse(f"/orders/{order.number}?disclosure={quote('未能选取：' + reason)}#disclosure",
                                status_code=303)
    return _back(f"/disclosure/cases/{case.ref}", "已选为典型案例，文本已自动脱敏，请核对后提交审核")


# --- the public ---------------------------------------------------------------------------------


def _public(request: Request, name: str, context: dict[str, Any]) -> Response:
    return templates.TemplateResponse(request, f"disclosure/{name}", {**context, **NAMES})


@router.get("/public/disclosure", response_class=HTMLResponse)
def public_page(request: Request, db: Db) -> Response:
    """数据公开: published months (figures as published) and typical cases, newest first."""
    limit_public(db, request)
    region, error = request.query_params.get("region") or None, None
    try:
        months, cases = public_feed(db, region=region, limit=60)
    except InvalidInput as exc:
        error, region = exc.reason, None
        months, cases = public_feed(db, region=None, limit=60)
    regions = sorted({(m.region_code, m.region_name) for m in months})
    return _public(request, "public_disclosure.html", {"title": "数据公开", "months": months, "cases": cases,
                                                       "regions": regions, "region": region, "error": error})


@router.get("/public/disclosure/rss.xml")
def public_rss(request: Request, db: Db) -> Response:
    """The RSS 2.0 feed of published months and typical cases."""
    limit_public(db, request)
    months, cases = public_feed(db, region=None, limit=60)
    body = feeds.rss(str(request.base_url), months, cases, now=clock.now())
    return Response(body, media_type="application/rss+xml; charset=utf-8")


@router.get("/public/disclosure/months/{ref}", response_class=HTMLResponse)
def public_month_page(request: Request, db: Db, ref: str) -> Response:
    limit_public(db, request)
    m = feeds.month_out(service.public_month(db, ref[:32]))
    return _public(request, "public_month.html", {"title": f"{m.region_name}{m.label}热线数据", "m": m})


@router.get("/public/disclosure/cases/{ref}", response_class=HTMLResponse)
def public_case_page(request: Request, db: Db, ref: str) -> Response:
    limit_public(db, request)
    c = service.public_case(db, ref[:32])
    out = feeds.case_out(c, service.region_names(db, {c.region_id}).get(c.region_id, ""))
    return _public(request, "public_case.html", {"title": f"典型案例 · {out.title}", "c": out})
