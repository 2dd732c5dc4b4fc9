"""The demo's push: a subscription of the housing bureau (handler ``handler``) to a receiver page
inside the demo platform itself, standing in for the bureau's own system.

``hotline demo`` turns the receiver on (``HOTLINE_DEMO_RECEIVER``), allows plain http to
127.0.0.1, makes (or points at this port) the subscription and gives it a fresh secret that the
receiver keeps in memory. The receiver checks each request's signature and timestamp as a real
receiver should (docs/webhooks.md), de-duplicates on the event id and keeps the last 200
requests; ``/demo/receiver`` shows them, and can make the receiver fail a share of requests (or
all: "down") to watch the retries, the dead letters and the automatic pause on the
subscription's delivery log. Off outside the demo: every route answers 404."""

from __future__ import annotations

import json
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from hotline.auth import repository as auth_repository
from hotline.auth.principal import Principal
from hotline.config import get_settings
from hotline.integration.webhooks import lifecycle, service
from hotline.integration.webhooks.repository import target_by_pattern
from hotline.kit import clock
from hotline.kit.errors import NotFound
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal
from hotline.web.forms import Form, text
from hotline.web.templating import render

SUBSCRIPTION_NAME = "青川市住建局业务系统（演示接收方）"
OWNER = "handler"  # the housing bureau's handler: orders of the bureau, the caller masked
EVENTS = ["order.dispatched", "order.signed", "order.returned", "order.replied", "order.reply_reviewed",
          "order.closed", "order.reopened", "order.overdue", "order.supervised", "callback.recorded"]
KEPT = 200
FAIL_CHOICES = {"0": 0.0, "30": 0.3, "100": 1.0}

router = routing.router()


@dataclass
class _Receiver:
    secret: str = ""
    fail_ratio: float = 0.0
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=KEPT))
    seen: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


receiver = _Receiver()


def _principal(session: Session, username: str) -> Principal:
    user = auth_repository.user_by_username(session, username)
    assert user is not None, username
    return Principal.of(user)


def set_up(session: Session, base_url: str) -> str:
    """Allow the loopback, make or re-point the demo subscription, give it a fresh secret
    (kept by the receiver); returns the receiver's address."""
    url = f"{base_url.rstrip('/')}/demo/receiver/hook"
    if target_by_pattern(session, "127.0.0.1") is None:
        service.add_target(session, _principal(session, "admin"), pattern="127.0.0.1", allow_http=True,
                           note="演示：本机接收页")
    city_admin = _principal(session, "qc_admin")
    mine = [s for s in service.list_subscriptions(session, city_admin) if s.name == SUBSCRIPTION_NAME]
    if mine:
        subscription = mine[0]
        if subscription.url != url:
            service.update_subscription(session, city_admin, subscription, service.SubscriptionData(
                name=subscription.name, url=url, event_types=list(subscription.event_types)), version=None)
        secret = service.rotate_secret(session, city_admin, subscription, version=None)
    else:
        _, secret = service.create_subscription(session, city_admin, service.SubscriptionData(
            name=SUBSCRIPTION_NAME, url=url, event_types=EVENTS, owner=OWNER))
    receiver.secret = secret
    return url


def _enabled() -> None:
    if not get_settings().demo_receiver:
        raise NotFound("页面不存在")


@router.post("/demo/receiver/hook")
async def hook(request: Request) -> Response:
    """What the bureau's system would do: check the signature, drop a repeat, take the event."""
    _enabled()
    body = await request.body()
    try:
        timestamp = int(request.headers.get("X-Hotline-Timestamp") or "")
    except ValueError:
        timestamp = 0
    event_id = request.headers.get("X-Hotline-Event-Id") or ""
    signed = lifecycle.verify(receiver.secret, request.headers.get("X-Hotline-Signature") or "", timestamp, body,
                              now=int(clock.now().timestamp()))
    with receiver.lock:
        if not signed:
            status, outcome = 401, "签名无效，拒收"
        elif random.random() < receiver.fail_ratio:  # noqa: S311 - a failure on purpose, not a secret
            status, outcome = 503, "模拟故障，拒收"
        elif event_id in receiver.seen:
            status, outcome = 200, "重复事件，已忽略"
        else:
            receiver.seen.add(event_id)
            status, outcome = 200, "已接收"
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        receiver.requests.appendleft({
            "at": clock.now(), "event_id": event_id, "type": request.headers.get("X-Hotline-Event-Type") or "",
            "delivery": request.headers.get("X-Hotline-Delivery") or "", "status": status, "outcome": outcome,
            "order": (payload.get("order") or {}) if isinstance(payload, dict) else {},
            "payload": json.dumps(payload, ensure_ascii=False, indent=1)[:4000]})
    return Response(status_code=status)


@router.get("/demo/receiver", response_class=HTMLResponse)
def page(request: Request, principal: CurrentPrincipal) -> Response:
    _enabled()
    with receiver.lock:
        rows = list(receiver.requests)
        fail = next((k for k, v in FAIL_CHOICES.items() if v == receiver.fail_ratio), "0")
    return render(request, "webhooks/demo_receiver.html", principal, title="演示接收方", rows=rows, fail=fail,
                  subscription_name=SUBSCRIPTION_NAME, events=lifecycle.EVENT_TYPES,
                  flash=request.query_params.get("ok"))


@router.post("/demo/receiver/fail", response_class=HTMLResponse)
def set_failures(principal: CurrentPrincipal, form: Form) -> Response:
    """Make the receiver fail none, 30 % or all of the requests."""
    _enabled()
    choice = text(form, "fail") or "0"
    with receiver.lock:
        receiver.fail_ratio = FAIL_CHOICES.get(choice, 0.0)
    return RedirectResponse("/demo/receiver?ok=" + {"0": "接收方已恢复正常", "30": "接收方将拒收约 30% 的推送",
                                                    "100": "接收方已“宕机”：推送将退避重试"}.get(choice, ""),
                            status_code=303)
