"""Federation's use cases: peers (added with a key exchange, changed, disabled, removed), the
one-key transfer of an order to a peer, the inbox that receives a peer's signed messages and
applies each once, and the answers that come back. Nothing here commits.

The protocol (messages, signature, idempotency, retries, refusal, states) is
docs/adr/0023-federation.md."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth import repository as auth_repository
from hotline.auth import service as auth_service
from hotline.auth.models import Role, User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.integration.federation import lifecycle, repository
from hotline.integration.federation.lifecycle import PROTOCOL_VERSION
from hotline.integration.federation.models import (
    ContactPolicy,
    Direction,
    InboxMessage,
    Message,
    MessageStatus,
    Nonce,
    Peer,
    PeerState,
    Transfer,
    TransferState,
    new_ref,
)
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, HotlineError, IllegalTransition, InvalidInput, NotFound, StaleVersion
from hotline.org import repository as org_repository
from hotline.org import service as org_service
from hotline.org.models import ChannelKind
from hotline.workorder import service as workorder
from hotline.workorder import sla
from hotline.workorder.lifecycle import STATUS_NAMES, Status
from hotline.workorder.models import WorkOrder
from hotline.workorder.service import crosscity

CHANNEL = ("federation", "跨市转办")
MAX_CATEGORIES = 100


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# --- peers ---------------------------------------------------------------------------------------


@dataclass
class PeerData:
    name: str
    url: str
    display_name: str | None = None
    key_id: str | None = None  # given: the peer made the pair's key (this side is "b")
    secret: str | None = None
    contact_policy: str = ContactPolicy.masked.value
    category_codes: list[str] | None = None


def _check_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise InvalidInput("url", "地址格式不正确") from None
    if len(url) > 500 or parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("url", "地址应为对方平台的 http(s):// 根地址")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInput("url", "地址中不能含用户名、密码或查询参数")
    return url


def _check_codes(session: Session, codes: list[str] | None) -> list[str]:
    codes = [c.strip() for c in (codes or []) if isinstance(c, str) and c.strip()]
    if len(codes) > MAX_CATEGORIES or not all(c.isdigit() and len(c) <= 16 for c in codes):
        raise InvalidInput("category_codes", "应为不超过 100 个诉求分类代码")
    for code in codes:
        category = org_repository.category_by_code(session, code)
        if category is None:
            raise InvalidInput("category_codes", f"诉求分类 {code} 不存在")
    return sorted(set(codes))


def _check_policy(value: str) -> str:
    if value not in {p.value for p in ContactPolicy}:
        raise InvalidInput("contact_policy", "应为 full（完整联系方式）或 masked（脱敏）")
    return value


def _account(session: Session, actor: Principal, name: str) -> int:
    """The integration account the peer's orders are registered as (made on first use)."""
    username = f"federation-{name}"
    user = auth_repository.user_by_username(session, username)
    if user is None:
        user = auth_service.create_user(session, actor, username=username, display_name=f"跨市转办：{name}",
                                        role=Role.integration, unit_id=actor.unit_id, password=None, is_service=True)
    elif not (user.is_service and user.role == Role.integration):
        raise InvalidInput("name", f"账号 {username} 已被占用，不是对接服务账号")
    return user.id


def add_peer(session: Session, actor: Principal, data: PeerData) -> tuple[Peer, str | None]:
    """Peer with another platform (platform administrator). Without a key the pair's key is
    made here and returned (shown once: give the key id and secret to the other side, which
    adds this platform with them); with the other side's key id and secret, this side
    completes the pair. Returns the peer and the new secret (None when one was given)."""
    access.require_province_admin(actor)
    name = (data.name or "").strip().lower()
    if not lifecycle.NAME.fullmatch(name):
        raise InvalidInput("name", "名称应为小写字母、数字、- 或 _，不超过 40 个字符")
    if repository.peer_by_name(session, name) is not None:
        raise Conflict(f"已有名为 {name} 的互派平台")
    url = _check_url(data.url)
    display = validate.text(data.display_name, "display_name", max_length=100, required=False) or name
    policy = _check_policy(data.contact_policy)
    codes = _check_codes(session, data.category_codes)
    secret_shown: str | None = None
    if data.key_id or data.secret:
        key_id, secret = (data.key_id or "").strip(), (data.secret or "").strip()
        if not lifecycle.KEY_ID.fullmatch(key_id):
            raise InvalidInput("key_id", "密钥编号格式不正确（fk_ 加 16 位十六进制）")
        if not secret.startswith("fks_") or not 20 <= len(secret) <= 200:
            raise InvalidInput("secret", "密钥格式不正确（fks_ 开头）")
        side = "b"
    else:
        key_id, secret = lifecycle.new_key()
        secret_shown, side = secret, "a"
    if repository.peer_by_key(session, key_id) is not None:
        raise Conflict("该密钥编号已被另一个互派平台使用")
    _ensure_channel(session, actor)
    now = clock.now()
    peer = Peer(name=name, display_name=display, url=url, key_id=key_id, secret=secret, side=side,
                state=PeerState.active.value, contact_policy=policy, category_codes=codes,
                account_id=_account(session, actor, name), cursor=repository.last_seq(session),
                created_by_id=actor.user_id, created_at=now, updated_at=now, version=1)
    session.add(peer)
    session.flush()
    audit.record(session, actor, "federation.peer_added", object_type="federation_peer", object_id=peer.id,
                 detail={"name": name, "url": url, "key_id": key_id, "side": side, "contact_policy": policy,
                         "categories": codes})
    return peer, secret_shown


def access_peer(session: Session, actor: Principal, ref_or_name: str) -> Peer:
    access.require_province_admin(actor)
    peer = repository.peer_by_ref(session, ref_or_name) or repository.peer_by_name(session, ref_or_name)
    if peer is None:
        raise NotFound("互派平台不存在")
    return peer


def list_peers(session: Session, actor: Principal) -> list[Peer]:
    access.require_province_admin(actor)
    return repository.peers(session)


def transfer_targets(session: Session, actor: Principal) -> list[Peer]:
    """The peers a dispatcher may send an order to (active ones)."""
    access.require(actor, Cap.dispatch)
    if actor.role not in access.CENTRE_ROLES:
        return []
    return [p for p in repository.peers(session) if p.state == PeerState.active]


def update_peer(session: Session, actor: Principal, peer: Peer, *, version: int | None,
                display_name: str | None = None, url: str | None = None, contact_policy: str | None = None,
                category_codes: list[str] | None = None, state: str | None = None) -> Peer:
    """Change a peer: its name shown, address, contact policy, open categories, or state
    (disabled: nothing is sent to it, its requests are refused; enabled again, what queued
    meanwhile goes out)."""
    if version is not None and version != peer.version:
        raise StaleVersion("互派平台已被他人修改，请刷新后重试", current_version=peer.version, status=peer.state)
    changed: dict[str, Any] = {}
    if display_name is not None:
        peer.display_name = validate.text(display_name, "display_name", max_length=100) or peer.name
        changed["display_name"] = peer.display_name
    if url is not None:
        peer.url = _check_url(url)
        changed["url"] = peer.url
    if contact_policy is not None:
        peer.contact_policy = _check_policy(contact_policy)
        changed["contact_policy"] = peer.contact_policy
    if category_codes is not None:
        peer.category_codes = _check_codes(session, category_codes)
        changed["categories"] = peer.category_codes
    if state is not None:
        if state not in {s.value for s in PeerState}:
            raise InvalidInput("state", "应为 active 或 disabled")
        peer.state = state
        changed["state"] = state
    peer.updated_at = clock.now()
    peer.version += 1
    audit.record(session, actor, "federation.peer_changed", object_type="federation_peer", object_id=peer.id,
                 detail={"name": peer.name, **changed})
    return peer


def remove_peer(session: Session, actor: Principal, peer: Peer) -> None:
    """Only a peer that never exchanged an order is deleted; one that did is disabled instead."""
    if session.query(Transfer.id).filter(Transfer.peer_id == peer.id).first() is not None:
        raise Conflict("该平台已有转办记录，不能删除，请停用")
    audit.record(session, actor, "federation.peer_removed", object_type="federation_peer", object_id=peer.id,
                 detail={"name": peer.name, "url": peer.url})
    session.query(Message).filter(Message.peer_id == peer.id).delete(synchronize_session=False)
    session.query(InboxMessage).filter(InboxMessage.peer_id == peer.id).delete(synchronize_session=False)
    session.query(Nonce).filter(Nonce.peer_id == peer.id).delete(synchronize_session=False)
    session.delete(peer)


def message_counts(session: Session) -> dict[tuple[int, str], int]:
    return repository.message_counts(session)


# --- the origin: one-key transfer --------------------------------------------------------------


def _queue(session: Session, peer: Peer, transfer: Transfer | None, kind: str, body: dict[str, Any]) -> Message:
    now = clock.now()
    ref = new_ref()
    payload = {"v": PROTOCOL_VERSION, "id": ref, "kind": kind, "sent_at": _iso(now),
               "transfer": transfer.ref if transfer else None, **body}
    message = Message(ref=ref, peer_id=peer.id, transfer_id=transfer.id if transfer else None, kind=kind,
                      payload=dumps(payload), status=MessageStatus.pending.value, attempts=0, next_attempt_at=now,
                      created_at=now, queued_at=now)
    session.add(message)
    session.flush()
    return message


def send_order(session: Session, actor: Principal, order: WorkOrder, *, peer_ref: str, reason: str | None,
               version: int | None = None) -> Transfer:
    """转至他市: the dispatcher sends the order to a peer. The order waits transferred out
    (off its own deadline); the transfer message is queued in this transaction and delivered
    by the relay (at once when the peer is up; retried while it is down)."""
    access.require(actor, Cap.dispatch)
    peer = repository.peer_by_ref(session, (peer_ref or "").strip()[:40]) or \
        repository.peer_by_name(session, (peer_ref or "").strip()[:40])
    if peer is None or peer.state != PeerState.active:
        raise InvalidInput("peer", "互派平台不存在或已停用")
    text = validate.text(reason, "reason", max_length=500) or ""
    crosscity.check_transfer_out(actor, order, version=version)
    category = order.category.code if order.category else None
    if not lifecycle.category_open(peer.category_codes, category):
        raise InvalidInput("peer", f"该诉求分类未向{peer.display_name}开放互派")
    caller = crosscity.caller_for_peer(session, order, full=peer.contact_policy == ContactPolicy.full)
    crosscity.transfer_out(session, actor, order, peer=peer.display_name, reason=text, version=version)
    now = clock.now()
    transfer = Transfer(ref=new_ref(), peer_id=peer.id, direction=Direction.outbound.value, work_order_id=order.id,
                        state=TransferState.pending.value, reason=text, created_by_id=actor.user_id,
                        created_at=now, updated_at=now)
    session.add(transfer)
    session.flush()
    _queue(session, peer, transfer, "transfer", {"reason": text, "caller": caller, "order": {
        "number": order.number, "title": order.title, "content": order.content, "appeal_type": order.appeal_type,
        "category_code": category, "category_name": order.category.name if order.category else None,
        "region_code": order.region.code if order.region else None,
        "region_name": order.region.name if order.region else None, "address": order.address,
        "urgency": order.urgency.value, "is_confidential": order.is_confidential,
        "registered_at": _iso(order.registered_at), "centre": order.centre_unit.name}})
    audit.record(session, actor, "federation.transfer_sent", object_type="federation_transfer",
                 object_id=transfer.id, detail={"number": order.number, "peer": peer.name,
                                                "contact": "full" if caller and not caller["masked"] else "masked"})
    return transfer


def _move(transfer: Transfer, kind: str) -> bool:
    """Move an outbound transfer by a message kind; False when it is already past it (a late
    message about a transfer that was refused or closed changes nothing)."""
    try:
        transfer.state = lifecycle.next_state(TransferState(transfer.state), kind).value
    except IllegalTransition:
        return False
    transfer.updated_at = clock.now()
    return True


def apply_answer(session: Session, message: Message, answer: dict[str, Any]) -> None:
    """The peer's answer to a transfer message: accepted (its number and deadline) or refused."""
    transfer = repository.transfer_by_id(session, message.transfer_id) if message.transfer_id else None
    peer = session.get(Peer, message.peer_id)
    if transfer is None or peer is None or message.kind != "transfer":
        return
    outcome = answer.get("outcome")
    if outcome == "accepted":
        if _move(transfer, "accepted"):
            transfer.remote_number = str(answer.get("number") or "")[:40] or None
            transfer.remote_status = str(answer.get("status") or "")[:40] or None
            transfer.remote_status_name = str(answer.get("status_name") or "")[:40] or None
            transfer.remote_due_at = _parse_time(answer.get("due_at"))
            order = session.get(WorkOrder, transfer.work_order_id)
            if order is not None:
                crosscity.record_peer_progress(
                    session, order, peer=peer.display_name, peer_status=transfer.remote_status,
                    peer_due_at=transfer.remote_due_at,
                    note=f"{peer.display_name}已接收，工单号 {transfer.remote_number}"
                         + (f"，办理期限 {_cst(transfer.remote_due_at)}" if transfer.remote_due_at else ""))
    elif outcome == "refused":
        _refused(session, peer, transfer, str(answer.get("reason") or "对方平台拒收")[:500])


def _refused(session: Session, peer: Peer, transfer: Transfer, reason: str) -> None:
    if not _move(transfer, "refused"):
        return
    transfer.refusal = reason
    order = session.get(WorkOrder, transfer.work_order_id)
    if order is not None and order.status == Status.transferred_out:
        crosscity.take_back(session, order, peer=peer.display_name, reason=f"{peer.display_name}退回：{reason}")


def give_up(session: Session, message: Message) -> None:
    """A message failed for good: a transfer never delivered is taken back (the order returns
    to the dispatcher's queue); an update stays failed, retried by hand."""
    message.status, message.next_attempt_at = MessageStatus.failed.value, None
    audit.record(session, None, "federation.message_failed", object_type="federation_peer",
                 object_id=message.peer_id, detail={"message": message.ref, "kind": message.kind,
                                                    "attempts": message.attempts, "error": message.last_error},
                 actor_name="system")
    if message.kind == "transfer" and message.transfer_id:
        transfer = repository.transfer_by_id(session, message.transfer_id)
        peer = session.get(Peer, message.peer_id)
        if transfer is not None and peer is not None and _move(transfer, "failed"):
            order = session.get(WorkOrder, transfer.work_order_id)
            if order is not None and order.status == Status.transferred_out:
                crosscity.take_back(session, order, peer=peer.display_name,
                                    reason=f"无法送达{peer.display_name}（已重试 {message.attempts} 次）")


def retry_message(session: Session, actor: Principal, ref: str) -> Message:
    """Queue a failed message again (administrator): same id, so the peer applies it once."""
    access.require_province_admin(actor)
    message = repository.message_by_ref(session, (ref or "")[:40])
    if message is None:
        raise NotFound("互派消息不存在")
    if message.status != MessageStatus.failed:
        raise Conflict("只有投递失败的消息可以重新投递")
    if message.kind == "transfer":
        transfer = repository.transfer_by_id(session, message.transfer_id) if message.transfer_id else None
        if transfer is not None and transfer.state == TransferState.failed:
            raise Conflict("转出失败的工单已退回本中心，请重新转办")
    now = clock.now()
    message.status, message.next_attempt_at, message.queued_at = MessageStatus.pending.value, now, now
    audit.record(session, actor, "federation.message_retried", object_type="federation_peer",
                 object_id=message.peer_id, detail={"message": message.ref, "kind": message.kind})
    return message


def _cst(value: dt.datetime | None) -> str:
    return value.astimezone(clock.CST).strftime("%m月%d日 %H:%M") if value else ""


@dataclass
class OrderFederation:
    """What the order page shows of an order's transfers (both directions)."""

    transfer: Transfer
    peer: Peer
    messages: list[Message]


def order_transfers(session: Session, actor: Principal, order: WorkOrder) -> list[OrderFederation]:
    """The transfers of an order the caller already may see (centre staff only)."""
    if actor.role not in access.CENTRE_ROLES and not access.is_province_admin(actor):
        return []
    transfers = repository.transfers_of_order(session, order.id)
    messages = repository.messages_of_transfers(session, [t.id for t in transfers])
    out = []
    for t in transfers:
        peer = session.get(Peer, t.peer_id)
        if peer is not None:
            out.append(OrderFederation(t, peer, [m for m in messages if m.transfer_id == t.id]))
    return out


def send_back(session: Session, actor: Principal, order: WorkOrder, *, reason: str | None,
              version: int | None = None) -> WorkOrder:
    """The receiving side refuses an order that came from a peer (not its territory): it is
    withdrawn here and the origin is told (the flow-back queues the refusal)."""
    inbound = [t for t in repository.transfers_of_order(session, order.id) if t.direction == Direction.inbound]
    if not inbound:
        raise Conflict("该工单不是其他城市转来的工单")
    return crosscity.send_back(session, actor, order, reason=reason or "", version=version)


# --- the receiving side: the inbox -------------------------------------------------------------


class Refused(HotlineError):
    """A request whose signature is refused (401, audited)."""

    status_code = 401
    code = "unauthorized"


def authenticate(session: Session, *, method: str, path: str, headers: dict[str, str], body: bytes,
                 client: str | None) -> Peer:
    """The peer that signed this request, or :class:`Refused` (recorded in the audit log by
    the caller after the request's own transaction is rolled back: see ``endpoints``)."""
    key_id = (headers.get(lifecycle.HEADER_KEY.lower()) or "").strip()[:40]
    peer = repository.peer_by_key(session, key_id) if lifecycle.KEY_ID.fullmatch(key_id) else None
    usable = peer is not None and peer.state == PeerState.active
    nonce = headers.get(lifecycle.HEADER_NONCE.lower())
    reason = lifecycle.refusal(
        secret=peer.secret if usable and peer else None,
        sender_side=lifecycle.other_side(peer.side) if peer else "a", method=method, path=path,
        timestamp=headers.get(lifecycle.HEADER_TIMESTAMP.lower()), nonce=nonce,
        signature=headers.get(lifecycle.HEADER_SIGNATURE.lower()), body=body, now=int(clock.now().timestamp()))
    if reason is None and peer is not None and nonce is not None:
        if repository.nonce_seen(session, peer.id, nonce):
            reason = "replayed"
        else:
            session.add(Nonce(peer_id=peer.id, nonce=nonce, seen_at=clock.now()))
            session.flush()
    if reason is not None or peer is None:
        raise Refused("签名无效", reason=reason or "unknown_key", key_id=key_id or None,
                      peer=peer.name if peer else None, client=client)
    return peer


def record_refusal(session: Session, error: Refused) -> None:
    audit.record(session, None, "federation.request_refused", object_type="federation", object_id=None,
                 detail={k: v for k, v in error.detail.items() if v is not None}, actor_name="peer")


def receive(session: Session, peer: Peer, body: bytes) -> dict[str, Any]:
    """Apply one message from ``peer`` once: its id seen before returns the stored answer and
    changes nothing. Malformed input is a 422 naming the field."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("body", "消息应为 JSON") from None
    if not isinstance(payload, dict):
        raise InvalidInput("body", "消息应为 JSON 对象")
    message_id, kind = payload.get("id"), payload.get("kind")
    if not isinstance(message_id, str) or not 1 <= len(message_id) <= 40:
        raise InvalidInput("id", "缺少消息编号")
    if kind not in lifecycle.KINDS:
        raise InvalidInput("kind", "未知的消息类型")
    transfer_ref = payload.get("transfer")
    if not isinstance(transfer_ref, str) or not 1 <= len(transfer_ref) <= 32:
        raise InvalidInput("transfer", "缺少转办编号")
    seen = repository.inbox(session, peer.id, message_id)
    if seen is not None:
        return {**json.loads(seen.answer), "duplicate": True}
    if kind == "transfer":
        answer = _receive_transfer(session, peer, transfer_ref, payload)
    else:
        answer = _receive_update(session, peer, transfer_ref, kind, payload)
    session.add(InboxMessage(peer_id=peer.id, message_ref=message_id, kind=kind, answer=dumps(answer),
                             received_at=clock.now()))
    peer.last_success_at = clock.now()
    session.flush()
    return answer


def _ensure_channel(session: Session, actor: Principal) -> None:
    """The intake channel of orders received from peers (made with the first peer)."""
    if org_repository.channel_by_code(session, CHANNEL[0]) is None:
        org_service.create_channel(session, actor, code=CHANNEL[0], name=CHANNEL[1], kind=ChannelKind.api)


def _text(value: object, field: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field, "应为文本")
    return value[:max_length]


def _receive_transfer(session: Session, peer: Peer, ref: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A peer's order becomes an order of ours through intake, under the peer's integration
    account, on the ``federation`` channel, dispatched by our own rules. A category not open
    for this peer, or an unknown one, is refused at once (the origin takes the order back)."""
    order_in = payload.get("order")
    if not isinstance(order_in, dict):
        raise InvalidInput("order", "缺少工单内容")
    number = _text(order_in.get("number"), "order.number", 40)
    if not number:
        raise InvalidInput("order.number", "缺少来源工单号")
    existing = repository.transfer(session, peer.id, Direction.inbound.value, ref)
    if existing is not None:  # the same transfer under another message id: the same order
        order = session.get(WorkOrder, existing.work_order_id)
        assert order is not None
        return _accepted(order)
    category = _text(order_in.get("category_code"), "order.category_code", 16)
    if category and org_repository.category_by_code(session, category) is None:
        category = None
    if not lifecycle.category_open(peer.category_codes, category):
        return {"outcome": "refused", "reason": "该诉求分类未开放跨市互派"}
    account = session.get(User, peer.account_id) if peer.account_id else None
    if account is None or not account.active:
        return {"outcome": "refused", "reason": "对方平台未开通接收账号"}
    principal = auth_service.principal_of(session, account)
    region = _text(order_in.get("region_code"), "order.region_code", 16)
    if region and (not region.isdigit() or org_repository.cached_region_by_code(session, region) is None):
        region = None
    caller = payload.get("caller") if isinstance(payload.get("caller"), dict) else None
    full = caller is not None and caller.get("masked") is False
    phone = _text(caller.get("phone"), "caller.phone", 20) if caller and full else None
    name = _text(caller.get("name"), "caller.name", 50) if caller and full else None
    content = _text(order_in.get("content"), "order.content", 4000) or ""
    extra_lines = [f"【{peer.display_name}转来，来源工单号 {number}】"]
    reason = _text(payload.get("reason"), "reason", 500)
    if reason:
        extra_lines.append(f"转办原因：{reason}")
    if order_in.get("region_name") and region is None:
        extra_lines.append(f"来源地点：{_text(order_in.get('region_name'), 'order.region_name', 100)}")
    if caller and not full:
        extra_lines.append(f"联系人（脱敏，请经来源城市联系）：{_text(caller.get('name'), 'caller.name', 50) or ''}"
                           f" {_text(caller.get('phone'), 'caller.phone', 20) or ''}".rstrip())
    appeal_type = _text(order_in.get("appeal_type"), "order.appeal_type", 40) or "help"
    if org_repository.cached_appeal_type(session, appeal_type) is None:
        appeal_type = "help"
    urgency = order_in.get("urgency")
    data = workorder.IntakeData(
        channel=CHANNEL[0], appeal_type=appeal_type,
        title=_text(order_in.get("title"), "order.title", 100) or f"{peer.display_name}转办工单",
        content="；".join([" ".join(content.split()), *extra_lines]), phone=phone, name=name if phone else None,
        category_code=category, region_code=region, address=_text(order_in.get("address"), "order.address", 300),
        is_confidential=bool(order_in.get("is_confidential")) and appeal_type == "report",
        urgency=sla.Urgency(urgency) if urgency in {u.value for u in sla.Urgency}
        else sla.Urgency.normal,
        source_ref=f"{peer.name}:{ref}"[:100],
    )
    order, _created = workorder.intake(session, principal, data)
    now = clock.now()
    transfer = Transfer(ref=ref, peer_id=peer.id, direction=Direction.inbound.value, work_order_id=order.id,
                        remote_number=number, state=TransferState.accepted.value, reason=reason, created_at=now,
                        updated_at=now)
    session.add(transfer)
    session.flush()
    audit.record(session, principal, "federation.transfer_received", object_type="federation_transfer",
                 object_id=transfer.id, detail={"number": order.number, "from": peer.name, "origin_number": number})
    return _accepted(order)


def _accepted(order: WorkOrder) -> dict[str, Any]:
    return {"outcome": "accepted", "number": order.number, "status": order.status.value,
            "status_name": workorder_status_name(order), "due_at": _iso(order.due_at)}


def workorder_status_name(order: WorkOrder) -> str:
    return STATUS_NAMES[order.status]


def _receive_update(session: Session, peer: Peer, ref: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A step on the peer's order flows back onto the origin's: progress on the timeline (and
    the peer's deadline), a refusal takes the order back, the close closes it."""
    transfer = repository.transfer(session, peer.id, Direction.outbound.value, ref)
    if transfer is None:
        raise NotFound("没有这个转办")
    state = payload.get("state") if isinstance(payload.get("state"), dict) else {}
    assert isinstance(state, dict)
    note = _text(payload.get("note"), "note", 200) or ""
    if kind == "refused":
        _refused(session, peer, transfer, _text(payload.get("reason"), "reason", 500) or note or "对方平台退回")
        return {"outcome": "applied", "state": transfer.state}
    order = session.get(WorkOrder, transfer.work_order_id)
    if order is None or not _move(transfer, kind):
        return {"outcome": "ignored", "state": transfer.state}
    transfer.remote_number = _text(state.get("number"), "state.number", 40) or transfer.remote_number
    transfer.remote_status = _text(state.get("status"), "state.status", 40)
    transfer.remote_status_name = _text(state.get("status_name"), "state.status_name", 40)
    due = _parse_time(state.get("due_at"))
    transfer.remote_due_at = due or transfer.remote_due_at
    text = f"{peer.display_name}：{note}"
    if state.get("lead_unit"):
        text += f"（承办单位：{_text(state.get('lead_unit'), 'state.lead_unit', 100)}）"
    if due is not None and payload.get("action") in ("work_order.dispatched", "work_order.direct_dispatched",
                                                     "work_order.extension_approved", "work_order.rehandle"):
        text += f"，办理期限 {_cst(due)}"
    if payload.get("action") == "work_order.replied" and state.get("reply"):
        text += f"。答复：{_text(state.get('reply'), 'state.reply', 300)}"
    if payload.get("action") == "work_order.callback_recorded" and payload.get("verdict"):
        text += f"。回访结果：{lifecycle.VERDICT_NAMES.get(str(payload.get('verdict')), '')}"
    if kind == "closed" and order.status == Status.transferred_out:
        crosscity.record_peer_progress(session, order, peer=peer.display_name, note=text,
                                       peer_status=transfer.remote_status, peer_due_at=transfer.remote_due_at)
        answer = _text(state.get("answer"), "state.answer", 5000) or _text(state.get("reply"), "state.reply", 5000)
        crosscity.close_by_peer(session, order, peer=peer.display_name, answer=answer,
                                result=_text(state.get("result"), "state.result", 40),
                                verdict=_text(state.get("verdict"), "state.verdict", 40))
    elif kind == "progress":
        crosscity.record_peer_progress(session, order, peer=peer.display_name, note=text,
                                       peer_status=transfer.remote_status, peer_due_at=transfer.remote_due_at)
    return {"outcome": "applied", "state": transfer.state}


# --- flow back: events of received orders become messages to their origin ---------------------


def flow_back(session: Session, peer: Peer, rows: list[Any]) -> int:
    """Messages to ``peer`` for the events among ``rows`` on orders it sent us."""
    ids = {int(r.object_id) for r in rows if r.object_id and str(r.object_id).isdigit()}
    transfers = {oid: t for oid, t in repository.inbound_orders(session, ids).items() if t.peer_id == peer.id}
    orders = repository.orders_by_ids(session, transfers.keys())
    written = 0
    for row in rows:
        oid = int(row.object_id) if row.object_id and str(row.object_id).isdigit() else None
        if oid not in transfers or oid not in orders:
            continue
        kind, note = lifecycle.FLOW_BACK[row.action]
        transfer, order = transfers[oid], orders[oid]
        detail = row.detail if isinstance(row.detail, dict) else {}
        body: dict[str, Any] = {"action": row.action, "note": note, "at": _iso(row.at),
                                "state": crosscity.progress_of(session, order)}
        if row.action == "work_order.callback_recorded":
            body["verdict"] = detail.get("verdict")
        if kind == "refused":
            body["reason"] = detail.get("note") or note
            transfer.state, transfer.refusal = TransferState.refused.value, body["reason"]
        if kind == "closed":
            transfer.state = TransferState.closed.value
        _queue(session, peer, transfer, kind, body)
        written += 1
    return written
