"""The federation relay: the flow-back of received orders' events into messages to their
origin, and the delivery of every queued message to its peer.

* **The audit chain is the outbox of the flow-back** (as for the push): each peer has a
  cursor over the audit sequence; the events of the kinds that flow back on orders the peer
  sent us become messages to it, written in the transaction that moves the cursor.
* **Messages are sent at least once, in order per transfer.** A peer is leased (another
  worker skips it); the oldest pending message of each of its transfers is posted, all at
  once and with no transaction open, and the outcomes settled together; a transfer's next
  message goes only after the one before it is delivered. A failure backs off (0.25 s …
  10 min) for 24 h, then the message fails (a transfer never delivered is taken back). The
  message id makes a retry harmless: the peer applies it once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy.orm import Session

from hotline.integration.federation import lifecycle, repository, service
from hotline.integration.federation.models import Message, MessageStatus, Peer
from hotline.kit import clock, jobs
from hotline.kit.db import SessionFactory, transaction

log = logging.getLogger(__name__)
FLOW_BATCH = 500
SEND_BATCH = 500
SEND_ROUNDS = 20
SENDERS = 8
LEASE = dt.timedelta(seconds=60)
USER_AGENT = "hotline-federation/1"

_client: httpx.Client | None = None
_senders: ThreadPoolExecutor | None = None


def _http() -> httpx.Client:
    global _client
    if _client is None:
        _client = httpx.Client(timeout=lifecycle.TIMEOUT_SECONDS, follow_redirects=False,
                               limits=httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS))
    return _client


def _pool() -> ThreadPoolExecutor:
    global _senders
    if _senders is None:
        _senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="federation-post")
    return _senders


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@jobs.poller("federation.relay", every=0.2)
def relay(factory: SessionFactory) -> int:
    """One round: turn committed events into messages, then send what is due."""
    return flow(factory) + deliver_due(factory)


@jobs.handler("federation.prune_nonces", every=dt.timedelta(minutes=10))
def prune_nonces(session: Session, payload: dict[str, Any]) -> None:
    """Forget request nonces older than twice the signature window (a request that old is
    refused as stale anyway)."""
    del payload
    repository.prune_nonces(session, clock.now() - 2 * dt.timedelta(seconds=lifecycle.TOLERANCE_SECONDS))


def flow(factory: SessionFactory, limit: int = FLOW_BATCH) -> int:
    with transaction(factory) as session:
        head = repository.last_seq(session)
        peers = repository.peers_behind(session, head, lock=_postgres(session))
        if not peers:
            return 0
        start = min(p.cursor for p in peers)
        rows = repository.flow_back_events(session, start, head, limit)
        upto = rows[-1].seq if len(rows) == limit else head
        written = 0
        for peer in peers:
            mine = [r for r in rows if r.seq > peer.cursor]
            written += service.flow_back(session, peer, mine)
            peer.cursor = max(peer.cursor, upto)
        return written


def deliver_due(factory: SessionFactory) -> int:
    with transaction(factory) as session:
        now = clock.now()
        peers = [(p.id, p.url, p.key_id, p.secret, p.side)
                 for p in repository.lease_peers(session, now, now + LEASE, lock=_postgres(session))]
    if not peers:
        return 0
    if len(peers) == 1:
        return _deliver_peer(factory, *peers[0])
    with ThreadPoolExecutor(min(len(peers), 8), thread_name_prefix="federation-send") as pool:
        return sum(pool.map(lambda p: _deliver_peer(factory, *p), peers))


def _deliver_peer(factory: SessionFactory, peer_id: int, url: str, key_id: str, secret: str, side: str) -> int:
    """Send the peer's due messages: the oldest pending message of each transfer, all at once
    (the transfers are independent), round after round; a transfer's next message only after
    the one before it is delivered, so each transfer's messages arrive in order."""
    sent = 0
    try:
        for _ in range(SEND_ROUNDS):
            with transaction(factory) as session:
                head = repository.pending_head(session, peer_id, SEND_BATCH)
                firsts: dict[object, tuple[int, str, dt.datetime | None]] = {}
                for m in head:
                    firsts.setdefault(m.transfer_id or ("message", m.id), (m.id, m.payload, m.next_attempt_at))
            now = clock.now()
            due = [(mid, payload) for mid, payload, at in firsts.values() if at is None or at <= now]
            if not due:
                break
            results = list(_pool().map(lambda job: (job[0], post(url, key_id, secret, side, job[1].encode("utf-8"))),
                                       due))
            with transaction(factory) as session:
                for message_id, (ok, status, answer, error) in results:
                    _settle(session, peer_id, message_id, ok, status, answer, error)
            sent += sum(1 for _, (ok, *_rest) in results if ok)
            if not any(ok for _, (ok, *_rest) in results):
                break
    finally:
        with transaction(factory) as session:
            repository.release(session, peer_id)
    return sent


def post(url: str, key_id: str, secret: str, side: str, body: bytes, *, path: str = lifecycle.INBOX_PATH
         ) -> tuple[bool, int | None, dict[str, Any] | None, str | None]:
    """POST a signed message to the peer: (ok, status code, the JSON answer, error)."""
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               **lifecycle.headers(key_id, secret, side, "POST", path, body, now=int(clock.now().timestamp()))}
    try:
        response = _http().post(url + path, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return False, None, None, type(exc).__name__[:300]
    if not 200 <= response.status_code < 300:
        return False, response.status_code, None, f"HTTP {response.status_code} {_why(response)}".strip()[:300]
    try:
        answer = response.json()
    except json.JSONDecodeError:
        return False, response.status_code, None, "answer is not JSON"
    return True, response.status_code, answer if isinstance(answer, dict) else {}, None


def _why(response: httpx.Response) -> str:
    """The peer's reason for a refusal, when it gave one (``message`` of the error body)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message") or "")[:200] if isinstance(body, dict) else ""


def _settle(session: Session, peer_id: int, message_id: int, ok: bool, status: int | None,
            answer: dict[str, Any] | None, error: str | None) -> None:
    message = session.get(Message, message_id)
    peer = session.get(Peer, peer_id)
    if message is None or peer is None or message.status != MessageStatus.pending:
        return
    now = clock.now()
    message.attempts += 1
    message.last_status_code = status
    if ok:
        message.status, message.delivered_at, message.next_attempt_at = MessageStatus.delivered.value, now, None
        message.last_error = None
        peer.last_success_at, peer.last_error = now, None
        service.apply_answer(session, message, answer or {})
        return
    message.last_error = peer.last_error = error
    if status in (400, 404, 422) or lifecycle.is_failed(message.queued_at, now):
        # the peer will never take it as it is (refused as malformed), or the window is over
        log.error("federation message %s to peer %s failed: %s", message.ref, peer.name, error,
                  extra={"alert": "federation_message_failed"})
        service.give_up(session, message)
    else:
        message.next_attempt_at = now + lifecycle.backoff(message.attempts)


def ping(factory: SessionFactory, name: str) -> tuple[bool, str]:
    """Check a peer's address and the pair's key: a signed request to its ping endpoint."""
    with transaction(factory) as session:
        peer = repository.peer_by_name(session, name)
        if peer is None:
            return False, "互派平台不存在"
        url, key_id, secret, side = peer.url, peer.key_id, peer.secret, peer.side
    ok, status, answer, error = post(url, key_id, secret, side, b"{}", path=lifecycle.PING_PATH)
    if ok and answer is not None:
        return True, f"对方平台已确认（对方记录本平台为 {answer.get('peer')}）"
    return False, error or f"HTTP {status}"
