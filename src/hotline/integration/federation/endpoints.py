"""JSON API of federation.

* ``POST /federation/inbox`` and ``POST /federation/ping``: what peers call, signed with the
  pair's key (no account; a bad, unknown, replayed or stale signature is 401 and audited).
* Peers and the message log: the platform administrator.
* The one-key transfer (and sending back a received order): centre staff with ``dispatch``,
  on an order they may see."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hotline.auth import access
from hotline.integration.federation import lifecycle, service
from hotline.integration.federation.models import TRANSFER_STATE_NAMES, Message, Peer, TransferState
from hotline.integration.federation.schemas import (
    MessageOut,
    NewPeerOut,
    PeerIn,
    PeerOut,
    PeerPatch,
    SendBackIn,
    TargetOut,
    TransferIn,
    TransferOut,
)
from hotline.integration.federation.service import PeerData
from hotline.kit.db import SessionFactory, transaction
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["federation"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed for the caller's role"},
    404: {"description": "No such peer, message or order (in the caller's scope)"},
    409: {"description": "Stale version or illegal state change"},
    422: {"description": "Invalid field (named)"},
}
PEER_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Bad, unknown, replayed or stale signature (audited)"},
    404: {"description": "No such transfer"},
    422: {"description": "Malformed message (field named)"},
}
MAX_BODY = 256 * 1024


# --- what peers call ----------------------------------------------------------------------------


def _signed(factory: SessionFactory, path: str, headers: dict[str, str], body: bytes, client: str | None,
            ping: bool) -> tuple[int, dict[str, Any]]:
    # the nonce is committed on its own first: a request refused later is still a replay if sent again
    try:
        with transaction(factory) as session:
            peer = service.authenticate(session, method="POST", path=path, headers=headers, body=body, client=client)
            peer_id, name = peer.id, peer.name
    except service.Refused as refused:
        with transaction(factory) as session:
            service.record_refusal(session, refused)
        return 401, {"error": refused.code, "message": "签名无效、密钥未知、请求重放或时间戳过期"}
    if ping:
        return 200, {"ok": True, "peer": name, "protocol": lifecycle.PROTOCOL_VERSION}
    try:
        with transaction(factory) as session:
            found = session.get(Peer, peer_id)
            assert found is not None
            return 200, service.receive(session, found, body)
    except HotlineError as error:
        return error.status_code, error.to_dict()


async def _peer_call(request: Request, path: str, *, ping: bool) -> JSONResponse:
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "invalid", "field": "body", "reason": "消息过大"}, status_code=413)
    client = request.client.host if request.client else None
    status, answer = await run_in_threadpool(_signed, request.app.state.session_factory, path,
                                             {k.lower(): v for k, v in request.headers.items()}, body, client, ping)
    return JSONResponse(answer, status_code=status)


@router.post(lifecycle.INBOX_PATH.removeprefix("/api/v1"), responses=PEER_ERRORS)
async def inbox(request: Request) -> JSONResponse:
    """A peer's message (``transfer``, ``progress``, ``refused``, ``closed``), signed: applied
    once per message id; the answer to a transfer says whether it was accepted (with this
    side's order number and deadline) or refused (with the reason)."""
    return await _peer_call(request, lifecycle.INBOX_PATH, ping=False)


@router.post(lifecycle.PING_PATH.removeprefix("/api/v1"), responses=PEER_ERRORS)
async def ping(request: Request) -> JSONResponse:
    """A peer checks the pair's key and this address (``hotline federation peer check``)."""
    return await _peer_call(request, lifecycle.PING_PATH, ping=True)


# --- peers (the platform administrator) ---------------------------------------------------------


def peer_out(p: Peer, counts: dict[tuple[int, str], int]) -> dict[str, Any]:
    return {"ref": p.ref, "name": p.name, "display_name": p.display_name, "url": p.url, "key_id": p.key_id,
            "side": p.side, "state": p.state, "contact_policy": p.contact_policy, "category_codes": p.category_codes,
            "pending": counts.get((p.id, "pending"), 0), "delivered": counts.get((p.id, "delivered"), 0),
            "failed": counts.get((p.id, "failed"), 0), "last_success_at": p.last_success_at,
            "last_error": p.last_error, "version": p.version}


@router.get("/federation/peers", response_model=list[PeerOut], responses=ERRORS)
def list_peers(principal: CurrentPrincipal, db: Db) -> list[dict[str, Any]]:
    peers = service.list_peers(db, principal)
    counts = service.message_counts(db)
    return [peer_out(p, counts) for p in peers]


@router.post("/federation/peers", response_model=NewPeerOut, status_code=201, responses=ERRORS)
def add_peer(body: PeerIn, principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    """Add a peer. Without ``key_id``/``secret`` the pair's key is made here and its secret
    returned once (give both to the peer); with them, this side completes the pair."""
    peer, secret = service.add_peer(db, principal, PeerData(
        name=body.name, url=body.url, display_name=body.display_name, key_id=body.key_id, secret=body.secret,
        contact_policy=body.contact_policy, category_codes=body.category_codes))
    return {**peer_out(peer, {}), "secret": secret}


@router.get("/federation/peers/{ref}", response_model=PeerOut, responses=ERRORS)
def get_peer(ref: str, principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    return peer_out(service.access_peer(db, principal, ref[:40]), service.message_counts(db))


@router.patch("/federation/peers/{ref}", response_model=PeerOut, responses=ERRORS)
def change_peer(ref: str, body: PeerPatch, principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    """Change the open categories, the contact policy, the address, or disable/enable."""
    peer = service.access_peer(db, principal, ref[:40])
    service.update_peer(db, principal, peer, version=body.version, display_name=body.display_name, url=body.url,
                        contact_policy=body.contact_policy, category_codes=body.category_codes, state=body.state)
    return peer_out(peer, service.message_counts(db))


@router.delete("/federation/peers/{ref}", status_code=204, responses=ERRORS)
def remove_peer(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    service.remove_peer(db, principal, service.access_peer(db, principal, ref[:40]))
    return Response(status_code=204)


def message_out(m: Message) -> dict[str, Any]:
    return {"ref": m.ref, "kind": m.kind, "status": m.status, "attempts": m.attempts,
            "next_attempt_at": m.next_attempt_at, "last_status_code": m.last_status_code,
            "last_error": m.last_error, "created_at": m.created_at, "delivered_at": m.delivered_at}


@router.get("/federation/messages", response_model=list[MessageOut], responses=ERRORS)
def list_messages(principal: CurrentPrincipal, db: Db,
                  status: Annotated[str | None, Query(max_length=16)] = None) -> list[dict[str, Any]]:
    """The outbox to peers, newest first (pending, delivered, failed)."""
    access.require_province_admin(principal)
    if status is not None and status not in ("pending", "delivered", "failed"):
        raise InvalidInput("status", "状态应为 pending、delivered 或 failed")
    from hotline.integration.federation import repository

    return [message_out(m) for m in repository.messages(db, status=status)]


@router.post("/federation/messages/{ref}/retry", response_model=MessageOut, responses=ERRORS)
def retry_message(ref: str, principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    return message_out(service.retry_message(db, principal, ref))


# --- transfers (centre staff with dispatch) -----------------------------------------------------


@router.get("/federation/targets", response_model=list[TargetOut], responses=ERRORS)
def targets(principal: CurrentPrincipal, db: Db) -> list[dict[str, Any]]:
    """The peers an order may be sent to (dispatchers)."""
    return [{"ref": p.ref, "name": p.name, "display_name": p.display_name, "category_codes": p.category_codes}
            for p in service.transfer_targets(db, principal)]


def transfers_out(db: Session, principal: Any, order: Any) -> list[dict[str, Any]]:
    return [{"ref": f.transfer.ref, "direction": f.transfer.direction, "peer": f.peer.name,
             "peer_name": f.peer.display_name, "state": f.transfer.state,
             "state_name": TRANSFER_STATE_NAMES[TransferState(f.transfer.state)],
             "remote_number": f.transfer.remote_number, "remote_status": f.transfer.remote_status,
             "remote_status_name": f.transfer.remote_status_name, "remote_due_at": f.transfer.remote_due_at,
             "reason": f.transfer.reason, "refusal": f.transfer.refusal, "created_at": f.transfer.created_at,
             "messages": [message_out(m) for m in f.messages]}
            for f in service.order_transfers(db, principal, order)]


@router.post("/orders/{number}/federation/transfer", response_model=TransferOut, status_code=201,
             responses=ERRORS)
def transfer(number: str, body: TransferIn, principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    """转至他市: send the order to a peer platform (it waits transferred out, with the peer's
    deadline once the peer has it)."""
    order = access.access_work_order(db, principal, number[:20])
    made = service.send_order(db, principal, order, peer_ref=body.peer, reason=body.reason, version=body.version)
    return next(t for t in transfers_out(db, principal, order) if t["ref"] == made.ref)


@router.get("/orders/{number}/federation", response_model=list[TransferOut], responses=ERRORS)
def order_transfers(number: str, principal: CurrentPrincipal, db: Db) -> list[dict[str, Any]]:
    order = access.access_work_order(db, principal, number[:20])
    return transfers_out(db, principal, order)


@router.post("/orders/{number}/federation/send-back", status_code=200, responses=ERRORS)
def send_back(number: str, body: SendBackIn, principal: CurrentPrincipal, db: Db) -> dict[str, Any]:
    """The receiving side sends an order that came from a peer back to it (not this city's)."""
    order = access.access_work_order(db, principal, number[:20])
    service.send_back(db, principal, order, reason=body.reason, version=body.version)
    return {"number": order.number, "status": order.status.value}
