"""Pages of the dispatch suggestions (智能派单辅助): the "智能分类建议" fragment beside the
agent's intake form, the "派单建议" fragment in the dispatcher's dispatch form, and the model
administration page (/admin/models) of the province-wide administrator.

The fragments are loaded by htmx, so an order page or the console never waits for a model
(nor fails with one). Every read and write goes through ``intelligence.service``, which checks
who manages the models; the fragments check who may take calls or dispatch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.intelligence import service
from hotline.intelligence.models import MODEL_KIND_NAMES, ModelKind, ModelStatus, ModelVersion
from hotline.kit.errors import Conflict, Forbidden, HotlineError, InvalidInput
from hotline.org import repository as org_repository
from hotline.org.models import HANDLING_KINDS, Region, Unit
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, choice, error_map, integer
from hotline.web.templating import render
from hotline.workorder.lifecycle import Action, allowed_actions
from hotline.workorder.models import WorkOrder

router = routing.router()

#: What the classifier reads of an appeal at most (it reads 3,000 characters of it).
TITLE_CHARS = 200
CONTENT_CHARS = 3000
_REGION_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3})?")

STATUS_NAMES = {ModelStatus.active: "在用", ModelStatus.standby: "备用"}


def _has_model(found: service.Suggestions) -> bool:
    return found.category_model_id is not None or found.unit_model_id is not None


def _region(db: Session, code: str | None) -> Region | None:
    """The region a form names, when it is a well-formed code that exists."""
    code = (code or "").strip()
    if not _REGION_CODE.fullmatch(code):
        return None
    return org_repository.region_by_code(db, code)


# --- at intake ---------------------------------------------------------------------------------


@router.get("/console/suggestions", response_class=HTMLResponse)
def console_suggestions(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Three categories and three lead units for what the agent is typing. The units serve
    the appeal's place when the form names one, else the agent's own centre's region (a
    centre names no unit outside it)."""
    access.require(principal, Cap.intake)
    q = request.query_params
    title = (q.get("title") or "")[:TITLE_CHARS].strip()
    content = (q.get("content") or "")[:CONTENT_CHARS].strip()
    typed = " ".join(v for v in (title, content) if v)
    region = _region(db, q.get("region_code")) or _region(db, principal.region_code)
    found = service.suggest(db, typed, region=region)
    return render(request, "intelligence/_intake_suggestions.html", principal, found=found, typed=typed,
                  has_model=_has_model(found), region=region)


@router.get("/console/duplicates", response_class=HTMLResponse)
def console_duplicates(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Where the appeal being typed is about (the place the text and address name, and the
    territorial units), and the orders of the last 30 days it likely repeats — the same
    caller or the same place, with a similar text — each with the reasons."""
    access.require(principal, Cap.intake)
    q = request.query_params
    title = (q.get("title") or "")[:TITLE_CHARS].strip()
    content = (q.get("content") or "")[:CONTENT_CHARS].strip()
    address = (q.get("address") or "")[:300].strip() or None
    typed = " ".join(v for v in (title, content) if v)
    within = _region(db, principal.region_code)
    place = service.locate(db, typed, address, within=within) if typed or address else None
    region = _region(db, q.get("region_code")) or (place.region if place is not None and not place.ambiguous
                                                   else None)
    category = org_repository.category_by_code(db, (q.get("category_code") or "").strip()[:16]) \
        if q.get("category_code") else None
    phone = (q.get("phone") or "").strip()[:30] or None
    found: list[service.Duplicate] = []
    if typed:
        try:
            found = service.find_duplicates(db, title=title, content=content, phone=phone, region=region,
                                            category=category, address=address)
        except InvalidInput:  # a phone number still being typed: look without it
            found = service.find_duplicates(db, title=title, content=content, region=region, category=category,
                                            address=address)
    return render(request, "intelligence/_intake_duplicates.html", principal, place=place, duplicates=found,
                  typed=typed, region_given=bool(_region(db, q.get("region_code"))))


@router.get("/orders/{number}/duplicates", response_class=HTMLResponse)
def order_duplicates(request: Request, number: str, principal: CurrentPrincipal, db: Db) -> Response:
    """The likely duplicates of an order, to tick and merge into it (only those still awaiting
    dispatch can be merged), and the orders already merged into it."""
    order = access.access_work_order(db, principal, number)
    if principal.role not in access.CENTRE_ROLES or not principal.can(Cap.dispatch):
        raise Forbidden("您的角色无权并案")
    found = service.duplicates_of(db, order)
    merged = service.merged_numbers(db, order)
    return render(request, "intelligence/_order_duplicates.html", principal, order=order, duplicates=found,
                  merged=merged)


# --- at dispatch -------------------------------------------------------------------------------


def _nameable(order: WorkOrder, unit: Unit) -> bool:
    """A unit the order's centre may name as lead unit (the dispatch form lists those): a
    handling unit in the centre's region or above it."""
    centre = order.centre_unit.region.code
    return unit.kind in HANDLING_KINDS and (in_region(centre, unit.region.code) or in_region(unit.region.code, centre))


@dataclass(frozen=True)
class DispatchAdvice:
    found: service.Suggestions
    units: list[service.UnitSuggestion]
    current_category: str | None


@router.get("/orders/{number}/dispatch-suggestions", response_class=HTMLResponse)
def dispatch_suggestions(request: Request, number: str, principal: CurrentPrincipal, db: Db) -> Response:
    """The lead units and categories the active models suggest for an order awaiting
    dispatch, for the centre staff who may dispatch it. Units serve the order's place (else
    its centre's region) and are ones the dispatch form offers."""
    order = access.access_work_order(db, principal, number)
    if principal.role not in access.CENTRE_ROLES or not principal.can(Cap.dispatch):
        raise Forbidden("您的角色无权派单")
    if Action.dispatch not in allowed_actions(order.status):
        raise Conflict("工单当前不在待派单状态")
    found = service.suggest(db, f"{order.title} {order.content}", region=order.region or order.centre_unit.region)
    advice = DispatchAdvice(found=found, units=[s for s in found.units if _nameable(order, s.unit)],
                            current_category=order.category.code if order.category else None)
    return render(request, "intelligence/_dispatch_suggestions.html", principal, order=order, advice=advice,
                  has_model=_has_model(found))


# --- model administration ----------------------------------------------------------------------


@dataclass(frozen=True)
class KindPanel:
    kind: ModelKind
    name: str
    versions: list[ModelVersion]
    active: ModelVersion | None
    rollback_to: ModelVersion | None  # the version a roll-back would activate
    queued: bool


def _panels(db: Session, principal: Principal) -> list[KindPanel]:
    rows = service.versions(db, principal)
    queued = service.pending_training(db)
    panels = []
    for kind in ModelKind:
        mine = [v for v in rows if v.kind == kind]  # newest first
        active = next((v for v in mine if v.status == ModelStatus.active), None)
        older = [v for v in mine if active is None or v.id < active.id]  # as service.rollback picks
        panels.append(KindPanel(kind, MODEL_KIND_NAMES[kind], mine, active, older[0] if older else None,
                                kind in queued))
    return panels


def _done_message(q: Any) -> str | None:
    """The confirmation after a redirect, worded here from validated values (the query string
    carries no text)."""
    done = q.get("done")
    kind = choice(dict(q), "kind", ModelKind)
    if kind is None:
        return None
    name = MODEL_KIND_NAMES[kind]
    number = integer(q, "n")
    if done == "train":
        return (f"已提交“{name}”模型的训练任务：训练在后台进行（历史工单多时需要几分钟），"
                "完成后新版本自动启用并出现在下表中，请稍后刷新本页。")
    if done == "activate" and number:
        return f"已启用“{name}”模型第 {number} 版，新的建议即时生效。"
    if done == "rollback" and number:
        return f"“{name}”模型已回滚到第 {number} 版。"
    return None


def _models_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                 flash: str | None = None, flash_kind: str = "ok") -> Response:
    service.require_manager(principal)
    panels = _panels(db, principal)
    feedback = service.feedback_rates(db, [v for p in panels for v in p.versions])
    return render(request, "intelligence/admin_models.html", principal, status_code=status, title="智能派单模型",
                  panels=panels, feedback=feedback, STATUS_NAMES=STATUS_NAMES, flash=flash, flash_kind=flash_kind,
                  min_examples=service.MIN_EXAMPLES, min_per_label=service.MIN_EXAMPLES_PER_LABEL,
                  tolerance=service.RETRAIN_TOLERANCE)


def _back(done: str, kind: ModelKind, number: int | None = None) -> RedirectResponse:
    query = {"done": done, "kind": kind.value, **({"n": str(number)} if number else {})}
    return RedirectResponse(f"/admin/models?{urlencode(query)}#kind-{kind.value}", status_code=303)


def _failed(request: Request, principal: Principal, db: Session, exc: HotlineError) -> Response:
    db.rollback()
    _, banner = error_map(exc)
    return _models_page(request, principal, db, status=exc.status_code, flash=banner, flash_kind="err")


def _kind(form: dict[str, Any]) -> ModelKind:
    kind = choice(form, "kind", ModelKind)
    if kind is None:
        raise InvalidInput("kind", "请选择模型类型")
    return kind


@router.get("/admin/models", response_class=HTMLResponse)
def models_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Each kind's versions with their held-out metrics and how often dispatchers took their
    suggestions; train a new version, activate a standby one, roll back."""
    service.require_manager(principal)
    return _models_page(request, principal, db, flash=_done_message(request.query_params))


@router.post("/admin/models/train", response_class=HTMLResponse)
def train(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Queue the training (a background job): one at a time per kind."""
    service.require_manager(principal)
    try:
        kind = _kind(form)
        if kind in service.pending_training(db):
            raise Conflict(f"“{MODEL_KIND_NAMES[kind]}”模型已有训练任务在排队，请等待其完成")
        service.request_training(db, principal, kind, activate=True)
    except HotlineError as exc:
        return _failed(request, principal, db, exc)
    return _back("train", kind)


@router.post("/admin/models/rollback", response_class=HTMLResponse)
def rollback(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    service.require_manager(principal)
    try:
        version = service.rollback(db, principal, _kind(form))
    except HotlineError as exc:
        return _failed(request, principal, db, exc)
    return _back("rollback", version.kind, version.number)


@router.post("/admin/models/{version_id}/activate", response_class=HTMLResponse)
def activate(request: Request, version_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    service.require_manager(principal)
    try:
        version = service.activate(db, principal, version_id)
    except HotlineError as exc:
        return _failed(request, principal, db, exc)
    return _back("activate", version.kind, version.number)
