"""Pages of the citizen register: look up by phone, register, view and edit."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.roles import Cap
from hotline.citizen import flags, service
from hotline.citizen.models import Citizen
from hotline.kit.errors import HotlineError, InvalidInput, NotFound
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, error_map, integer, text
from hotline.web.templating import render

router = routing.router()
FIELDS = ("phone", "name", "id_number", "address", "note")


@router.get("/citizens", response_class=HTMLResponse)
def citizens_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_citizens)
    phone = (request.query_params.get("phone") or "").strip()[:30]
    results: list[service.CitizenView] = []
    errors: dict[str, str] = {}
    searched = False
    if phone:
        searched = True
        try:
            results = service.view(db, principal, service.find_by_phone(db, principal, phone), purpose="phone_lookup")
        except InvalidInput as exc:  # a malformed number; a refused read (429) is the page's answer
            db.rollback()
            errors, _ = error_map(exc)
    return render(request, "citizen/citizens.html", principal, title="诉求人档案", phone=phone, results=results,
                  errors=errors, searched=searched, values={"phone": phone}, form_errors={})


@router.post("/citizens", response_class=HTMLResponse)
def register_citizen(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        citizen = service.register(db, principal, **{f: text(form, f) for f in FIELDS})  # type: ignore[arg-type]
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        return render(request, "citizen/citizens.html", principal, status_code=exc.status_code,
                      title="诉求人档案", phone="", results=[], errors={}, searched=False, values=form,
                      form_errors=errors, flash=banner, flash_kind="err")
    return RedirectResponse(f"/citizens/{citizen.ref}?created=1", status_code=303)


@router.get("/citizens/{ref}", response_class=HTMLResponse)
def citizen_page(request: Request, ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    citizen = access.access_citizen(db, principal, ref)
    shown = service.view(db, principal, [citizen], purpose="profile")[0]
    return render(request, "citizen/citizen.html", principal, title="诉求人", c=shown, errors={},
                  flash=request.query_params.get("ok") or ("已登记" if request.query_params.get("created") else None),
                  **_flag_context(db, principal, citizen.id))


def _flag_context(db: Db, principal: CurrentPrincipal, citizen_id: int) -> dict[str, Any]:
    return {"caller_flags": [(f, flags.status_of(f)) for f in flags.flags_of(db, [citizen_id])],
            "FLAG_STATUS": flags.STATUS_NAMES, "reviewer": principal.role == Role.centre_supervisor}


@router.post("/citizens/{ref}/flags", response_class=HTMLResponse)
def propose_flag(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    citizen = access.access_citizen(db, principal, ref, write=True)
    try:
        flags.propose(db, principal, citizen, reason=text(form, "reason"), days=integer(form, "days", maximum=365))
    except HotlineError as exc:
        db.rollback()
        return RedirectResponse(f"/citizens/{ref}?" + urlencode({"ok": "未提交：" + exc.message}), status_code=303)
    return RedirectResponse(f"/citizens/{ref}?" + urlencode({"ok": "已提交标记，等待督办员审核"}), status_code=303)


@router.post("/caller-flags/{flag_ref}/{step}", response_class=HTMLResponse)
def flag_step(request: Request, flag_ref: str, step: str, principal: CurrentPrincipal, db: Db,
              form: Form) -> Response:
    flag = flags.access_flag(db, principal, flag_ref)
    citizen = db.get(Citizen, flag.citizen_id)
    back = request.query_params.get("back") == "list"
    try:
        if step == "approve":
            flags.review(db, principal, flag, approve=True, note=text(form, "note"))
        elif step == "reject":
            flags.review(db, principal, flag, approve=False, note=text(form, "note"))
        elif step == "lift":
            flags.lift(db, principal, flag, note=text(form, "note"))
        else:
            raise NotFound("没有这种操作")
        message = "已处理"
    except HotlineError as exc:
        db.rollback()
        message = "未处理：" + exc.message
    target = "/caller-flags" if back or citizen is None else f"/citizens/{citizen.ref}"
    return RedirectResponse(target + "?" + urlencode({"ok": message}), status_code=303)


@router.get("/caller-flags", response_class=HTMLResponse)
def flags_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    flags.require_reviewer(principal)
    return render(request, "citizen/caller_flags.html", principal, title="来电标记审核",
                  rows=flags.pending(db, principal), flash=request.query_params.get("ok"))


@router.post("/citizens/{ref}", response_class=HTMLResponse)
def update_citizen(request: Request, ref: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    citizen = access.access_citizen(db, principal, ref, write=True)
    try:
        service.update(db, principal, citizen, version=integer(form, "version"),
                       **{f: (text(form, f) or "") for f in FIELDS if f in form})
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        citizen = access.access_citizen(db, principal, ref)
        shown = service.view(db, principal, [citizen], purpose="profile")[0]
        return render(request, "citizen/citizen.html", principal, status_code=exc.status_code, title="诉求人",
                      c=shown, errors=errors, flash=banner, flash_kind="err",
                      **_flag_context(db, principal, citizen.id))
    shown = service.view(db, principal, [citizen], purpose="updated")[0]
    return render(request, "citizen/citizen.html", principal, title="诉求人", c=shown, errors={}, flash="已保存",
                  **_flag_context(db, principal, citizen.id))
