"""The administrator's telephony page (坐席与队列, ``/cti/admin``): the seats of the region
(add, change kind/operator, deactivate), the queues the PBXs named (map to a skill group,
label) and the CTI keys (issue — shown once —, revoke). Administrators with
``manage_telephony``; the use cases are :mod:`hotline.telephony.admin`."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth.access import require
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.telephony import admin
from hotline.telephony.models import AGENT_STATE_NAMES, QUEUE_KIND_NAMES, AgentState, QueueKind
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.web.forms import Form, flag, refused, text
from hotline.web.templating import render

router = routing.router()
KIND_OPTIONS = [(k.value, f"{QUEUE_KIND_NAMES[k]}（{k.value}）") for k in QueueKind]
STATE_NAMES = {s.value: name for s, name in AGENT_STATE_NAMES.items()}
KIND_NAMES = {k.value: name for k, name in QUEUE_KIND_NAMES.items()}


def _page(request: Request, principal: Principal, db: Db, *, status: int = 200,
          errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
          new_key: str | None = None, values: dict[str, Any] | None = None) -> Response:
    require(principal, Cap.manage_telephony)
    return render(request, "telephony/cti_admin.html", principal, status_code=status, title="坐席与队列",
                  seats=admin.list_seats(db, principal), queues=admin.list_queues(db, principal),
                  keys=admin.list_keys(db, principal), kinds=KIND_OPTIONS, kind_names=KIND_NAMES,
                  state_names=STATE_NAMES, logged_out=AgentState.logged_out.value, errors=errors or {},
                  flash=flash, flash_kind=flash_kind, new_key=new_key, values=values or {},
                  base=str(request.base_url).rstrip("/"))


def _back(message: str) -> RedirectResponse:
    return RedirectResponse(f"/cti/admin?ok={quote(message)}", status_code=303)


@router.get("/cti/admin", response_class=HTMLResponse)
def admin_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/cti/admin/seats", response_class=HTMLResponse)
def add_seat(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    require(principal, Cap.manage_telephony)
    try:
        seat = admin.add_seat(db, principal, code=text(form, "code") or "", kind=text(form, "kind") or "general",
                              region_code=text(form, "region"), unit_code=text(form, "unit"),
                              operator=text(form, "operator"))
    except HotlineError as exc:
        return refused(db, exc, partial(_page, request, principal, db),
                       values={k: text(form, k) for k in ("code", "kind", "region", "unit", "operator")})
    return _back(f"已添加坐席 {seat.code}")


@router.post("/cti/admin/seats/{ref}", response_class=HTMLResponse)
def update_seat(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str) -> Response:
    """One seat's row: kind and operator; or the deactivate/activate button (``active``)."""
    seat = admin.get_seat(db, principal, ref)
    try:
        if "active" in form:
            admin.update_seat(db, principal, seat, active=flag(form, "active"))
            return _back(f"已{'启用' if seat.active else '停用'}坐席 {seat.code}")
        admin.update_seat(db, principal, seat, kind=text(form, "kind"), operator=text(form, "operator"))
    except HotlineError as exc:
        return refused(db, exc, partial(_page, request, principal, db))
    return _back(f"已保存坐席 {seat.code}")


@router.post("/cti/admin/queues", response_class=HTMLResponse)
def set_queue(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """A queue's row (or the new-queue form): map the named queue to a skill group, label it."""
    require(principal, Cap.manage_telephony)
    try:
        queue = admin.put_queue(db, principal, name=text(form, "name") or "", kind=text(form, "kind"),
                                label=text(form, "label") or "", region_code=text(form, "region"))
    except HotlineError as exc:
        return refused(db, exc, partial(_page, request, principal, db),
                       values={f"queue_{k}": text(form, k) for k in ("name", "kind", "label", "region")})
    return _back(f"已保存队列 {queue.name}")


@router.post("/cti/admin/keys", response_class=HTMLResponse)
def create_key(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    require(principal, Cap.manage_telephony)
    try:
        plaintext, row = admin.issue_key(db, principal, name=text(form, "key_name") or "",
                                         unit_code=text(form, "key_unit"))
    except HotlineError as exc:
        if isinstance(exc, InvalidInput) and exc.field in ("name", "unit"):  # the key form's own field names
            exc = InvalidInput(f"key_{exc.field}", exc.reason)
        return refused(db, exc, partial(_page, request, principal, db),
                       values={k: text(form, k) for k in ("key_name", "key_unit")})
    return _page(request, principal, db, status=201, new_key=plaintext,
                 flash=f"已签发呼叫中心接口密钥“{row.name}”（账号 {row.account}）：请立即复制保存，密钥只显示这一次")


@router.post("/cti/admin/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(request: Request, principal: CurrentPrincipal, db: Db, key_id: IdPath) -> Response:
    row = admin.revoke_key(db, principal, key_id)
    return _back(f"已吊销接口密钥 {row.name}")
