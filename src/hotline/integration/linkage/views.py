"""Pages of linkage (联动): the 联动 section of the order page (its records, the transfer form
and the outcome forms, through ``workorder.views.extensions``), the part of the intake console
that transfers at intake, the register of lines with the utility keys (``/linkage``) and the
statistics (``/linkage/stats``). The use cases are :mod:`hotline.integration.linkage.service`,
as behind the API."""

from __future__ import annotations

import datetime as dt
import json
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
from hotline.auth.roles import Cap, in_region
from hotline.integration.linkage import repository, service
from hotline.integration.linkage.lifecycle import (
    CALL_MODE_NAMES,
    EMERGENCY_NAMES,
    KIND_NAMES,
    OUTCOME_NAMES,
    OUTCOME_TRANSITIONS,
    SCOPE_NAMES,
    UTILITY_SERVICES,
    CallMode,
    Outcome,
    Scope,
)
from hotline.integration.linkage.models import LinkageLine, LinkageRecord
from hotline.kit import clock
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput
from hotline.org.models import UTILITY_TYPE_NAMES, UtilityType
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, error_map, flag, integer, refused, text
from hotline.web.templating import env, render
from hotline.workorder.lifecycle import MAIN_STATUSES, Action, allowed_actions
from hotline.workorder.models import WorkOrder
from hotline.workorder.service import IntakeData
from hotline.workorder.views import extensions

router = routing.router()
SERVICE_NAMES: dict[str, str] = {**{e.value: n for e, n in EMERGENCY_NAMES.items()},
                                 **{u: UTILITY_TYPE_NAMES[UtilityType(u)] for u in UTILITY_SERVICES}}
NAMES = {"KIND_NAMES": {k.value: v for k, v in KIND_NAMES.items()},
         "SCOPE_NAMES": {k.value: v for k, v in SCOPE_NAMES.items()},
         "CALL_MODE_NAMES": {k.value: v for k, v in CALL_MODE_NAMES.items()},
         "OUTCOME_NAMES": {k.value: v for k, v in OUTCOME_NAMES.items()}, "SERVICE_NAMES": SERVICE_NAMES}


def _fragment(name: str, **context: Any) -> Markup:
    """A template rendered to HTML for another page to embed (the environment autoescapes)."""
    return Markup(env.get_template(name).render(**context))  # noqa: S704 (autoescaped template output)


def _line_label(x: LinkageLine) -> str:
    return x.name if x.number in x.name else f"{x.number} {x.name}"


def _may_transfer(principal: Principal) -> bool:
    return principal.role in access.CENTRE_ROLES and principal.can(Cap.intake) and not principal.is_service


# --- the order page ---------------------------------------------------------------------------------


def _next_outcomes(record: LinkageRecord) -> list[tuple[str, str]]:
    current = Outcome(record.outcome)
    return [(o.value, OUTCOME_NAMES[o]) for o in Outcome if (current, o) in OUTCOME_TRANSITIONS]


def _order_section(request: Request, db: Session, principal: Principal, order: WorkOrder) -> Markup | None:
    records = service.records_of(db, principal, order)
    may = _may_transfer(principal)
    can_full = Action.hand_over in allowed_actions(order.status)
    can_partial = order.status in MAIN_STATUSES
    lines = service.lines_for_order(db, order) if may and (can_full or can_partial) else []
    if not records and not lines:
        return None
    calls: list[Any] = []
    if lines:
        from hotline.telephony import records as call_records

        calls = call_records.calls_of_order(db, principal, order) if principal.can(Cap.view_calls) else []
    names = audit_repository.display_names(db, {r.operator_id for r in records if r.operator_id})
    failed = getattr(request.state, "linkage_failed", None) or {}
    return _fragment("linkage/_order_linkage.html", order=order, records=records, lines=lines,
                     may_update=may, can_full=can_full, can_partial=can_partial, calls=calls,
                     operator=lambda r: names.get(r.operator_id, "") if r.operator_id else "",
                     next_outcomes=_next_outcomes, line_label=_line_label, principal=principal,
                     failed=failed.get("form"), errors=failed.get("errors", {}), values=failed.get("values", {}),
                     **NAMES)


def _failed_on_order(request: Request, principal: Principal, db: Session, order: WorkOrder, exc: HotlineError,
                     failed: str, form: dict[str, Any]) -> Response:
    """The order page again with the refusal: the banner on top, the field errors in the
    联动 card (handed to the section through ``request.state``)."""
    from hotline.workorder.views.actions import _failure
    from hotline.workorder.views.order import _detail

    db.rollback()
    errors, banner, kind = _failure(exc)
    request.state.linkage_failed = {"form": failed, "errors": errors, "values": form}
    return _detail(request, principal, db, order, status=exc.status_code, flash=banner, flash_kind=kind,
                   failed=failed, errors={}, values={})


def _transfer_data(form: dict[str, Any]) -> service.Transfer:
    return service.Transfer(line_ref=text(form, "line") or "", scope=text(form, "scope") or Scope.full.value,
                            other_ref=text(form, "other_ref"), note=text(form, "note"),
                            call_ref=text(form, "call_ref"), call_mode=text(form, "call_mode") or CallMode.none.value)


@router.post("/linkage/orders/{number}/transfer", response_class=HTMLResponse)
def transfer_form(request: Request, number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    order = access.access_work_order(db, principal, number)
    try:
        version = integer(form, "version")
        service.transfer(db, principal, order, _transfer_data(form), version=version)
    except HotlineError as exc:
        return _failed_on_order(request, principal, db, order, exc, "linkage", form)
    return RedirectResponse(f"/orders/{order.number}?done=linkage#linkage", status_code=303)


@router.post("/linkage/records/{ref}/outcome", response_class=HTMLResponse)
def outcome_form(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    record, order = service.access_record(db, principal, ref)
    try:
        service.update_record(db, principal, record, order, outcome=text(form, "outcome"),
                              other_ref=form.get("other_ref") if isinstance(form.get("other_ref"), str) else None,
                              note=text(form, "note"), version=integer(form, "version"))
    except HotlineError as exc:
        return _failed_on_order(request, principal, db, order, exc, f"outcome-{record.ref}", form)
    return RedirectResponse(f"/orders/{order.number}?done=linkage_outcome#linkage", status_code=303)


# --- the intake console -------------------------------------------------------------------------------


def _console_lines(db: Session, principal: Principal) -> list[LinkageLine]:
    return [x for x in repository.lines(db, active_only=True) if service._serves(x, principal.region_code)]


def _console_form(request: Request, db: Session, principal: Principal, values: dict[str, Any]) -> Markup | None:
    if not _may_transfer(principal):
        return None
    lines = _console_lines(db, principal)
    if not lines:
        return None
    return _fragment("linkage/_console_linkage.html", lines=lines, values=values, line_label=_line_label, **NAMES)


def _console_panel(request: Request, db: Session, principal: Principal) -> Markup | None:
    return None


def _console_prefill(request: Request, db: Session, principal: Principal, values: dict[str, Any]) -> None:
    return None


def _prepare(db: Session, principal: Principal, form: dict[str, Any], data: IntakeData) -> IntakeData:
    """Check the transfer part of the console before anything is registered."""
    if text(form, "linkage_line"):
        if not _may_transfer(principal):
            raise Forbidden("只有热线中心受理人员可以办理联动转接")
        if (text(form, "linkage_scope") or Scope.full.value) not in {s.value for s in Scope}:
            raise InvalidInput("linkage_scope", "请选择整体移交或部分移交")
    return data


def _registered(db: Session, principal: Principal, form: dict[str, Any], order: WorkOrder) -> None:
    """Transfer at intake: the order just registered goes to the chosen line (once: a retried
    submit finds the order with its record already)."""
    ref = text(form, "linkage_line")
    if not ref or service.records_of(db, principal, order):
        return
    call_ref = text(form, "call_ref")
    mode = text(form, "linkage_call_mode") or CallMode.none.value
    service.transfer(db, principal, order, service.Transfer(
        line_ref=ref, scope=text(form, "linkage_scope") or Scope.full.value, other_ref=text(form, "linkage_other_ref"),
        note=text(form, "linkage_note"), call_ref=call_ref if mode != CallMode.none.value else None, call_mode=mode))


extensions.CONSOLE.append(extensions.ConsoleExtension(
    panel=_console_panel, form=_console_form, prefill=_console_prefill, prepare=_prepare, registered=_registered))
extensions.ORDER_SECTIONS.append(_order_section)


# --- the register of lines and the utility keys ------------------------------------------------------


def _register_page(request: Request, principal: Principal, db: Session, *, status: int = 200,
                   errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
                   values: dict[str, Any] | None = None, new_key: str | None = None) -> Response:
    lines = service.list_lines(db, principal)
    may_keys = principal.can(Cap.manage_users) and principal.can(Cap.manage_integrations)
    keys = service.list_keys(db, principal) if may_keys else []
    recent = (repository.recent_records(db, region_prefix=principal.region_prefix, limit=30)
              if service.may_see_stats(principal) else [])
    from hotline.org import repository as org_repository
    from hotline.org.models import UnitKind

    utilities: list[Any] = []
    if principal.can(Cap.manage_org):
        utilities, _ = org_repository.list_units(db, kind=UnitKind.utility, region_prefix=principal.region_prefix,
                                                 active=True, limit=1000)
    return render(request, "linkage/register.html", principal, status_code=status, title="联动线路",
                  lines=lines, keys=keys, may_keys=may_keys, may_edit=principal.can(Cap.manage_org),
                  writable=lambda x: principal.can(Cap.manage_org) and in_region(principal.region_code, x.region.code),
                  recent=recent, utilities=utilities, errors=errors or {}, flash=flash, flash_kind=flash_kind,
                  values=values or {}, new_key=new_key, services=SERVICE_NAMES, **NAMES)


@router.get("/linkage", response_class=HTMLResponse)
def register_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _register_page(request, principal, db, flash=request.query_params.get("ok"))


def _back(message: str) -> RedirectResponse:
    return RedirectResponse(f"/linkage?ok={quote(message)}", status_code=303)


@router.post("/linkage/lines", response_class=HTMLResponse)
def add_line(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    service_value = text(form, "service") or ""
    kind = "utility" if service_value in UTILITY_SERVICES else "emergency"
    try:
        line = service.create_line(db, principal, name=text(form, "name") or "", number=text(form, "number") or "",
                                   kind=kind, service=service_value, region_code=text(form, "region_code"),
                                   unit_code=text(form, "unit_code"))
    except HotlineError as exc:
        return refused(db, exc, partial(_register_page, request, principal, db), values=form)
    return _back(f"已登记联动线路“{line.name}”")


@router.post("/linkage/lines/{ref}/toggle", response_class=HTMLResponse)
def toggle_line(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    line = service.access_line(db, principal, ref, write=True)
    try:
        service.update_line(db, principal, line, active=not flag(form, "active"), version=integer(form, "version"))
    except HotlineError as exc:
        return refused(db, exc, partial(_register_page, request, principal, db))
    return _back(f"线路“{line.name}”已{'启用' if line.active else '停用'}")


@router.post("/linkage/keys", response_class=HTMLResponse)
def create_key(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        token, row = service.issue_key(db, principal, unit_code=text(form, "unit") or "", name=text(form, "key_name"))
    except HotlineError as exc:
        return refused(db, exc, partial(_register_page, request, principal, db), values=form)
    return _register_page(request, principal, db, status=201, new_key=token,
                          flash=f"已为{row.unit_name}签发接口密钥：请配置到对方业务系统，密钥只显示这一次")


@router.post("/linkage/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(principal: CurrentPrincipal, db: Db, key_id: IdPath) -> Response:
    row = service.revoke_key(db, principal, key_id)
    return _back(f"已吊销接口密钥“{row.name}”")


# --- statistics ------------------------------------------------------------------------------------------


def _local(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        raise InvalidInput(name, "时间格式：年-月-日 时:分（北京时间）") from None
    return at.replace(tzinfo=clock.CST) if at.tzinfo is None else at


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 120:
        return f"{value:.0f} 秒"
    return f"{value / 60:.1f} 分钟"


@router.get("/linkage/stats", response_class=HTMLResponse)
def stats_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    if not service.may_see_stats(principal):
        raise Forbidden("联动统计供热线中心人员查看")
    q = request.query_params
    params = {"from": q.get("from") or "", "to": q.get("to") or "", "region": q.get("region") or ""}
    errors: dict[str, str] = {}
    now = clock.now()
    try:
        end = _local(params["to"], "to") or now
        start = _local(params["from"], "from") or end - dt.timedelta(days=30)
        report = service.stats(db, principal, start=start, end=end, region_code=params["region"] or None)
        status = 200
    except InvalidInput as exc:
        errors, _ = error_map(exc)
        report = service.stats(db, principal, start=now - dt.timedelta(days=30), end=now)
        status = 422
    chart = {"names": [x.name if x.number in x.name else f"{x.number} {x.name}" for x in report.lines],
             "full": [x.full for x in report.lines],
             "partial": [x.partial for x in report.lines]}
    return render(request, "linkage/stats.html", principal, status_code=status, title="联动统计", report=report,
                  params=params, errors=errors, chart=json.dumps(chart, ensure_ascii=False).replace("</", "<\\/"),
                  seconds=_seconds, outcomes=[(o.value, OUTCOME_NAMES[o]) for o in Outcome], **NAMES)
