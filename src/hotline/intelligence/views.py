"""Pages of the dispatch suggestions (智能派单辅助): the "智能分类建议" fragment beside the
agent's intake form, the "派单建议" fragment in the dispatcher's dispatch form, and the model
administration page (/admin/models) of the province-wide administrator; the month's hotspots
(/hotspots), the dictionary of terms they keep whole (/admin/hotspot-terms) and the 专题专办
lists made of them (/special-lists); the early warnings (/warnings).

The fragments are loaded by htmx, so an order page or the console never waits for a model
(nor fails with one). Every read and write goes through ``intelligence.service``, which checks
who manages the models; the fragments check who may take calls or dispatch."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from hotline.auth import access
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.intelligence import repository, service, terms
from hotline.intelligence.models import (
    MODEL_KIND_NAMES,
    WARNING_KIND_NAMES,
    EarlyWarning,
    HotspotSnapshot,
    ModelKind,
    ModelStatus,
    ModelVersion,
    SpecialList,
)
from hotline.kit import clock
from hotline.kit.errors import Conflict, Forbidden, HotlineError, InvalidInput, NotFound
from hotline.org import repository as org_repository
from hotline.org import service as org_service
from hotline.org.models import HANDLING_KINDS, Category, Region, Unit
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, choice, error_map, integer, refused
from hotline.web.forms import text as form_text
from hotline.web.templating import render
from hotline.workorder.lifecycle import Action, Status, allowed_actions
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
            found = service.find_duplicates(db, principal, title=title, content=content, phone=phone, region=region,
                                            category=category, address=address)
        except InvalidInput:  # a phone number still being typed: look without it
            found = service.find_duplicates(db, principal, title=title, content=content, region=region,
                                            category=category, address=address)
    return render(request, "intelligence/_intake_duplicates.html", principal, place=place, duplicates=found,
                  typed=typed, region_given=bool(_region(db, q.get("region_code"))))


@router.get("/orders/{number}/duplicates", response_class=HTMLResponse)
def order_duplicates(request: Request, number: str, principal: CurrentPrincipal, db: Db) -> Response:
    """The likely duplicates of an order, to tick and merge into it (those awaiting dispatch
    or with a unit that has not replied yet), and the orders already merged into it."""
    order = access.access_work_order(db, principal, number)
    if principal.role not in access.CENTRE_ROLES or not principal.can(Cap.dispatch):
        raise Forbidden("您的角色无权并案")
    found = service.duplicates_of(db, principal, order)
    merged = service.merged_numbers(db, order)
    mergeable = {s.value for s in Status if Action.merge in allowed_actions(s)}
    return render(request, "intelligence/_order_duplicates.html", principal, order=order, duplicates=found,
                  merged=merged, mergeable=mergeable)


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


# --- monthly hotspots and 专题专办 lists --------------------------------------------------------

_MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")


def _this_month() -> str:
    return clock.now().astimezone(clock.CST).strftime("%Y-%m")


def _month(value: Any) -> str:
    """A month (YYYY-MM) from a query string or form; none given: the current month in China."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return _this_month()
    month = value.strip() if isinstance(value, str) else ""
    if not _MONTH.fullmatch(month):
        raise InvalidInput("month", "月份格式应为 YYYY-MM")
    return month


def _month_name(month: str) -> str:
    year, number = month.split("-")
    return f"{year} 年 {int(number)} 月"


def _order_numbers(db: Session, ids: list[int], limit: int = 500) -> list[str]:
    """The numbers of orders by id, in the given order (orders since deleted are left out)."""
    briefs = repository.order_briefs(db, ids[:limit])
    return [str(briefs[i][0]) for i in ids[:limit] if i in briefs]


def _moment(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


@dataclass(frozen=True)
class HotspotRow:
    rank: int
    label: str
    terms: list[str]
    keywords: list[str]
    place: str | None
    count: int
    people: int | None
    heat: float
    growth: float
    trend: list[tuple[str, int, int]]  # month, appeals, bar height in per cent of the busiest month
    samples: list[str]
    orders: list[str]
    first: dt.datetime | None
    last: dt.datetime | None


def _hotspot_rows(db: Session, snapshot: HotspotSnapshot) -> list[HotspotRow]:
    rows = []
    for rank, h in enumerate(snapshot.hotspots, start=1):
        trend = {str(k): int(v) for k, v in dict(h.get("trend") or {}).items()}
        peak = max(trend.values(), default=0) or 1
        rows.append(HotspotRow(
            rank=rank, label=str(h["label"]), terms=[str(t) for t in h.get("terms") or []],
            keywords=[str(k) for k in h.get("keywords") or []], place=h.get("place"),
            count=int(h["count"]), people=h.get("people"), heat=float(h["heat"]), growth=float(h.get("growth") or 0),
            trend=[(m, n, max(8, round(100 * n / peak))) for m, n in sorted(trend.items())],
            samples=[str(s) for s in (h.get("samples") or [])[:3]],
            orders=_order_numbers(db, [int(i) for i in h.get("order_ids") or []]),
            first=_moment(h.get("first")), last=_moment(h.get("last"))))
    return rows


def _hotspots_done(q: Any, month: str) -> str | None:
    """The confirmation after a redirect, worded here from validated values."""
    if q.get("done") == "queued":
        return (f"已提交{_month_name(month)}热点问题的重新计算任务：计算在后台进行（通常几秒到一两分钟），"
                "完成后刷新本页即可看到新结果。")
    return None


def _hotspots_page(request: Request, principal: Principal, db: Session, month: str, *, status: int = 200,
                   flash: str | None = None, flash_kind: str = "ok", failed_rank: int | None = None,
                   values: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> Response:
    snapshot = service.monthly_hotspots(db, principal, month)
    can_list = principal.role == Role.centre_supervisor  # as service.create_special_list
    local, upper = org_service.lead_unit_options(db, principal.region_code) if can_list and snapshot else ([], [])
    return render(request, "intelligence/hotspots.html", principal, status_code=status, title="热点问题",
                  month=month, month_name=_month_name(month), this_month=_this_month(), snapshot=snapshot,
                  rows=_hotspot_rows(db, snapshot) if snapshot else [], can_list=can_list, local_units=local,
                  upper_units=upper, flash=flash, flash_kind=flash_kind, failed_rank=failed_rank,
                  values=values or {}, errors=errors or {})


@router.get("/hotspots", response_class=HTMLResponse)
def hotspots_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The month's top 10 hotspots of the caller's centre as last computed (daily, or on
    request), for the centre staff who dispatch; a supervisor turns one into a 专题专办 list."""
    access.require(principal, Cap.dispatch)
    month = _month(request.query_params.get("month"))
    return _hotspots_page(request, principal, db, month,
                          flash=_hotspots_done(request.query_params, month))


@router.post("/hotspots/compute", response_class=HTMLResponse)
def recompute_hotspots(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Queue the month's computation (a background job: a month of a city takes a while)."""
    access.require(principal, Cap.dispatch)
    month = _month(form.get("month"))
    service.request_hotspots(db, principal, month)
    return RedirectResponse(f"/hotspots?{urlencode({'month': month, 'done': 'queued'})}", status_code=303)


@router.post("/hotspots/special-lists", response_class=HTMLResponse)
def make_special_list(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """专题专办: hand the month's ``rank``-th hotspot to a lead unit (the service decides who may)."""
    access.require(principal, Cap.dispatch)
    month = _month(form.get("month"))
    rank = integer(form, "rank", maximum=1000)
    values = {"lead_unit_id": form_text(form, "lead_unit_id") or "", "title": form_text(form, "title") or "",
              "note": form_text(form, "note") or ""}
    try:
        if rank is None:
            raise InvalidInput("rank", "请选择热点")
        lead_unit_id = integer(form, "lead_unit_id")
        if lead_unit_id is None:
            raise InvalidInput("lead_unit_id", "请选择牵头单位")
        row = service.create_special_list(db, principal, month=month, rank=rank, lead_unit_id=lead_unit_id,
                                          title=values["title"] or None, note=values["note"] or None)
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return _hotspots_page(request, principal, db, month, status=exc.status_code, flash=banner, flash_kind="err",
                              failed_rank=rank, values=values, errors=errors)
    return RedirectResponse(f"/special-lists?done=created&id={row.id}#list-{row.id}", status_code=303)


@dataclass(frozen=True)
class SpecialListRow:
    row: SpecialList
    lead_unit: str
    centre: str
    orders: list[str]


@router.get("/special-lists", response_class=HTMLResponse)
def special_lists_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The 专题专办 lists of the caller's centre, or led by the caller's unit, newest first."""
    found = service.special_lists(db, principal)
    units = {u.id: u for u in (db.get(Unit, i) for i in {r.lead_unit_id for r in found}
                               | {r.centre_unit_id for r in found}) if u is not None}

    def name(unit_id: int) -> str:
        return units[unit_id].name if unit_id in units else ""

    rows = [SpecialListRow(r, name(r.lead_unit_id), name(r.centre_unit_id), _order_numbers(db, list(r.order_ids)))
            for r in found]
    flash = None
    made = integer(request.query_params, "id")
    if request.query_params.get("done") == "created" and made:
        mine = next((r for r in rows if r.row.id == made), None)
        if mine is not None:
            lead = units.get(mine.row.lead_unit_id)
            texted = lead is not None and bool(lead.contact_phone)
            flash = (f"已建立专题专办清单“{mine.row.title}”（{len(mine.row.order_ids)} 件工单），"
                     f"交{mine.lead_unit}牵头办理" + ("，已短信通知该单位。" if texted else "。"))
    return render(request, "intelligence/special_lists.html", principal, title="专题专办", rows=rows, flash=flash,
                  can_view_hotspots=principal.can(Cap.dispatch))


# --- early warnings --------------------------------------------------------------------------------

WARNING_PAGE = 20


@dataclass(frozen=True)
class WarningRow:
    warning: EarlyWarning
    kind_name: str
    region: str
    category: str | None
    orders: list[str]
    acknowledged_by: str | None


def _warning_rows(db: Session, found: list[EarlyWarning]) -> list[WarningRow]:
    rows = []
    for w in found:
        region = db.get(Region, w.region_id) if w.region_id else None
        category = db.get(Category, w.category_id) if w.category_id else None
        by = db.get(User, w.acknowledged_by_id) if w.acknowledged_by_id else None
        rows.append(WarningRow(w, WARNING_KIND_NAMES[w.kind], service.region_path(db, region) if region else "未知地点",
                               category.name if category else None, _order_numbers(db, list(w.order_ids), 200),
                               by.display_name if by else None))
    return rows


def _warnings_page(request: Request, principal: Principal, db: Session, offset: int, *, status: int = 200,
                   flash: str | None = None, flash_kind: str = "ok") -> Response:
    found, total = service.warnings(db, principal, limit=WARNING_PAGE, offset=offset)
    return render(request, "intelligence/warnings.html", principal, status_code=status, title="预警",
                  rows=_warning_rows(db, found), total=total, limit=WARNING_PAGE, offset=offset, base="/warnings?",
                  can_ack=principal.can(Cap.dispatch), flash=flash, flash_kind=flash_kind)


def _page_offset(values: Any) -> int:
    return min(integer(values, "offset") or 0, 10**6)


@router.get("/warnings", response_class=HTMLResponse)
def warnings_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The early warnings of the caller's region, newest first: surging appeals and appeals
    naming an emergency, each with its orders; those who dispatch acknowledge them."""
    q = request.query_params
    flash = "已确认预警。" if q.get("done") == "ack" else None
    return _warnings_page(request, principal, db, _page_offset(q), flash=flash)


@router.post("/warnings/{warning_id}/acknowledge", response_class=HTMLResponse)
def acknowledge_warning(request: Request, warning_id: IdPath, principal: CurrentPrincipal, db: Db,
                        form: Form) -> Response:
    offset = _page_offset(form)
    try:
        service.acknowledge_warning(db, principal, warning_id)
    except HotlineError as exc:
        db.rollback()
        _, banner = error_map(exc)
        return _warnings_page(request, principal, db, offset, status=exc.status_code, flash=banner, flash_kind="err")
    query = {"done": "ack", **({"offset": str(offset)} if offset else {})}
    return RedirectResponse(f"/warnings?{urlencode(query)}#warning-{warning_id}", status_code=303)


# --- the hotspot term dictionary (热点词库) -----------------------------------------------------

TERMS_PAGE = "/admin/hotspot-terms"
_TERMS_LIMIT = 100


def _terms_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                values: dict[str, Any] | None = None, editing: str | None = None,
                tried: list[tuple[str, bool]] | None = None, sample: str = "") -> Response:
    q = request.query_params
    wanted_kind = q.get("kind") if q.get("kind") in terms.KINDS else None
    wanted_active = {"1": True, "0": False}.get(q.get("active") or "")
    text = (q.get("q") or "").strip()[:50] or None
    offset = integer(q, "offset") or 0
    rows, total = service.list_terms(db, principal, text=text, kind=wanted_kind, active=wanted_active,
                                     limit=_TERMS_LIMIT, offset=offset)
    keeper = principal.can(Cap.manage_org)
    edit = service.get_term(db, principal, editing) if editing else None
    base = f"{TERMS_PAGE}?" + urlencode({k: v for k, v in {"q": text, "kind": wanted_kind,
                                                             "active": q.get("active")}.items() if v}) + "&"
    return render(request, "intelligence/hotspot_terms.html", principal, status_code=status, title="热点词库",
                  rows=rows, total=total, offset=offset, limit=_TERMS_LIMIT, base=base, keeper=keeper,
                  editable=lambda code: keeper and in_region(principal.region_code, code), edit=edit,
                  KIND_NAMES=terms.KIND_NAMES, wanted_kind=wanted_kind, wanted_active=q.get("active") or "",
                  text=text or "", errors=errors or {}, flash=flash, flash_kind=flash_kind, values=values or {},
                  tried=tried, sample=sample)


def _terms_back(message: str, ref: str | None = None) -> RedirectResponse:
    anchor = f"#term-{ref}" if ref else ""
    return RedirectResponse(f"{TERMS_PAGE}?{urlencode({'ok': message})}{anchor}", status_code=303)


@router.get(TERMS_PAGE, response_class=HTMLResponse)
def hotspot_terms_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The dictionary of names the hotspot engine keeps whole, with their synonyms: add, edit,
    deactivate, import (administrators); read and try (the centre's dispatchers)."""
    ok = request.query_params.get("ok")
    return _terms_page(request, principal, db, flash=ok[:200] if ok else None)


@router.post(TERMS_PAGE, response_class=HTMLResponse)
def add_hotspot_term(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        row, _ = service.create_term(db, principal, term=form_text(form, "term") or "", kind=form_text(form, "kind"),
                                     synonyms=form_text(form, "synonyms"))
    except HotlineError as exc:
        return refused(db, exc, partial(_terms_page, request, principal, db), values=form)
    return _terms_back(f"已添加词条“{row.term}”，下次计算热点时生效", row.ref)


@router.post(TERMS_PAGE + "/import", response_class=HTMLResponse)
def import_hotspot_terms(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    upload = form.get("file")
    data = upload.file.read(5 * 1024 * 1024 + 1) if isinstance(upload, UploadFile) else b""
    try:
        created, updated = service.import_terms(db, principal, data,
                                                upload.filename if isinstance(upload, UploadFile) else None)
    except HotlineError as exc:
        return refused(db, exc, partial(_terms_page, request, principal, db))
    return _terms_back(f"导入完成：新增 {created} 条，更新 {updated} 条")


@router.post(TERMS_PAGE + "/try", response_class=HTMLResponse)
def try_hotspot_terms(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    sample = form_text(form, "text") or ""
    try:
        tried = service.try_terms(db, principal, sample)
    except HotlineError as exc:
        return refused(db, exc, partial(_terms_page, request, principal, db, sample=sample[:2000]))
    return _terms_page(request, principal, db, tried=tried, sample=sample)


@router.get(TERMS_PAGE + "/{ref}", response_class=HTMLResponse)
def hotspot_term_page(request: Request, ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    return _terms_page(request, principal, db, editing=ref[:64])


@router.post(TERMS_PAGE + "/{ref}", response_class=HTMLResponse)
def edit_hotspot_term(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    ref = ref[:64]
    try:
        row, _ = service.update_term(db, principal, ref, term=form_text(form, "term") or "",
                                     kind=form_text(form, "kind"), synonyms=form_text(form, "synonyms") or "",
                                     version=integer(form, "version"))
    except HotlineError as exc:
        return refused(db, exc, partial(_terms_page, request, principal, db, editing=ref), values=form)
    return _terms_back(f"已保存词条“{row.term}”，下次计算热点时生效", row.ref)


@router.post(TERMS_PAGE + "/{ref}/{action}", response_class=HTMLResponse)
def toggle_hotspot_term(request: Request, ref: str, action: str, principal: CurrentPrincipal, db: Db) -> Response:
    if action not in ("activate", "deactivate"):
        raise NotFound("页面不存在")
    try:
        row, _ = service.set_term_active(db, principal, ref[:64], action == "activate")
    except HotlineError as exc:
        return refused(db, exc, partial(_terms_page, request, principal, db))
    return _terms_back(f"已{'启用' if row.active else '停用'}词条“{row.term}”", row.ref)
