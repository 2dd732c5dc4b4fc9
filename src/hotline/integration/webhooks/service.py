"""The push's service: the allow-list, subscriptions (created, changed, paused, resumed,
deleted), the events an account may receive and their payloads (shared by the push and the
feed), the delivery log and replay. Nothing here commits."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth import service as auth_service
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.integration.webhooks import lifecycle, repository
from hotline.integration.webhooks.lifecycle import EVENT_OF_ACTION, EVENT_TYPES, PAYLOAD_VERSION
from hotline.integration.webhooks.models import (
    Algorithm,
    AllowedTarget,
    Delivery,
    DeliveryStatus,
    Subscription,
    SubscriptionState,
)
from hotline.kit import clock
from hotline.kit.errors import Conflict, InvalidInput, NotFound, StaleVersion
from hotline.workorder import service as workorder
from hotline.workorder.lifecycle import STATUS_NAMES

MAX_FILTERS = 50


# --- the allow-list -----------------------------------------------------------------------------


def add_target(session: Session, actor: Principal, *, pattern: str, allow_http: bool, note: str | None
               ) -> AllowedTarget:
    """An entry of the allow-list: the province's administrator only."""
    access.require_province_admin(actor)
    pattern = (pattern or "").strip().lower()
    reason = lifecycle.check_pattern(pattern)
    if reason:
        raise InvalidInput("pattern", reason)
    if note is not None and len(note) > 200:
        raise InvalidInput("note", "备注不能超过 200 个字符")
    if repository.target_by_pattern(session, pattern) is not None:
        raise Conflict(f"白名单中已有 {pattern}")
    target = AllowedTarget(pattern=pattern, allow_http=allow_http, note=note or None, created_by_id=actor.user_id,
                           created_at=clock.now())
    session.add(target)
    session.flush()
    audit.record(session, actor, "webhook.target_added", object_type="webhook_target", object_id=target.id,
                 detail={"pattern": pattern, "allow_http": allow_http})
    return target


def remove_target(session: Session, actor: Principal, ref: str) -> None:
    access.require_province_admin(actor)
    target = repository.target_by_ref(session, ref)
    if target is None:
        raise NotFound("白名单条目不存在")
    audit.record(session, actor, "webhook.target_removed", object_type="webhook_target", object_id=target.id,
                 detail={"pattern": target.pattern})
    session.delete(target)


def list_targets(session: Session, actor: Principal) -> list[AllowedTarget]:
    access.require(actor, Cap.manage_integrations)
    return repository.allowed_targets(session)


# --- subscriptions ------------------------------------------------------------------------------


@dataclass
class SubscriptionData:
    name: str
    url: str
    event_types: list[str]
    owner: str | None = None  # username; None when changing a subscription
    region_codes: list[str] | None = None
    category_codes: list[str] | None = None
    algorithm: str = Algorithm.hmac_sha256.value


def _check(session: Session, data: SubscriptionData) -> None:
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("name", "请填写订阅名称（不超过 100 个字符）")
    data.name = name
    data.url = (data.url or "").strip()
    reason = lifecycle.url_refusal(data.url, repository.targets(session))
    if reason:
        raise InvalidInput("url", reason)
    if not data.event_types:
        raise InvalidInput("event_types", "请至少选择一种事件")
    unknown = [t for t in data.event_types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput("event_types", f"未知的事件类型：{str(unknown[0])[:40]}")
    data.event_types = sorted(set(data.event_types))
    for field, values in (("region_codes", data.region_codes), ("category_codes", data.category_codes)):
        values = values or []
        if len(values) > MAX_FILTERS or not all(isinstance(v, str) and v.isdigit() and 2 <= len(v) <= 16
                                                 for v in values):
            raise InvalidInput(field, "应为不超过 50 个数字代码")
    if data.algorithm not in {a.value for a in Algorithm}:
        raise InvalidInput("algorithm", "签名算法应为 hmac-sha256 或 hmac-sm3")


def access_subscription(session: Session, actor: Principal, ref: str) -> Subscription:
    """A subscription of the administrator's region: 403 for other roles, 404 outside it."""
    access.require(actor, Cap.manage_integrations)
    subscription = repository.subscription_by_ref(session, ref)
    if subscription is None:
        raise NotFound("订阅不存在")
    if not in_region(actor.region_code, repository.region_code(session, subscription.region_id)):
        raise NotFound("订阅不存在")
    return subscription


def create_subscription(session: Session, actor: Principal, data: SubscriptionData) -> tuple[Subscription, str]:
    """A new subscription of an account of the administrator's region; returns it and its
    signing secret (shown once). It receives events committed from now on."""
    access.require(actor, Cap.manage_integrations)
    _check(session, data)
    owner = repository.user_by_username(session, (data.owner or "").strip())
    if owner is None or not owner.active or not in_region(actor.region_code, owner.unit.region.code):
        raise InvalidInput("owner", "接收账号不存在或不在本辖区")
    if not auth_service.principal_of(session, owner).can(Cap.view_orders):
        raise InvalidInput("owner", "该账号无权查看工单，不能接收推送")
    now = clock.now()
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = Subscription(
        name=data.name, owner_id=owner.id, region_id=owner.unit.region_id, url=data.url,
        event_types=data.event_types, region_codes=sorted(set(data.region_codes or [])),
        category_codes=sorted(set(data.category_codes or [])), secret=secret, algorithm=data.algorithm,
        state=SubscriptionState.active.value, cursor=repository.last_seq(session), created_by_id=actor.user_id,
        created_at=now, updated_at=now, version=1)
    session.add(subscription)
    session.flush()
    audit.record(session, actor, "webhook.subscription_created", object_type="webhook_subscription",
                 object_id=subscription.id, detail=_audit_detail(subscription, owner.username))
    return subscription, secret


def _audit_detail(s: Subscription, owner: str) -> dict[str, Any]:
    return {"name": s.name, "owner": owner, "url": s.url, "events": s.event_types, "regions": s.region_codes,
            "categories": s.category_codes, "algorithm": s.algorithm}


def _expect(subscription: Subscription, version: int | None) -> None:
    if version is not None and version != subscription.version:
        raise StaleVersion("订阅已被他人修改，请刷新后重试", current_version=subscription.version,
                           status=subscription.state)


def update_subscription(session: Session, actor: Principal, subscription: Subscription, data: SubscriptionData,
                        *, version: int | None) -> Subscription:
    _expect(subscription, version)
    _check(session, data)
    subscription.name, subscription.url, subscription.event_types = data.name, data.url, data.event_types
    subscription.region_codes = sorted(set(data.region_codes or []))
    subscription.category_codes = sorted(set(data.category_codes or []))
    subscription.algorithm = data.algorithm
    _touch(subscription)
    owner = session.get(User, subscription.owner_id)
    audit.record(session, actor, "webhook.subscription_changed", object_type="webhook_subscription",
                 object_id=subscription.id, detail=_audit_detail(subscription, owner.username if owner else ""))
    return subscription


def rotate_secret(session: Session, actor: Principal, subscription: Subscription, *, version: int | None) -> str:
    _expect(subscription, version)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription.secret = secret
    _touch(subscription)
    audit.record(session, actor, "webhook.secret_rotated", object_type="webhook_subscription",
                 object_id=subscription.id)
    return secret


def _touch(subscription: Subscription) -> None:
    subscription.updated_at = clock.now()
    subscription.version += 1


def pause(session: Session, actor: Principal, subscription: Subscription, *, reason: str | None,
          version: int | None) -> Subscription:
    _expect(subscription, version)
    if subscription.state == SubscriptionState.paused:
        raise Conflict("订阅已暂停")
    reason = (reason or "").strip() or "管理员暂停"
    if len(reason) > 200:
        raise InvalidInput("reason", "原因不能超过 200 个字符")
    subscription.state, subscription.paused_reason, subscription.paused_at = (
        SubscriptionState.paused.value, reason, clock.now())
    _touch(subscription)
    audit.record(session, actor, "webhook.subscription_paused", object_type="webhook_subscription",
                 object_id=subscription.id, detail={"reason": reason})
    return subscription


def resume(session: Session, actor: Principal, subscription: Subscription, *, version: int | None) -> Subscription:
    """Resume by hand: the deliveries queued meanwhile go out at once."""
    _expect(subscription, version)
    if subscription.state != SubscriptionState.paused:
        raise Conflict("订阅未暂停")
    subscription.state, subscription.paused_reason, subscription.paused_at = SubscriptionState.active.value, None, None
    subscription.failure_streak, subscription.failing_since = 0, None
    _touch(subscription)
    audit.record(session, actor, "webhook.subscription_resumed", object_type="webhook_subscription",
                 object_id=subscription.id)
    return subscription


def delete_subscription(session: Session, actor: Principal, subscription: Subscription, *,
                        version: int | None) -> None:
    """Deleting stops the push; the delivery log goes with it (the audit trail stays)."""
    _expect(subscription, version)
    audit.record(session, actor, "webhook.subscription_deleted", object_type="webhook_subscription",
                 object_id=subscription.id, detail={"name": subscription.name, "url": subscription.url})
    session.query(Delivery).filter(Delivery.subscription_id == subscription.id).delete(synchronize_session=False)
    session.delete(subscription)


def owner_name(session: Session, subscription: Subscription) -> str:
    """The username of the account a subscription receives as."""
    owner = session.get(User, subscription.owner_id)
    return owner.username if owner else ""


def list_subscriptions(session: Session, actor: Principal) -> list[Subscription]:
    access.require(actor, Cap.manage_integrations)
    return repository.subscriptions_in(session, actor.region_prefix)


def delivery_log(session: Session, subscription: Subscription, *, status: str | None, since: dt.datetime | None,
                 until: dt.datetime | None, limit: int, offset: int) -> tuple[list[Delivery], int]:
    if status is not None and status not in {s.value for s in DeliveryStatus}:
        raise InvalidInput("status", "状态应为 pending、delivered 或 dead")
    return repository.delivery_log(session, subscription.id, status=status, since=since, until=until,
                                   limit=limit, offset=offset)


def replay(session: Session, actor: Principal, subscription: Subscription, *, delivery_ref: str | None = None,
           since: dt.datetime | None = None, until: dt.datetime | None = None) -> int:
    """Send again one delivery, or every delivery of events in ``[since, until)``, as they
    were first sent (same event id: a receiver de-duplicating on it ignores what it has)."""
    delivery_id = None
    if delivery_ref is not None:
        delivery = repository.delivery_by_ref(session, subscription.id, delivery_ref)
        if delivery is None:
            raise NotFound("推送记录不存在")
        delivery_id = delivery.id
    elif since is None or until is None:
        raise InvalidInput("since", "请给出重放的起止时间")
    elif until <= since:
        raise InvalidInput("until", "结束时间应晚于开始时间")
    elif until - since > dt.timedelta(days=31):
        raise InvalidInput("until", "一次最多重放 31 天")
    count = repository.requeue(session, subscription.id, clock.now(), delivery_id=delivery_id, since=since,
                               until=until)
    audit.record(session, actor, "webhook.replayed", object_type="webhook_subscription", object_id=subscription.id,
                 detail={"delivery": delivery_ref, "since": since.isoformat() if since else None,
                         "until": until.isoformat() if until else None, "count": count})
    return count


# --- events and payloads (the push and the feed) -----------------------------------------------


def _matches(codes: Sequence[str], code: str | None) -> bool:
    return not codes or (code is not None and any(code.startswith(c) for c in codes))


Rendered = list[tuple[int, str, dict[str, Any]]]


def render(session: Session, principal: Principal, rows: Sequence[Row[Any]], *, types: Sequence[str] = (),
           region_codes: Sequence[str] = (), category_codes: Sequence[str] = ()) -> Rendered:
    """(seq, event type, payload) of the events among ``rows`` that ``principal`` may receive
    — of the given types (all when empty), inside the region and category filters — each
    payload as that principal may see it (masked for its role, a confidential reporter hidden
    from units)."""
    wanted = [(row, EVENT_OF_ACTION[row.action]) for row in rows
              if row.action in EVENT_OF_ACTION and (not types or EVENT_OF_ACTION[row.action] in types)]
    by_kind: dict[str, set[int]] = defaultdict(set)
    for row, _ in wanted:
        if row.object_id is not None and row.object_id.isdigit():
            by_kind[row.object_type].add(int(row.object_id))
    seen = repository.orders_seen(session, lambda s: access.order_scope(principal, s), by_kind.get("work_order", ()))
    orders = repository.orders_by_ids(session, seen)
    citizens = repository.citizens_of(session, orders.values())  # noqa: F841 - held: the identity map keeps them
    warnings = repository.warnings_by_ids(session, by_kind.get("early_warning", ()))
    units = repository.units_by_ids(session, by_kind.get("unit", ()))
    out: list[tuple[int, str, dict[str, Any]]] = []
    for row, kind in wanted:
        object_id = int(row.object_id) if row.object_id and row.object_id.isdigit() else None
        body: dict[str, Any] | None = None
        if row.object_type == "work_order" and object_id in seen:
            region, category = seen[object_id]
            if _matches(region_codes, region) and _matches(category_codes, category):
                body = {"order": _order_payload(session, principal, orders[object_id])}
        elif row.object_type == "early_warning" and object_id in warnings:
            warning, region, category = warnings[object_id]
            if (_sees_region(principal, region) and _matches(region_codes, region)
                    and _matches(category_codes, category)):
                body = {"warning": {"id": warning.id, "kind": warning.kind.value, "summary": warning.summary,
                                    "region_code": region, "category_code": category, "count": warning.count,
                                    "window_start": _iso(warning.window_start), "window_end": _iso(warning.window_end),
                                    "raised_at": _iso(warning.raised_at)}}
        elif row.object_type == "unit" and object_id in units:
            name, region = units[object_id]
            if (principal.unit_id == object_id or _sees_region(principal, region)) and _matches(region_codes, region):
                body = {"unit": {"name": name, "region_code": region}}
        if body is None:
            continue
        detail = {k: v for k, v in (row.detail or {}).items() if k not in ("number", "status")}
        out.append((row.seq, kind, {"id": f"evt-{row.seq}", "type": kind, "version": PAYLOAD_VERSION,
                                    "occurred_at": _iso(row.at), "cursor": str(row.seq),
                                    "action": row.action, **body, "detail": detail}))
    return out


def _sees_region(principal: Principal, region_code: str) -> bool:
    """Warnings and ledgers of a region: its centre staff, administrators and sector viewers."""
    return (principal.role in access.CENTRE_ROLES or principal.can(Cap.manage_org)
            or principal.role.value == "sector_viewer") and in_region(principal.region_code, region_code)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _order_payload(session: Session, principal: Principal, order: Any) -> dict[str, Any]:
    shown = workorder.citizen_shown(session, principal, order)
    title, content = workorder.order_text(principal, order)
    return {
        "number": order.number, "status": order.status.value, "status_name": STATUS_NAMES[order.status],
        "channel": order.channel.code, "appeal_type": order.appeal_type,
        "category_code": order.category.code if order.category else None,
        "category_name": order.category.name if order.category else None,
        "region_code": order.region.code if order.region else None,
        "region_name": order.region.name if order.region else None,
        "title": title, "content": content, "is_confidential": order.is_confidential, "urgency": order.urgency,
        "citizen": None if shown is None else {"name": shown.name, "phone": shown.phone, "masked": shown.masked},
        "centre_unit": order.centre_unit.name, "lead_unit": order.lead_unit.name if order.lead_unit else None,
        "registered_at": _iso(order.registered_at), "dispatched_at": _iso(order.dispatched_at),
        "due_at": _iso(order.due_at), "closed_at": _iso(order.closed_at), "answer": order.answer,
        "final_result": order.final_result, "version": order.version,
    }


def payload_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


# --- the feed -------------------------------------------------------------------------------------

#: How many pushed events one feed request reads at most (it may return fewer: those the
#: caller may not see are skipped, and the cursor still moves past them).
FEED_SCAN = 1000


def parse_cursor(value: str | None) -> int:
    if value is None or value == "":
        return 0
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput("after", "游标应为 feed 返回的 next_cursor")
    return int(value)


def feed(session: Session, principal: Principal, *, after: int, limit: int, types: Sequence[str]
         ) -> tuple[list[dict[str, Any]], int, bool]:
    """The events after the cursor the caller may see (at most ``limit``), the next cursor
    and whether more may follow. The cursor is the audit sequence number of the last event
    read, returned even when nothing in the page is the caller's, so a client never reads the
    same span twice and never skips one."""
    access.require(principal, Cap.view_orders)
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise InvalidInput("types", f"未知的事件类型：{unknown[0][:40]}")
    events: list[dict[str, Any]] = []
    cursor, scanned = after, 0
    while scanned < FEED_SCAN:
        rows = repository.events_after(session, cursor, min(limit - len(events), FEED_SCAN - scanned))
        if not rows:
            return events, cursor, False
        events.extend(payload for _, _, payload in render(session, principal, rows, types=types))
        cursor, scanned = rows[-1].seq, scanned + len(rows)
        if len(events) >= limit:
            break
    return events, cursor, True
