"""Pages of federation (跨市互派).

* ``/admin/federation`` (the platform administrator): peers — add one (the key exchange: the
  secret shown once), the categories open for mutual dispatch, the contact policy, disable,
  enable, remove —, the outbox of messages to peers (pending and failed, retry by hand) and
  the latest transfers both ways.
* On the order page (a section registered with ``workorder.views.extensions``): the order's
  transfers (the peer, its number and deadline, pending/failed messages), the 转至他市 form
  for centre staff who dispatch, and 退回来源城市 for an order that came from a peer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.integration.federation import repository, service
from hotline.integration.federation.models import (
    CONTACT_NAMES,
    MESSAGE_STATUS_NAMES,
    STATE_NAMES,
    TRANSFER_STATE_NAMES,
    ContactPolicy,
    Direction,
    MessageStatus,
    PeerState,
    TransferState,
)
from hotline.kit.errors import HotlineError
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, integer, refused, text
from hotline.web.templating import env, render
from hotline.workorder.lifecycle import Action, allowed_actions
from hotline.workorder.models import WorkOrder
from hotline.workorder.views import extensions

router = routing.router()
KIND_NAMES = {"transfer": "转办", "progress": "办理进展", "refused": "退回", "closed": "办结"}


def _codes(value: str | None) -> list[str]:
    return [c for c in (value or "").replace("，", ",").replace(" ", ",").split(",") if c]


def _page(request: Request, principal: Principal, db: Session, *, status: int = 200,
          errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
          new_secret: tuple[str, str] | None = None, values: dict[str, Any] | None = None) -> Response:
    peers = service.list_peers(db, principal)
    names = {p.id: p.display_name for p in peers}
    return render(request, "federation/federation.html", principal, status_code=status, title="跨市互派",
                  peers=peers, counts=service.message_counts(db), names=names,
                  messages=repository.messages(db, status=None, limit=100),
                  transfers=repository.recent_transfers(db, 50), errors=errors or {}, flash=flash,
                  flash_kind=flash_kind, new_secret=new_secret, values=values or {},
                  state_names=STATE_NAMES, contact_names=CONTACT_NAMES, transfer_names=TRANSFER_STATE_NAMES,
                  message_names=MESSAGE_STATUS_NAMES, kind_names=KIND_NAMES, contact_options=list(ContactPolicy))


def _back(message: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/federation?ok={quote(message)}", status_code=303)


@router.get("/admin/federation", response_class=HTMLResponse)
def federation_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _page(request, principal, db, flash=request.query_params.get("ok"))


@router.post("/admin/federation/peers", response_class=HTMLResponse)
def add_peer(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        peer, secret = service.add_peer(db, principal, service.PeerData(
            name=text(form, "name") or "", url=text(form, "url") or "", display_name=text(form, "display_name"),
            key_id=text(form, "key_id"), secret=text(form, "secret"),
            contact_policy=text(form, "contact_policy") or ContactPolicy.masked.value,
            category_codes=_codes(text(form, "category_codes"))))
    except HotlineError as exc:
        return refused(db, exc, lambda **kw: _page(request, principal, db, **kw), values=form)
    if secret is None:
        return _page(request, principal, db, status=201, flash=f"已与 {peer.display_name} 完成配对")
    return _page(request, principal, db, status=201, new_secret=(peer.key_id, secret),
                 flash=f"已添加 {peer.display_name}：请把密钥编号和密钥交给对方管理员，密钥只显示这一次")


@router.post("/admin/federation/peers/{ref}", response_class=HTMLResponse)
def change_peer(ref: str, request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        peer = service.access_peer(db, principal, ref[:40])
        state = text(form, "state")
        service.update_peer(db, principal, peer, version=integer(form, "version"),
                            display_name=text(form, "display_name"), url=text(form, "url"),
                            contact_policy=text(form, "contact_policy"),
                            category_codes=_codes(text(form, "category_codes")) if "category_codes" in form else None,
                            state=state if state in {s.value for s in PeerState} else None)
    except HotlineError as exc:
        return refused(db, exc, lambda **kw: _page(request, principal, db, **kw))
    return _back(f"已修改 {peer.display_name}")


@router.post("/admin/federation/peers/{ref}/delete", response_class=HTMLResponse)
def remove_peer(ref: str, request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    try:
        peer = service.access_peer(db, principal, ref[:40])
        name = peer.display_name
        service.remove_peer(db, principal, peer)
    except HotlineError as exc:
        return refused(db, exc, lambda **kw: _page(request, principal, db, **kw))
    return _back(f"已删除 {name}")


@router.post("/admin/federation/messages/{ref}/retry", response_class=HTMLResponse)
def retry_message(ref: str, request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    try:
        service.retry_message(db, principal, ref)
    except HotlineError as exc:
        return refused(db, exc, lambda **kw: _page(request, principal, db, **kw))
    return _back("已重新排队投递")


# --- the order page -----------------------------------------------------------------------------


def _order_section(request: Request, db: Session, principal: Principal, order: WorkOrder) -> Markup | None:
    if principal.role not in access.CENTRE_ROLES:
        return None
    transfers = service.order_transfers(db, principal, order)
    dispatcher = principal.can(Cap.dispatch)
    peers = service.transfer_targets(db, principal) if dispatcher else []
    can_transfer = bool(peers) and Action.transfer_out in allowed_actions(order.status)
    inbound = [f for f in transfers if f.transfer.direction == Direction.inbound]
    can_send_back = dispatcher and bool(inbound) and Action.send_back in allowed_actions(order.status)
    if not transfers and not can_transfer:
        return None
    html = env.get_template("federation/_order.html").render(
        order=order, principal=principal, transfers=transfers, peers=peers, can_transfer=can_transfer,
        can_send_back=can_send_back, error=request.query_params.get("fed_error"),
        transfer_names=TRANSFER_STATE_NAMES, message_names=MESSAGE_STATUS_NAMES, kind_names=KIND_NAMES,
        pending=MessageStatus.pending.value, failed=MessageStatus.failed.value, refused=TransferState.refused.value)
    return Markup(html)  # noqa: S704 (autoescaped template output)


extensions.ORDER_SECTIONS.append(_order_section)


def _to_order(number: str, *, error: str | None = None) -> RedirectResponse:
    suffix = f"?fed_error={quote(error)}#federation" if error else "#federation"
    return RedirectResponse(f"/orders/{quote(number)}{suffix}", status_code=303)


@router.post("/orders/{number}/federation/transfer", response_class=HTMLResponse)
def transfer_order(number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """转至他市 from the order page."""
    order = access.access_work_order(db, principal, number[:20])
    number = order.number
    try:
        service.send_order(db, principal, order, peer_ref=text(form, "peer") or "", reason=text(form, "reason"),
                           version=integer(form, "version"))
    except HotlineError as exc:
        db.rollback()
        return _to_order(number, error=str(getattr(exc, "reason", None) or exc.message))
    return _to_order(number)


@router.post("/orders/{number}/federation/send-back", response_class=HTMLResponse)
def send_back(number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """退回来源城市 from the order page (an order that came from a peer)."""
    order = access.access_work_order(db, principal, number[:20])
    number = order.number
    try:
        service.send_back(db, principal, order, reason=text(form, "reason"), version=integer(form, "version"))
    except HotlineError as exc:
        db.rollback()
        return _to_order(number, error=str(getattr(exc, "reason", None) or exc.message))
    return _to_order(number)
