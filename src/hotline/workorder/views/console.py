"""The intake console (受理台): the form, the caller's history, knowledge suggestions, submitting."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.citizen import flags as caller_flags
from hotline.citizen import service as citizen_service
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.org import repository as org_repository
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, choice, error_map, flag, integer, text
from hotline.web.templating import render
from hotline.workorder import repository, service
from hotline.workorder.lifecycle import MAIN_STATUSES
from hotline.workorder.models import WorkOrder
from hotline.workorder.service import drafts
from hotline.workorder.sla import Urgency
from hotline.workorder.views import extensions
from hotline.workorder.views._common import (
    NAMES,
    URGENCY_NAMES,
    _appeal_type_names,
    _category_options,
    _redirect,
    _scope,
    router,
)

HISTORY_LIMIT = 10


def _region_options(db: Session, principal: Principal) -> list[tuple[str, str]]:
    levels = ["province", "city", "county", "township"]
    return [(r.code, "　" * levels.index(r.level.value) + r.name) for r in org_repository.all_regions(db)
            if r.active and in_region(principal.region_code, r.code)]


def _console(request: Request, principal: Principal, db: Session, *, status: int = 200,
             values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
             flash: str | None = None, flash_kind: str = "ok") -> Response:
    access.require(principal, Cap.intake)
    values = dict(values or {})
    values.setdefault("channel", "phone")
    values.setdefault("urgency", Urgency.normal.value)
    values.setdefault("idempotency_key", secrets.token_urlsafe(16))
    if values.get("title") is None and values.get("content") is None:  # a blank form, not one sent back
        for ext in extensions.CONSOLE:
            ext.prefill(request, db, principal, values)
    panels = [p for p in (ext.panel(request, db, principal) for ext in extensions.CONSOLE) if p]
    form_parts = [p for p in (ext.form(request, db, principal, values) for ext in extensions.CONSOLE) if p]
    return render(
        request, "workorder/console.html", principal, status_code=status, title="受理台", values=values,
        errors=errors or {}, flash=flash, flash_kind=flash_kind,
        channels=[(c.code, c.name) for c in org_repository.list_channels(db) if c.active],
        appeal_types=[(t.code, t.name) for t in org_repository.list_appeal_types(db) if t.active],
        categories=_category_options(db), regions=_region_options(db, principal),
        urgencies=[(u.value, n) for u, n in URGENCY_NAMES.items()],
        lookup=principal.can(Cap.view_citizens), panels=panels, form_parts=form_parts,
    )


@router.get("/console", response_class=HTMLResponse)
def console_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The intake form; ``?draft=<ref>`` opens one of the agent's drafts (暂存草稿)."""
    ref = (request.query_params.get("draft") or "")[:32]
    if not ref:
        return _console(request, principal, db)
    draft = drafts.mine(db, principal, ref)
    values: dict[str, Any] = {k: ("1" if v is True else v) for k, v in drafts.fields_of(draft).items()}
    values["draft_ref"] = draft.ref
    values.setdefault("title", "")  # a form to show as it was kept, not a blank one to prefill
    saved = request.query_params.get("saved") == "1"
    return _console(request, principal, db, values=values,
                    flash="草稿已暂存，可在工作台“我的草稿”中继续" if saved else "已打开暂存的草稿",
                    flash_kind="ok")


@router.get("/console/history", response_class=HTMLResponse)
def console_history(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The caller's earlier orders, looked up by the phone number's keyed hash. Names are
    shown through ``citizen.service.view``: masked for roles without need-to-know, and
    every unmasked view audited."""
    access.require(principal, Cap.view_citizens)
    phone = (request.query_params.get("phone") or "").strip()[:30]
    context: dict[str, Any] = {"phone": phone, "error": None, "citizens": [], "orders": [], "known_name": None,
                               "urgeable": frozenset(), "flags": []}
    if phone:
        try:
            found = citizen_service.find_by_phone(db, principal, phone)
        except InvalidInput as exc:
            context["error"] = exc.reason
            found = []
        shown = citizen_service.view(db, principal, found, purpose="intake_lookup")
        orders: list[WorkOrder] = []
        for citizen in found:
            rows, _ = repository.search(db, _scope(principal), repository.OrderFilter(citizen_id=citizen.id),
                                        limit=HISTORY_LIMIT, offset=0)
            orders += rows
        # open orders first (the caller most likely asks about one: one click urges it), then the rest
        orders.sort(key=lambda o: (o.status not in MAIN_STATUSES, -o.id))
        context.update(citizens=shown, orders=orders[:HISTORY_LIMIT], urgeable=MAIN_STATUSES,
                       flags=caller_flags.active_flags(db, [c.id for c in found]),
                       known_name=next((c.name for c in shown if c.name and not c.masked), None))
    context["appeal_types"] = _appeal_type_names(db)
    return render(request, "workorder/_history.html", principal, **context, **NAMES)


@router.post("/console/urge/{number}", response_class=HTMLResponse)
def console_urge(number: str, principal: CurrentPrincipal, db: Db) -> Response:
    """One click on the caller's history: urge that order (催办) instead of registering it again."""
    try:
        urged = service.urge(db, principal, access.access_work_order(db, principal, number), note="来电催办")
    except HotlineError as exc:
        db.rollback()
        return HTMLResponse(f'<span class="wo-err">{escape(exc.message)}</span>', status_code=exc.status_code)
    main = f' <span class="muted">已催办主工单 {urged.number}</span>' if urged.number != number else ""
    return HTMLResponse(f'<span class="tag kw">已催办（第 {urged.urge_count} 次）</span>{main}')


#: Knowledge items shown beside the console form while the agent types.
SUGGESTIONS = 5


@router.get("/console/knowledge", response_class=HTMLResponse)
def console_knowledge(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Knowledge items that answer what the agent is typing (title and content), for the
    appeal's place when one is chosen: shown beside the form, each with a one-click answer."""
    from hotline.knowledge import service as knowledge

    access.require(principal, Cap.intake)
    q = request.query_params
    typed = " ".join(v for v in ((q.get("title") or "")[:100], (q.get("content") or "")[:1000]) if v.strip())
    region = (q.get("region_code") or "").strip()[:9] or None
    hits: list[knowledge.Hit] = []
    error = None
    if typed.strip():
        try:
            hits = knowledge.search_items(db, typed, knowledge.search_filter(db, region_code=region),
                                          limit=SUGGESTIONS)
        except InvalidInput as exc:
            error = exc.reason
    return render(request, "knowledge/_suggestions.html", principal, hits=hits, typed=typed, error=error)


def _intake_data(form: dict[str, Any]) -> service.IntakeData:
    item_id = integer(form, "knowledge_item_id")
    if item_id is not None:
        return _answered_from_knowledge(form, item_id)
    return service.IntakeData(
        channel=text(form, "channel") or "", appeal_type=text(form, "appeal_type") or "",
        title=text(form, "title") or "", content=text(form, "content") or "",
        phone=text(form, "phone"), name=text(form, "name"), category_code=text(form, "category_code"),
        region_code=text(form, "region_code"), address=text(form, "address"),
        is_confidential=flag(form, "is_confidential"), urgency=choice(form, "urgency", Urgency) or Urgency.normal,
        is_enterprise=flag(form, "is_enterprise"), enterprise_name=text(form, "enterprise_name"),
        uscc=text(form, "uscc"), answer=text(form, "answer"),
    )


def _answered_from_knowledge(form: dict[str, Any], item_id: int) -> service.IntakeData:
    """The one-click answer (即时答) from a suggested knowledge item: the call is registered as
    a consultation, answered with the item's published answer and closed; the order records
    which item answered it. An empty title or content takes the item's question."""
    title = text(form, "title") or ""
    content = text(form, "content") or ""
    return service.IntakeData(
        channel=text(form, "channel") or "", appeal_type="consultation", title=title or content[:100],
        content=content or title, phone=text(form, "phone"), name=text(form, "name"),
        category_code=text(form, "category_code"), region_code=text(form, "region_code"),
        address=text(form, "address"), urgency=choice(form, "urgency", Urgency) or Urgency.normal,
        is_enterprise=flag(form, "is_enterprise"), enterprise_name=text(form, "enterprise_name"),
        uscc=text(form, "uscc"), knowledge_item_id=item_id,
    )


@router.post("/console", response_class=HTMLResponse)
def console_submit(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Register the call. The hidden idempotency key makes a double submit (a second Enter,
    a reload of the POST) return the order the first submit created."""
    access.require(principal, Cap.intake)
    draft_ref = text(form, "draft_ref")
    if form.get("save_draft") == "1":
        try:
            draft = drafts.save(db, principal, form, ref=draft_ref)
        except HotlineError as exc:
            db.rollback()
            errors, banner = error_map(exc)
            return _console(request, principal, db, status=exc.status_code, values=dict(form), errors=errors,
                            flash=f"草稿未保存：{banner}", flash_kind="err")
        return _redirect(f"/console?draft={draft.ref}&saved=1")
    try:
        data = _intake_data(form)
        for ext in extensions.CONSOLE:
            data = ext.prepare(db, principal, form, data)
        order, created = service.intake(db, principal, data, idempotency_key=text(form, "idempotency_key"))
        db.flush()
        for ext in extensions.CONSOLE:
            ext.registered(db, principal, form, order)
        if draft_ref and created:  # the draft became this order
            drafts.delete(db, principal, draft_ref, registered=order.number)
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        values = dict(form)
        if exc.detail.get("field") == "Idempotency-Key":
            # This form already registered a different call (e.g. reopened with the back
            # button): give it a fresh key, so that checking and resubmitting works.
            values.pop("idempotency_key", None)
            banner = "这张受理单已提交过另一件诉求，已为本次来电重新生成受理单，请核对后再次提交"
        return _console(request, principal, db, status=exc.status_code, values=values, errors=errors,
                        flash=f"未受理：{banner}", flash_kind="err")
    return _redirect(f"/orders/{order.number}?done=intake")
