"""Pure rules of federation: the request signature, the pair's keys, the retry schedule, which
events of an order received from a peer flow back to it, and the transfer's states.

The protocol is in docs/adr/0023-federation.md."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from hotline.integration.federation.models import TransferState
from hotline.kit.errors import IllegalTransition

PROTOCOL_VERSION = 1
#: A request whose timestamp is further than this from the receiver's clock is refused.
TOLERANCE_SECONDS = 300
#: The request path every message is posted to, on the peer's base URL.
INBOX_PATH = "/api/v1/federation/inbox"
PING_PATH = "/api/v1/federation/ping"

HEADER_KEY = "X-Hotline-Key-Id"
HEADER_TIMESTAMP = "X-Hotline-Timestamp"
HEADER_NONCE = "X-Hotline-Nonce"
HEADER_SIGNATURE = "X-Hotline-Signature"

FIRST_BACKOFF = dt.timedelta(milliseconds=250)
MAX_BACKOFF = dt.timedelta(minutes=10)
#: A message still undelivered this long after it was queued fails (a transfer is then taken
#: back; an update waits for a retry by hand).
RETRY_WINDOW = dt.timedelta(hours=24)
TIMEOUT_SECONDS = 10.0

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
KEY_ID = re.compile(r"^fk_[0-9a-f]{16}$")
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_key() -> tuple[str, str]:
    """A pair's key: an id (sent in the clear) and a secret (given to the peer once)."""
    return "fk_" + secrets.token_hex(8), "fks_" + secrets.token_urlsafe(32)


def side_key(secret: str, side: str) -> bytes:
    """The key one side signs with: HMAC(secret, "hotline-federation/" + side). The two sides
    sign with different keys, so a request of one side replayed to itself is refused."""
    return hmac.new(secret.encode("utf-8"), f"hotline-federation/{side}".encode("ascii"), hashlib.sha256).digest()


def other_side(side: str) -> str:
    return "b" if side == "a" else "a"


def canonical(method: str, path: str, timestamp: int, nonce: str, body: bytes) -> bytes:
    """What is signed: method, path, timestamp, nonce and the body's SHA-256, one a line."""
    return "\n".join((method.upper(), path, str(timestamp), nonce, hashlib.sha256(body).hexdigest())).encode("utf-8")


def sign(secret: str, side: str, method: str, path: str, timestamp: int, nonce: str, body: bytes) -> str:
    """The signature header's value: ``hmac-sha256=<hex>``."""
    digest = hmac.new(side_key(secret, side), canonical(method, path, timestamp, nonce, body), hashlib.sha256)
    return "hmac-sha256=" + digest.hexdigest()


def headers(key_id: str, secret: str, side: str, method: str, path: str, body: bytes, *, now: int) -> dict[str, str]:
    nonce = secrets.token_urlsafe(18)
    return {HEADER_KEY: key_id, HEADER_TIMESTAMP: str(now), HEADER_NONCE: nonce,
            HEADER_SIGNATURE: sign(secret, side, method, path, now, nonce, body)}


def refusal(*, secret: str | None, sender_side: str, method: str, path: str, timestamp: str | None,
            nonce: str | None, signature: str | None, body: bytes, now: int) -> str | None:
    """Why a signed request is refused, or None: a missing or malformed header, an unknown
    key (``secret`` None), a timestamp outside the window, or a signature that does not match
    (checked in constant time). A nonce seen before is the caller's check (it needs storage)."""
    if secret is None:
        return "unknown_key"
    if not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        return "bad_timestamp"
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return "stale"
    if not nonce or not NONCE.fullmatch(nonce):
        return "bad_nonce"
    if not signature:
        return "no_signature"
    expected = sign(secret, sender_side, method, path, int(timestamp), nonce, body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
        return "bad_signature"
    return None


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 0.25 s, 0.5 s, 1 s, … 10 min."""
    return min(FIRST_BACKOFF * (2 ** min(max(attempts - 1, 0), 20)), MAX_BACKOFF)


def is_failed(queued_at: dt.datetime, now: dt.datetime) -> bool:
    return now - queued_at >= RETRY_WINDOW


# --- messages ------------------------------------------------------------------------------------

#: Kinds of message. ``transfer`` goes origin → peer; the others peer → origin.
KINDS = ("transfer", "progress", "refused", "closed")

#: Audit actions on an order received from a peer → (message kind, what the origin reads).
FLOW_BACK: dict[str, tuple[str, str]] = {
    "work_order.dispatched": ("progress", "已派单"),
    "work_order.direct_dispatched": ("progress", "已直派"),
    "work_order.signed": ("progress", "承办单位已签收"),
    "work_order.returned": ("progress", "承办单位退单，对方重新派单中"),
    "work_order.coordination_decided": ("progress", "已明确承办单位"),
    "work_order.extension_approved": ("progress", "办理期限已延长"),
    "work_order.replied": ("progress", "承办单位已答复"),
    "work_order.reply_accepted": ("progress", "答复已认定"),
    "work_order.reply_rejected": ("progress", "答复退回重新办理"),
    "work_order.callback_recorded": ("progress", "已回访"),
    "work_order.rehandle": ("progress", "回访不满意，退回重办"),
    "work_order.closed": ("closed", "已办结"),
    "work_order.sent_back": ("refused", "退回"),
    "work_order.withdrawn": ("refused", "撤回"),
}
FLOW_BACK_ACTIONS: tuple[str, ...] = tuple(sorted(FLOW_BACK))

VERDICT_NAMES = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


#: (state, message kind) → state: how a transfer moves on the origin.
TRANSITIONS: dict[tuple[TransferState, str], TransferState] = {
    (TransferState.pending, "accepted"): TransferState.accepted,
    (TransferState.pending, "refused"): TransferState.refused,
    (TransferState.pending, "failed"): TransferState.failed,
    (TransferState.pending, "progress"): TransferState.accepted,
    (TransferState.pending, "closed"): TransferState.closed,
    (TransferState.accepted, "progress"): TransferState.accepted,
    (TransferState.accepted, "refused"): TransferState.refused,
    (TransferState.accepted, "closed"): TransferState.closed,
}


def next_state(state: TransferState, kind: str) -> TransferState:
    try:
        return TRANSITIONS[state, kind]
    except KeyError:
        raise IllegalTransition(f"跨市转办当前状态为“{state.value}”，不能接受“{kind}”",
                                status=state.value, action=kind) from None


def category_open(open_codes: list[str], code: str | None) -> bool:
    """A category is open for mutual dispatch when the list is empty (all) or it is one of
    the listed categories or below one."""
    return not open_codes or (code is not None and any(code.startswith(c) for c in open_codes))
