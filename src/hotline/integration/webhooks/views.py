"""The administrator's push pages (推送订阅): ``/admin/webhooks`` lists the region's
subscriptions (new — the secret shown once —, pause, resume, rotate the secret, delete) and the
allow-list of targets (the province's administrator adds and removes entries);
``/admin/webhooks/{ref}`` is one subscription's delivery log with replay of one delivery or of a
time range. Administrators with ``manage_integrations``; the use cases are
:mod:`hotline.integration.webhooks.service`, as behind the API."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.integration.webhooks import service
from hotline.integration.webhooks.lifecycle import EVENT_TYPES
from hotline.integration.webhooks.models import Algorithm, DeliveryStatus
from hotline.kit.clock import CST
from hotline.kit.errors import HotlineError, InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, flag, integer, refused, text
from hotline.web.templating import render

router = routing.router()
STATE_NAMES = {"active": "推送中", "paused": "已暂停"}
STATUS_NAMES = {"pending": "待投递", "delivered": "已送达", "dead": "已放弃（死信）"}
PAGE_SIZE = 50
ALGORITHM_OPTIONS = [(Algorithm.hmac_sha256.value, "HMAC-SHA256"), (Algorithm.hmac_sm3.value, "HMAC-SM3（国密）")]


def _codes(value: str | None) -> list[str]:
    return [c for c in (value or "").replace("，", ",").replace(" ", ",").split(",") if c]


def _page(request: Request, principal: Principal, db: Db, *, status: int = 200,
          errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
          new_secret: str | None = None, values: dict[str, Any] | None = None) -> Response:
    access.require(principal, Cap.manage_integrations)
    subscriptions = service.list_subscriptions(db, principal)
    return render(request, "webhooks/webhooks.html", principal, status_code=status, title="推送订阅",
                  subscriptions=subscriptions, owners={s.id: service.owner_name(db, s) for s in subscriptions},
                  targets=service.list_targets(db, principal),
                  province_admin=access.is_province_admin(principal), event_types=EVENT_TYPES,
                  algorithms=ALGORITHM_OPTIONS, state_names=STATE_NAMES, errors=errors or {},
                  flash=flash, flash_kind=flash_kind, new_secret=new_secret, values=values or {})


def _back(message: str, ref: str | None = None) -> RedirectResponse:
    path = f"/admin/webhooks/{ref}" if ref else "/admin/webhooks"
    return RedirectResponse(f"{path}?ok={quote(message)}", status_code=303)


@router.get("/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _page(request, principal, db, flash=request.query_params.get("ok"))


def _data(form: dict[str, Any]) -> service.SubscriptionData:
    return service.SubscriptionData(
        name=text(form, "name") or "", url=text(form, "url") or "", owner=text(form, "owner"),
        event_types=[t for t in form.get("event_types", []) if isinstance(t, str)],
        region_codes=_codes(text(form, "region_codes")), category_codes=_codes(text(form, "category_codes")),
        algorithm=text(form, "algorithm") or Algorithm.hmac_sha256.value)


@router.post("/admin/webhooks/subscriptions", response_class=HTMLResponse)
def create_subscription(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        subscription, secret = service.create_subscription(db, principal, _data(form))
    except HotlineError as exc:
        return refused(db, exc, partial(_page, request, principal, db), values=form)
    return _page(request, principal, db, status=201, new_secret=secret,
                 flash=f"已创建推送订阅“{subscription.name}”：请把签名密钥配置到接收方，密钥只显示这一次")


@router.post("/admin/webhooks/targets", response_class=HTMLResponse)
def add_target(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    try:
        target = service.add_target(db, principal, pattern=text(form, "pattern") or "",
                                    allow_http=flag(form, "allow_http"), note=text(form, "note"))
    except HotlineError as exc:
        return refused(db, exc, partial(_page, request, principal, db),
                       values={k: text(form, k) for k in ("pattern", "note")})
    return _back(f"已将 {target.pattern} 加入白名单")


@router.post("/admin/webhooks/targets/{ref}/delete", response_class=HTMLResponse)
def remove_target(principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    service.remove_target(db, principal, ref)
    return _back("已移出白名单")


@router.post("/admin/webhooks/{ref}/replay", response_class=HTMLResponse, include_in_schema=False)
def replay(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str) -> Response:
    """Replay one delivery (``delivery``) or the events of a time range (``since``/``until``)."""
    subscription = service.access_subscription(db, principal, ref)
    try:
        delivery = text(form, "delivery")
        if delivery:
            count = service.replay(db, principal, subscription, delivery_ref=delivery)
        else:
            count = service.replay(db, principal, subscription, since=_local(form, "since"),
                                   until=_local(form, "until"))
    except HotlineError as exc:
        return refused(db, exc, partial(_log_page, request, principal, db, ref),
                       values={k: text(form, k) for k in ("since", "until")})
    return _back(f"已重新排队 {count} 条推送", ref)


@router.post("/admin/webhooks/{ref}/{action}", response_class=HTMLResponse)
def subscription_action(request: Request, principal: CurrentPrincipal, db: Db, form: Form, ref: str,
                        action: str) -> Response:
    """The buttons of a subscription: pause, resume, rotate-secret, delete."""
    subscription = service.access_subscription(db, principal, ref)
    version = integer(form, "version")
    try:
        if action == "pause":
            service.pause(db, principal, subscription, reason=text(form, "reason"), version=version)
            return _back(f"已暂停“{subscription.name}”")
        if action == "resume":
            service.resume(db, principal, subscription, version=version)
            return _back(f"已恢复“{subscription.name}”，暂停期间积压的推送将立即发出")
        if action == "rotate-secret":
            secret = service.rotate_secret(db, principal, subscription, version=version)
            return _page(request, principal, db, new_secret=secret,
                         flash=f"已为“{subscription.name}”更换签名密钥：请立即配置到接收方，旧密钥已失效")
        if action == "delete":
            name = subscription.name
            service.delete_subscription(db, principal, subscription, version=version)
            return _back(f"已删除订阅“{name}”")
    except HotlineError as exc:
        return refused(db, exc, partial(_page, request, principal, db))
    return _back("未知操作")


def _local(form: dict[str, Any], key: str) -> dt.datetime | None:
    """A ``datetime-local`` field, read as Beijing time."""
    value = text(form, key)
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(key, "时间格式应为 YYYY-MM-DDTHH:MM") from None
    return parsed.replace(tzinfo=CST) if parsed.tzinfo is None else parsed


def _log_page(request: Request, principal: Principal, db: Db, ref: str, *, status: int = 200,
              errors: dict[str, str] | None = None, flash: str | None = None, flash_kind: str = "ok",
              values: dict[str, Any] | None = None) -> Response:
    subscription = service.access_subscription(db, principal, ref)
    wanted = request.query_params.get("status") or None
    if wanted not in STATUS_NAMES:
        wanted = None
    page = max(1, integer(request.query_params, "page") or 1)
    deliveries, total = service.delivery_log(db, subscription, status=wanted, since=None, until=None,
                                             limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    owner = service.owner_name(db, subscription)
    return render(request, "webhooks/subscription.html", principal, status_code=status,
                  title=f"推送记录 · {subscription.name}", s=subscription, owner=owner, deliveries=deliveries,
                  total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), status=wanted,
                  status_names=STATUS_NAMES, state_names=STATE_NAMES, event_types=EVENT_TYPES,
                  errors=errors or {}, flash=flash, flash_kind=flash_kind, values=values or {},
                  dead=DeliveryStatus.dead.value)


@router.get("/admin/webhooks/{ref}", response_class=HTMLResponse)
def subscription_page(request: Request, principal: CurrentPrincipal, db: Db, ref: str) -> Response:
    return _log_page(request, principal, db, ref, flash=request.query_params.get("ok"))
