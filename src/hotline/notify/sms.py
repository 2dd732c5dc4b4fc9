"""Pluggable SMS adapters: how a notification leaves the machine.

An adapter has one method, ``send(phone, body, *, key=None) -> gateway message id``, and
reports a failure by raising

* :class:`SmsError` — temporary (gateway down, timeout, throttled): the delivery job retries
  with back-off;
* :class:`SmsRejected` — permanent: the gateway refused this number or this message; retrying
  would only be refused again, so the notification is marked failed.

``key`` is the notification's idempotency key, the same on every attempt: an adapter passes
it to a gateway that de-duplicates on it (the HTTP adapter sends it as ``Idempotency-Key``),
so a message re-sent after a worker died between the gateway's acceptance and the recorded
outcome is still delivered once. An adapter whose gateway does so says ``dedupes = True``;
the relay then records a batch's outcomes in one transaction (notify.tasks).

Two adapters ship: :class:`LogAdapter` (the default; development and the demo) and
:class:`HttpGatewayAdapter` (a JSON-over-HTTP gateway). ``HOTLINE_SMS_ADAPTER`` chooses one.
Neither ever logs the phone number or the message: the phone is personal data and the body
can quote a reply meant for one citizen only (ADR 0004). Error messages carry no personal
data either, since they are stored in ``notification.last_error`` in clear text.

Tests install a fake with :func:`set_adapter` and put the default back with
``set_adapter(None)``.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.client import HTTPException
from typing import Any, Protocol

from hotline.kit import clock
from hotline.kit.crypto import mask_phone

log = logging.getLogger(__name__)

DEFAULT_SIGN = "【12345热线】"
#: What the HTTP adapter reads of a gateway's answer; an id fits in far less.
MAX_RESPONSE_BYTES = 64 * 1024
#: 4xx answers that are about us or the moment (credentials, URL, throttling), not about this
#: message: retried like a 5xx, so that a wrong key or a rate limit never fails messages for good.
TEMPORARY_4XX = frozenset({401, 403, 404, 408, 425, 429})
_SAFE_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class SmsError(Exception):
    """A temporary failure: nothing was sent, try again later."""


class SmsRejected(Exception):
    """A permanent refusal of this number or message: do not try again."""


class SmsAdapter(Protocol):
    def send(self, phone: str, body: str, *, key: str | None = None) -> str:
        """Send ``body`` to ``phone`` (national digits); return the gateway's message id.
        ``key``: the idempotency key, for gateways that de-duplicate on one."""
        ...


@dataclasses.dataclass(frozen=True)
class SentSms:
    """What :class:`LogAdapter` "sent", kept in memory for tests and the demo."""

    id: str
    phone: str
    body: str
    at: dt.datetime


class LogAdapter:
    """Sends nothing: writes one log line (masked phone, body length) and keeps the message
    in the bounded in-memory list ``sent`` (the newest ``keep`` messages). A repeat costs a
    second log line, nothing else: it counts as de-duplicating (``dedupes``)."""

    dedupes = True

    def __init__(self, keep: int = 1000) -> None:
        self.sent: collections.deque[SentSms] = collections.deque(maxlen=keep)

    def send(self, phone: str, body: str, *, key: str | None = None) -> str:
        message_id = f"log-{uuid.uuid4().hex}"
        self.sent.append(SentSms(message_id, phone, body, clock.now()))
        masked = mask_phone(phone)
        log.info("sms %s to %s (%d characters), log adapter: not sent", message_id, masked, len(body),
                 extra={"sms_id": message_id, "sms_to": masked, "sms_length": len(body)})
        return message_id


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a misconfiguration; following it would hand the API key and the phone
    number to another address. urllib then raises the 3xx as an ``HTTPError``."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpGatewayAdapter:
    """POSTs ``{"phone", "text", "sign"}`` as JSON with ``Authorization: Bearer <key>`` and,
    when the relay gives one, ``Idempotency-Key`` (a gateway that honours it answers a repeat
    with the first message's id and delivers nothing new).

    2xx with ``{"id": ...}`` → that id · 4xx → :class:`SmsRejected` (except
    :data:`TEMPORARY_4XX`) · 5xx, 3xx, timeouts, connection errors → :class:`SmsError`.
    A 2xx is an acceptance even without a readable id (answered with ``""`` and a warning):
    treating it as a failure would send the message again.

    The standard library's ``urllib`` is enough for one POST; no HTTP client dependency.
    """

    def __init__(self, url: str, api_key: str, timeout: float = 5.0, sign: str = DEFAULT_SIGN,
                 dedupes: bool = False) -> None:
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("HOTLINE_SMS_URL must be an http:// or https:// URL")
        if not api_key:
            raise ValueError("HOTLINE_SMS_API_KEY is required by the http SMS adapter")
        self.url = url
        self.timeout = timeout
        self.sign = sign
        #: the gateway honours Idempotency-Key (HOTLINE_SMS_GATEWAY_DEDUPES): say so only when it does
        self.dedupes = dedupes
        self._api_key = api_key
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:  # never shows the key
        return f"HttpGatewayAdapter(url={self.url!r}, timeout={self.timeout})"

    def send(self, phone: str, body: str, *, key: str | None = None) -> str:
        data = json.dumps({"phone": phone, "text": body, "sign": self.sign}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310  (scheme checked in __init__)
            self.url, data=data, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
                     "Authorization": f"Bearer {self._api_key}", **({"Idempotency-Key": key} if key else {})},
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = response.status
                raw = response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as exc:
            raise self._error_for(exc.code, _drain(exc)) from None
        except (OSError, HTTPException) as exc:  # URLError and TimeoutError are OSErrors
            raise SmsError(f"SMS gateway unreachable: {_reason(exc)}") from None
        if not 200 <= status < 300:
            raise self._error_for(status, raw)
        message_id = _message_id(raw)
        if not message_id:
            log.warning("SMS gateway accepted a message (HTTP %d) without a readable id", status)
        return message_id

    @staticmethod
    def _error_for(status: int, raw: bytes) -> SmsError | SmsRejected:
        # The gateway's own text may echo the number: keep only a short code-like field.
        code = _gateway_code(raw)
        text = f"SMS gateway answered HTTP {status}" + (f" ({code})" if code else "")
        if 400 <= status < 500 and status not in TEMPORARY_4XX:
            return SmsRejected(text)
        return SmsError(text)


def _drain(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read(MAX_RESPONSE_BYTES)
    except Exception:
        return b""
    finally:
        exc.close()


def _reason(exc: BaseException) -> str:
    """The kind of network failure, without addresses or payloads."""
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    return "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _message_id(raw: bytes) -> str:
    data = _json(raw)
    value = data.get("id") if isinstance(data, dict) else None
    return "" if value is None or isinstance(value, dict | list) else str(value)[:100]


def _gateway_code(raw: bytes) -> str | None:
    data = _json(raw)
    if not isinstance(data, dict):
        return None
    for key in ("code", "error"):
        value = data.get(key)
        if isinstance(value, str | int) and _SAFE_CODE.fullmatch(str(value)):
            return str(value)
    return None


def adapter_from_settings(settings: object) -> SmsAdapter:
    """``HOTLINE_SMS_ADAPTER``: ``log`` (default) or ``http`` (with ``HOTLINE_SMS_URL``,
    ``HOTLINE_SMS_API_KEY``, ``HOTLINE_SMS_SIGN``, ``HOTLINE_SMS_TIMEOUT_SECONDS``)."""
    kind = (getattr(settings, "sms_adapter", None) or "log").lower()
    if kind == "log":
        return LogAdapter()
    if kind == "http":
        url = getattr(settings, "sms_url", None)
        if not url:
            raise ValueError("HOTLINE_SMS_URL is required when HOTLINE_SMS_ADAPTER=http")
        return HttpGatewayAdapter(
            url,
            getattr(settings, "sms_api_key", None) or "",
            timeout=float(getattr(settings, "sms_timeout_seconds", None) or 5.0),
            sign=getattr(settings, "sms_sign", None) or DEFAULT_SIGN,
            dedupes=bool(getattr(settings, "sms_gateway_dedupes", False)),
        )
    raise ValueError(f"unknown HOTLINE_SMS_ADAPTER {kind!r}; expected 'log' or 'http'")


_adapter: SmsAdapter | None = None
_lock = threading.Lock()


def get_adapter() -> SmsAdapter:
    """The installed adapter, built from the settings on first use."""
    global _adapter
    with _lock:
        if _adapter is None:
            from hotline.config import get_settings

            _adapter = adapter_from_settings(get_settings())
        return _adapter


def set_adapter(adapter: SmsAdapter | None) -> None:
    """Install ``adapter`` (a fake in tests); ``None`` rebuilds from the settings next time."""
    global _adapter
    with _lock:
        _adapter = adapter
