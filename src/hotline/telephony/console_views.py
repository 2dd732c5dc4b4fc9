"""Pages of the agent's seat and of call records: the seat panel and the screen-pop on the
intake console (受理台, through ``workorder.views.extensions``), the call list (/cti/calls) and
one call (/cti/calls/{ref}), and the 来电记录 section of the order page.

The console's panel polls ``/cti/console/panel?v=<version>`` every second: the answer is 204
(nothing to redraw) unless the seat's state or its call changed — one indexed statement per
poll — and otherwise the panel with the pop, which fills the console's form (``cti.js``): the
caller's number (for roles that see it), channel "phone" and the hidden call reference. The
console then registers the order through ``workorder.service.intake`` and these hooks keep
the call on it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput
from hotline.telephony import records, repository, screenpop, seats
from hotline.telephony.lifecycle import console_move_allowed
from hotline.telephony.models import AgentState
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, text
from hotline.web.templating import env, render
from hotline.workorder import service as workorder
from hotline.workorder.lifecycle import STATUS_NAMES
from hotline.workorder.models import WorkOrder
from hotline.workorder.views import extensions

router = routing.router()
PAGE = 50
STATE_BUTTONS = [(AgentState.ready.value, "示闲"), (AgentState.break_.value, "小休"),
                 (AgentState.logged_out.value, "签出")]


def _seat_user(principal: Principal) -> bool:
    return principal.can(Cap.intake) and principal.can(Cap.view_calls) and not principal.is_service


def _panel_context(db: Session, principal: Principal, *, error: str | None = None) -> dict[str, Any]:
    status = screenpop.console_status(db, principal)
    pop = None
    if status is not None and status.call_ref is not None:
        call = repository.call_by_ref(db, status.call_ref)
        assert call is not None
        pop = screenpop.screen_pop(db, principal, call)
    buttons = [(value, label, status is not None and (value == AgentState.logged_out.value
                                                      or console_move_allowed(status.state, value)))
               for value, label in STATE_BUTTONS]
    return {"status": status, "version": status.version if status else screenpop.NO_SEAT, "pop": pop,
            "error": error, "buttons": buttons, "principal": principal, "STATUS_NAMES": STATUS_NAMES,
            "may_intake": screenpop.is_centre_seat_user(principal),
            "order_text": lambda o: workorder.order_text(principal, o)[0]}


def _fragment(name: str, **context: Any) -> Markup:
    """A template rendered to HTML for another page to embed (the environment autoescapes)."""
    return Markup(env.get_template(name).render(**context))  # noqa: S704 (autoescaped template output)


def _panel_html(db: Session, principal: Principal, *, error: str | None = None) -> Markup:
    return _fragment("telephony/_seat_panel.html", **_panel_context(db, principal, error=error))


# --- the console's parts ---------------------------------------------------------------------

def _console_panel(request: Request, db: Session, principal: Principal) -> Markup | None:
    if not _seat_user(principal):
        return None
    return _fragment("telephony/_console_panel.html", panel=_panel_html(db, principal))


def _console_form(request: Request, db: Session, principal: Principal, values: dict[str, Any]) -> Markup | None:
    if not _seat_user(principal):
        return None
    return _fragment("telephony/_call_field.html", call_ref=values.get("call_ref") or "")


def _console_prefill(request: Request, db: Session, principal: Principal, values: dict[str, Any]) -> None:
    """``/console?call=<ref>``: the form of an order registered from that call."""
    ref = (request.query_params.get("call") or "").strip()
    if not ref or not _seat_user(principal):
        return
    call = screenpop.call_for_intake(db, principal, ref)
    caller, masked = screenpop.caller_shown(db, principal, call, purpose="intake_prefill")
    values.update(call_ref=call.ref, channel="phone")
    if caller and not masked:
        values["phone"] = caller


def _prepare(db: Session, principal: Principal, form: dict[str, Any], data: workorder.IntakeData
             ) -> workorder.IntakeData:
    ref = text(form, "call_ref")
    if not ref:
        return data
    return screenpop.prepare_intake(screenpop.call_for_intake(db, principal, ref), data)


def _registered(db: Session, principal: Principal, form: dict[str, Any], order: WorkOrder) -> None:
    ref = text(form, "call_ref")
    if ref:
        screenpop.link_order(db, principal, screenpop.call_for_intake(db, principal, ref), order)


def _order_section(request: Request, db: Session, principal: Principal, order: WorkOrder) -> Markup | None:
    if not principal.can(Cap.view_calls):
        return None
    calls = records.calls_of_order(db, principal, order)
    if not calls:
        return None
    return _fragment("telephony/_order_calls.html", calls=calls)


extensions.CONSOLE.append(extensions.ConsoleExtension(
    panel=_console_panel, form=_console_form, prefill=_console_prefill, prepare=_prepare, registered=_registered))
extensions.ORDER_SECTIONS.append(_order_section)


# --- the seat panel ------------------------------------------------------------------------------

@router.get("/cti/console/panel", response_class=HTMLResponse)
def console_panel(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The seat panel if it changed since ``v`` (the version the page shows), else 204."""
    screenpop.require_seat_user(db, principal)
    status = screenpop.console_status(db, principal)
    version = status.version if status else screenpop.NO_SEAT
    if request.query_params.get("v") == version:
        return Response(status_code=204)
    return HTMLResponse(_panel_html(db, principal))


def _after(request: Request, db: Session, principal: Principal, exc: HotlineError | None = None) -> Response:
    """htmx: the panel in place (an error shown inside it); a plain form: back to the console."""
    if request.headers.get("HX-Request") == "true":
        return HTMLResponse(_panel_html(db, principal, error=exc.message if exc else None))
    if exc is not None:
        return render(request, "telephony/seat_error.html", principal, status_code=exc.status_code, title="坐席",
                      message=exc.message)
    return RedirectResponse("/console" if screenpop.is_centre_seat_user(principal) else "/cti/expert",
                            status_code=303)


@router.get("/cti/expert", response_class=HTMLResponse)
def expert_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The expert seat (专家坐席) of a department's specialist: the seat panel and the pop of the
    calls the centre transfers to it; the unit's seats listed (none: a note saying so)."""
    if not principal.can(Cap.handle) or principal.is_service:
        raise Forbidden("专家坐席由承办单位的人员使用")
    codes = repository.expert_seat_codes(db, principal.unit_id)
    return render(request, "telephony/expert.html", principal, title="专家坐席", codes=codes,
                  panel=_panel_html(db, principal) if codes else None)


@router.post("/cti/seat/login", response_class=HTMLResponse)
def seat_login(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    screenpop.require_seat_user(db, principal)
    try:
        seats.log_in(db, principal, seat_code=text(form, "seat") or "")
        db.flush()
    except HotlineError as exc:
        db.rollback()
        return _after(request, db, principal, exc)
    return _after(request, db, principal)


@router.post("/cti/seat/state", response_class=HTMLResponse)
def seat_state(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    screenpop.require_seat_user(db, principal)
    state = text(form, "state") or ""
    try:
        if state not in {v for v, _ in STATE_BUTTONS}:
            raise InvalidInput("state", "只能选择示闲、小休或签出")
        seats.choose_state(db, principal, state=state)
        db.flush()
    except HotlineError as exc:
        db.rollback()
        return _after(request, db, principal, exc)
    return _after(request, db, principal)


# --- call records --------------------------------------------------------------------------------

def _day(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(name, "日期格式：年-月-日，如 2026-12-05") from None


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CST)


@router.get("/cti/calls", response_class=HTMLResponse)
def calls_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_calls)
    q = request.query_params
    values = {k: (q.get(k) or "").strip()[:50] for k in ("from", "to", "queue", "seat", "state")}
    errors: dict[str, str] = {}
    rows: list[records.CallRow] = []
    total = 0
    page = max(1, min(int(q.get("page") or 1) if (q.get("page") or "1").isdigit() else 1, 10_000))
    try:
        first, last = _day(values["from"], "from"), _day(values["to"], "to")
        f = repository.CallFilter(offered_from=_start(first) if first else None,
                                  offered_to=_start(last + dt.timedelta(days=1)) if last else None,
                                  queue=values["queue"] or None, seat=values["seat"] or None,
                                  state=values["state"] if values["state"] in records.STATE_NAMES else None)
        rows, total = records.list_calls(db, principal, f, limit=PAGE, offset=(page - 1) * PAGE)
    except InvalidInput as exc:
        errors[exc.field] = exc.reason
    return render(request, "telephony/calls.html", principal, title="来电记录", rows=rows, total=total,
                  values=values, errors=errors, page=page, pages=max(1, -(-total // PAGE)),
                  STATE_NAMES=records.STATE_NAMES)


@router.get("/cti/calls/{ref}", response_class=HTMLResponse)
def call_page(request: Request, ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_calls)
    detail = records.call_detail(db, principal, access.access_call(db, principal, ref))
    return render(request, "telephony/call.html", principal, title="来电详情", d=detail, c=detail.row)
