"""Pure rules of the push: which audit events are pushed as which event types, the retry
schedule, when a delivery is dead and a subscription paused, the signature, and whether a
target address is allowed."""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from hotline.kit.crypto import hmac_sm3

#: The payload's version: a change that removes or renames a field makes version 2.
PAYLOAD_VERSION = 1

#: Event type → (Chinese name, the audit actions it is made of).
EVENT_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "order.created": ("工单受理", ("work_order.registered",)),
    "order.dispatched": ("工单派发", ("work_order.dispatched", "work_order.direct_dispatched",
                                     "work_order.transferred")),
    "order.signed": ("承办单位签收", ("work_order.signed",)),
    "order.returned": ("承办单位退单", ("work_order.returned",)),
    "order.replied": ("承办单位答复", ("work_order.replied",)),
    "order.reply_reviewed": ("答复审核", ("work_order.reply_accepted", "work_order.reply_rejected")),
    "order.closed": ("工单办结", ("work_order.closed", "work_order.answered")),
    "order.reopened": ("回访不满意重办", ("work_order.rehandle",)),
    "order.overdue": ("超期未办结", ("work_order.overdue",)),
    "order.supervised": ("列入督办", ("work_order.supervision_flagged", "work_order.escalated",
                                     "work_order.letter_issued")),
    "callback.recorded": ("回访结果", ("work_order.callback_recorded",)),
    "order.merchant": ("服务企业转介、评价与投诉", ("work_order.merchant_referred", "work_order.merchant_rated",
                                           "work_order.merchant_complaint")),
    "order.linkage": ("联动转接", ("work_order.handed_over", "work_order.taken_back", "work_order.linkage_recorded",
                                  "work_order.linkage_updated")),
    "warning.raised": ("预警", ("early_warning.spike", "early_warning.emergency")),
    "ledger.daily": ("每日台账", ("supervision.daily_ledger_sent",)),
}
EVENT_OF_ACTION: dict[str, str] = {action: name for name, (_, actions) in EVENT_TYPES.items() for action in actions}
PUSHED_ACTIONS: tuple[str, ...] = tuple(sorted(EVENT_OF_ACTION))

#: The first retry comes this soon; each next one twice as late, up to MAX_BACKOFF.
FIRST_BACKOFF = dt.timedelta(milliseconds=250)
MAX_BACKOFF = dt.timedelta(hours=1)
#: A delivery still failing this long after its event is dead-lettered.
RETRY_WINDOW = dt.timedelta(hours=24)
#: A subscription failing without one success for this many attempts *and* this long is
#: paused (a receiver that is down for a minute is not; one that is gone for an hour is).
PAUSE_AFTER_FAILURES = 50
PAUSE_AFTER = dt.timedelta(hours=1)
#: A receiver's answer after this long is a failure.
TIMEOUT_SECONDS = 10.0


#: The error recorded when nothing answered at the receiver's address (down, not flaky): such
#: deliveries are owed nothing by the event itself, so they go again as soon as the receiver
#: is seen answering (``repository.resend_after_outage``), rather than after their back-off.
UNREACHABLE = "ConnectError"


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 0.25 s, 0.5 s, 1 s, … 1 h."""
    return min(FIRST_BACKOFF * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def is_dead(occurred_at: dt.datetime, now: dt.datetime) -> bool:
    """A failed delivery is given up once its event is older than the retry window."""
    return now - occurred_at >= RETRY_WINDOW


def should_pause(failure_streak: int, failing_since: dt.datetime | None, now: dt.datetime) -> bool:
    return failing_since is not None and failure_streak >= PAUSE_AFTER_FAILURES and now - failing_since >= PAUSE_AFTER


def sign(secret: str, algorithm: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: ``<algorithm>=<hex>`` of HMAC(secret, "<timestamp>." + body)."""
    message = str(timestamp).encode("ascii") + b"." + body
    key = secret.encode("utf-8")
    if algorithm == "hmac-sm3":
        return "hmac-sm3=" + hmac_sm3(key, message)
    return "hmac-sha256=" + hmac.new(key, message, hashlib.sha256).hexdigest()


def verify(secret: str, header: str, timestamp: int, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (docs/webhooks.md): the signature matches and the timestamp is
    within ``tolerance`` seconds of its clock (an old request replayed is refused)."""
    algorithm = header.split("=", 1)[0]
    if algorithm not in ("hmac-sha256", "hmac-sm3") or abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, algorithm, timestamp, body), header)


@dataclass(frozen=True)
class Target:
    pattern: str
    allow_http: bool


def check_pattern(pattern: str) -> str | None:
    """Why an allow-list entry is unusable, or None: a host name, ``*.`` + a domain, an
    address or a network; never the whole internet or every host."""
    p = pattern.strip().lower()
    if not p or len(p) > 253:
        return "请填写主机名、IP 地址或网段"
    try:
        network = ipaddress.ip_network(p, strict=False)
    except ValueError:
        network = None
    if network is not None:
        if network.prefixlen < (8 if network.version == 4 else 32):
            return "网段过大"
        return None
    host = p[2:] if p.startswith("*.") else p
    labels = host.split(".")
    wildcard_too_wide = p.startswith("*.") and len(labels) < 2
    if "*" in host or not all(labels) or not all(_label_ok(x) for x in labels) or wildcard_too_wide:
        return "主机名格式不正确"
    return None


def _label_ok(label: str) -> bool:
    return len(label) <= 63 and all(c.isalnum() or c == "-" for c in label) and label.isascii()


def _matches(pattern: str, host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
    try:
        network = ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        network = None
    if network is not None:
        return address is not None and address.version == network.version and address in network
    if address is not None:
        return False
    if pattern.startswith("*."):
        return fnmatch.fnmatchcase(host, pattern) and host.count(".") >= pattern.count(".")
    return host == pattern


def url_refusal(url: str, targets: list[Target]) -> str | None:
    """Why a subscription may not send to ``url``, or None: https (http only where the
    matching allow-list entry says so), no user or password in it, a host the allow-list
    names. Host names are compared as written: the sender resolves nothing beyond what the
    administrator allowed (a name is allowed as a name, an address only by an address entry)."""
    if len(url) > 500:
        return "地址不能超过 500 个字符"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "地址格式不正确"
    del port
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "地址应以 https:// 开头"
    if parts.username or parts.password:
        return "地址中不能含用户名或密码"
    host = parts.hostname.lower().rstrip(".")
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        address = None
    matching = [t for t in targets if _matches(t.pattern.lower(), host, address)]
    if not matching:
        return "该地址不在推送白名单内"
    if parts.scheme == "http" and not any(t.allow_http for t in matching):
        return "白名单仅允许 https 地址"
    return None
