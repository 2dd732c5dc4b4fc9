"""Pages of the service-merchant register (社会化服务企业), in Simplified Chinese:

- ``/merchants`` — the register with each merchant's evaluation, the registration form and the
  open proposals of the adjustment rule (managers);
- ``/merchants/{ref}`` — one merchant: details, contact (masked unless a manager, audited),
  evaluation, review (four eyes), status changes with the reason, and the adjustment history;
- a section on the order page: referral to a merchant, the rating at callback, a complaint;
- ``/public/merchants`` — the public page of recommended merchants (no personal data).

The use cases are :mod:`hotline.integration.merchants.service`, as behind the API."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.audit import repository as audit_repository
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.integration.merchants import lifecycle, repository, service
from hotline.integration.merchants.lifecycle import ACTION_NAMES, SERVICE_TYPES, STATUS_NAMES, Action, Status
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, integer, refused, text
from hotline.web.templating import env, render, templates
from hotline.workorder.lifecycle import Status as OrderStatus
from hotline.workorder.models import WorkOrder
from hotline.workorder.views import extensions

router = routing.router()
VERDICT_NAMES = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
PROPOSAL_STATES = {"open": "待处理", "accepted": "已采纳", "dismissed": "未采纳", "superseded": "已失效"}
NAMES = {"STATUS_NAMES": {s.value: n for s, n in STATUS_NAMES.items()},
         "ACTION_NAMES": {a.value: n for a, n in ACTION_NAMES.items()}, "SERVICE_TYPES": SERVICE_TYPES,
         "VERDICT_NAMES": VERDICT_NAMES, "PROPOSAL_STATES": PROPOSAL_STATES}


def _list(form: dict[str, Any], key: str) -> list[str]:
    value = form.get(key)
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    if isinstance(value, str):
        return [c for c in value.replace("，", ",").replace(" ", ",").split(",") if c]
    return []


def _data(form: dict[str, Any]) -> service.MerchantData:
    return service.MerchantData(
        name=text(form, "name") or "", uscc=text(form, "uscc") or "", service_types=_list(form, "service_types"),
        area_codes=_list(form, "area_codes"), business_phone=text(form, "business_phone") or "",
        contact_name=text(form, "contact_name") or "", contact_phone=text(form, "contact_phone") or "",
        address=text(form, "address"), description=text(form, "description"))


def _back(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?ok={quote(message)}", status_code=303)


def _register_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                   errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                   values: dict[str, Any] | None = None) -> Response:
    service.require_reader(principal)
    wanted_status = request.query_params.get("status") or None
    wanted_type = request.query_params.get("service_type") or None
    if wanted_status not in {s.value for s in Status}:
        wanted_status = None
    if wanted_type not in SERVICE_TYPES:
        wanted_type = None
    rows = service.list_merchants(db, principal, status=wanted_status, service_type=wanted_type)
    figures = service.evaluations(db, rows)
    manager = service.is_manager(principal)
    return render(request, "merchants/merchants.html", principal, status_code=status, title="服务企业",
                  merchants=rows, figures=figures, manager=manager,
                  proposals=service.proposals(db, principal) if manager else [],
                  wanted_status=wanted_status, wanted_type=wanted_type, errors=errors or {}, flash=flash,
                  flash_kind=flash_kind, values=values or {}, **NAMES)


@router.get("/merchants", response_class=HTMLResponse)
def merchants_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _register_page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/merchants", response_class=HTMLResponse)
def register(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        m = service.register(db, principal, _data(form))
    except HotlineError as exc:
        return refused(db, exc, partial(_register_page, request, principal, db), values=form)
    return _back(f"/merchants/{m.ref}", f"已登记“{m.name}”，请由另一位管理人员审核")


@router.post("/merchants/run-rule", response_class=HTMLResponse)
def run_rule(principal: CurrentPrincipal, db: Db) -> Response:
    service.require_manager(principal)
    raised = service.raise_proposals(db)
    return _back("/merchants", f"动态调整规则已运行，新增 {len(raised)} 条调整建议")


@router.post("/merchants/proposals/{ref}", response_class=HTMLResponse)
def decide(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str) -> Response:
    p, m = service.access_proposal(db, principal, ref)
    accept = form.get("accept") == "1"
    try:
        service.decide_proposal(db, principal, p, m, accept=accept, note=text(form, "note"))
    except HotlineError as exc:
        return refused(db, exc, partial(_register_page, request, principal, db))
    return _back("/merchants", f"已{'采纳' if accept else '不采纳'}对“{m.name}”的调整建议")


def _detail(request: Request, principal: Principal, db: Session, ref: str, *, status: int = 200,
            errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
            values: dict[str, Any] | None = None) -> Response:
    m = service.access_merchant(db, principal, ref)
    name, phone, masked = service.contact(db, principal, m, purpose="merchant_page")
    writable = service.is_manager(principal) and service._writable(db, principal, m)
    changes = service.history(db, m)
    people = audit_repository.display_names(db, {c.decided_by_id for c in changes} | {m.created_by_id})
    allowed = [a for a in lifecycle.allowed_actions(Status(m.status)) if a in lifecycle.ADJUSTMENTS]
    return render(request, "merchants/merchant.html", principal, status_code=status, title=f"服务企业 · {m.name}",
                  m=m, contact_name=name, contact_phone=phone, masked=masked, writable=writable,
                  evaluation=service.evaluations(db, [m])[m.id], changes=changes, people=people,
                  proposals=repository.proposals_of(db, m.id), allowed=allowed,
                  areas=repository.region_names(db, m.area_codes),
                  may_review=writable and m.status == Status.applied and m.created_by_id != principal.user_id,
                  errors=errors or {}, flash=flash, flash_kind=flash_kind, values=values or {}, **NAMES)


@router.get("/merchants/{ref}", response_class=HTMLResponse)
def merchant_page(request: Request, principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    return _detail(request, principal, db, ref, flash=request.query_params.get("ok"))


@router.post("/merchants/{ref}/{action}", response_class=HTMLResponse)
def merchant_action(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str,
                    action: str) -> Response:
    """The forms of one merchant: ``review`` (admit or reject), ``status`` (an adjustment)."""
    m = service.access_merchant(db, principal, ref, write=True)
    version = integer(form, "version")
    try:
        if action == "review":
            admit = form.get("admit") == "1"
            service.review(db, principal, m, admit=admit, reason=text(form, "reason"), version=version)
            return _back(f"/merchants/{m.ref}", "已准入" if admit else "已不予准入")
        if action == "status":
            change = service.change_status(db, principal, m, action=text(form, "action") or "",
                                           reason=text(form, "reason"), version=version)
            return _back(f"/merchants/{m.ref}", f"已{ACTION_NAMES[Action(change.action)]}")
        if action == "edit":
            service.update(db, principal, m, _data(form), version=version)
            return _back(f"/merchants/{m.ref}", "已保存")
    except HotlineError as exc:
        return refused(db, exc, partial(_detail, request, principal, db, ref), values=form)
    raise InvalidInput("action", "未知操作")


# --- the section on the order page --------------------------------------------------------------


def _order_section(request: Request, db: Session, principal: Principal, order: WorkOrder) -> Markup | None:
    if not service.may_read(principal):
        return None
    referrals = service.referrals(db, order)
    complaints = service.complaints(db, order)
    refer = service.may_refer(principal)
    wanted = request.query_params.get("service_type") or None
    if wanted not in SERVICE_TYPES:
        wanted = None
    candidates = service.candidates(db, principal, order, service_type=wanted) if refer else []
    referred = {m.id for _, m in referrals}
    candidates = [m for m in candidates if m.id not in referred]
    # at callback the rating is in the callback form (_callback_fields); after it, here
    may_rate = (order.status == OrderStatus.closed and principal.role in access.CENTRE_ROLES
                and principal.can(Cap.callback))
    may_complain = service.may_mark_complaint(principal)
    if not (referrals or complaints or refer or may_complain):
        return None
    complainable = ([m for m in service.list_merchants(db, principal)
                     if m.status not in (Status.applied, Status.rejected)] if may_complain else [])
    flash = request.query_params.get("merchant")
    return Markup(env.get_template("merchants/_order_merchants.html").render(  # noqa: S704 (autoescaped template output)
        order=order, principal=principal, referrals=referrals, complaints=complaints, refer=refer,
        candidates=candidates, wanted=wanted, may_rate=may_rate, may_complain=may_complain,
        complainable=complainable, flash=flash, errors={}, **NAMES))


def _callback_fields(request: Request, db: Session, principal: Principal, order: WorkOrder) -> Markup | None:
    """In the callback form: the citizen's rating of each merchant referred on the order and
    not yet rated (the callback scale, and how many hours it took to respond)."""
    if not service.may_read(principal):
        return None
    unrated = [(r, m) for r, m in service.referrals(db, order) if r.verdict is None]
    if not unrated:
        return None
    return Markup(env.get_template("merchants/_callback_rating.html").render(  # noqa: S704 (autoescaped template output)
        unrated=unrated, **NAMES))


def _callback_recorded(db: Session, principal: Principal, order: WorkOrder, form: Form) -> None:
    """The ratings given in the callback form, recorded with the callback (same transaction:
    a bad rating refuses the callback too, naming the field)."""
    for r, _m in service.referrals(db, order):
        verdict = text(form, f"merchant_verdict_{r.ref}")
        if r.verdict is not None or verdict is None:
            continue
        hours = text(form, f"merchant_hours_{r.ref}")
        if hours is not None and not hours.isdigit():
            raise InvalidInput("response_hours", "响应时长应为 0–720 小时")
        service.rate(db, principal, order, r.ref, verdict=verdict, response_hours=int(hours) if hours else None,
                     note=None)


extensions.ORDER_SECTIONS.append(_order_section)
extensions.CALLBACK_FIELDS.append(_callback_fields)
extensions.CALLBACK_RECORDED.append(_callback_recorded)


def _to_order(number: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"/orders/{number}?merchant={quote(message)}#merchants", status_code=303)


def _refused_on_order(number: str, exc: HotlineError, db: Session) -> Response:
    db.rollback()
    reason = getattr(exc, "reason", None) or exc.message
    return RedirectResponse(f"/orders/{number}?merchant={quote('未能办理：' + reason)}#merchants", status_code=303)


@router.post("/orders/{number}/merchants/{action}", response_class=HTMLResponse)
def order_action(principal: CurrentPrincipal, db: Db, form: Form, number: str, action: str) -> Response:
    """The forms of the order section: ``refer``, ``rate``, ``complaint``."""
    order = access.access_work_order(db, principal, number)
    try:
        if action == "refer":
            service.require_referrer(principal)
            m = service.access_merchant(db, principal, text(form, "merchant") or "")
            service.refer(db, principal, order, m, service_type=text(form, "service_type") or "",
                          note=text(form, "note"))
            return _to_order(number, f"已转介“{m.name}”，并短信告知诉求人")
        if action == "rate":
            hours = text(form, "response_hours")
            if hours is not None and not hours.isdigit():
                raise InvalidInput("response_hours", "响应时长应为 0–720 小时")
            r = service.rate(db, principal, order, text(form, "referral") or "", verdict=text(form, "verdict") or "",
                             response_hours=int(hours) if hours else None, note=text(form, "note"))
            del r
            return _to_order(number, "已记录服务企业评价")
        if action == "complaint":
            service.require_complaint_marker(principal)
            m = service.access_merchant(db, principal, text(form, "merchant") or "")
            service.mark_complaint(db, principal, order, m, note=text(form, "note"))
            return _to_order(number, f"已标记为对“{m.name}”的投诉")
    except HotlineError as exc:
        if exc.status_code in (403, 404) and not isinstance(exc, InvalidInput):
            raise
        return _refused_on_order(number, exc, db)
    raise InvalidInput("action", "未知操作")


# --- the public page ----------------------------------------------------------------------------


@router.get("/public/merchants", response_class=HTMLResponse)
def public_page(request: Request, db: Db) -> Response:
    """推荐服务企业: admitted merchants by service type and area, with the number each published."""
    wanted = request.query_params.get("service_type") or None
    area = request.query_params.get("area") or None
    if wanted not in SERVICE_TYPES:
        wanted = None
    error = None
    try:
        rows = service.public_merchants(db, service_type=wanted, area=area)
    except InvalidInput as exc:
        rows, error, area = service.public_merchants(db, service_type=wanted, area=None), exc.reason, None
    from hotline.knowledge.public_views import _regions

    codes = {c for m in rows for c in m.area_codes}
    return templates.TemplateResponse(request, "merchants/public_merchants.html", {
        "title": "推荐服务企业", "merchants": rows, "wanted": wanted, "area": area, "error": error,
        "regions": _regions(db), "area_names": repository.region_names(db, codes), **NAMES})
