"""The push relay: fan-out of committed events into deliveries, and their delivery.

* **The audit chain is the outbox.** Every change to an order writes its audit event in the
  change's own transaction, numbered gap-free at commit. The fan-out reads the pushed kinds of
  event after each subscription's cursor and, in one transaction, writes a delivery per event
  the subscription's owner may see and moves the cursor: each event is fanned out once, and
  none committed is missed (``repository.events_after``).
* **Deliveries are leased, sent with no transaction open, and settled in one transaction.**
  A batch is leased (other workers skip it until the lease runs out), posted concurrently,
  and the outcomes recorded together. A worker killed in between loses nothing: the lease runs
  out and the batch is sent again — at least once; the event id (``Idempotency-Key``) lets a
  receiver drop what it already has.
* **Failures back off** (0.25 s, 0.5 s, 1 s … 1 h) for 24 h from when the delivery was
  queued, then the delivery is dead-lettered (kept, alerted, replayable). When a receiver that
  was down (nothing answered) answers again, what failed for want of it goes at once. A subscription
  failing without one success for 50 attempts and an hour is paused until resumed by hand;
  while paused its events still queue up.
* A worker runs the relay in a thread of its own (``jobs.poller(every=…)``) so an event goes
  out within a fraction of a second of its commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from prometheus_client import Counter, Histogram
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import service as auth_service
from hotline.auth.models import User
from hotline.integration.webhooks import lifecycle, repository, service
from hotline.integration.webhooks.models import DeliveryStatus, SubscriptionState, new_ref
from hotline.kit import clock, jobs
from hotline.kit.db import SessionFactory, transaction

log = logging.getLogger(__name__)
DELIVERIES = Counter("hotline_webhook_deliveries_total", "Push delivery attempts", ["outcome"])
LATENCY = Histogram("hotline_webhook_delivery_seconds", "From an event's commit to its delivery",
                    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 3600))

FAN_OUT_BATCH = 500
DELIVERY_BATCH = 200
SENDERS = 16
LEASE = dt.timedelta(seconds=60)
USER_AGENT = "hotline-webhooks/1"

_client: httpx.Client | None = None
_pool: ThreadPoolExecutor | None = None


def _http() -> tuple[httpx.Client, ThreadPoolExecutor]:
    global _client, _pool
    if _client is None or _pool is None:
        _client = httpx.Client(timeout=lifecycle.TIMEOUT_SECONDS, follow_redirects=False,
                               limits=httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS))
        _pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="webhook-send")
    return _client, _pool


@jobs.poller("webhooks.relay", every=0.2)
def relay(factory: SessionFactory) -> int:
    """One round: fan out what has been committed, then send what is due."""
    return fan_out(factory) + deliver_due(factory)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def fan_out(factory: SessionFactory, limit: int = FAN_OUT_BATCH) -> int:
    """Turn the events committed since each subscription's cursor into its deliveries;
    returns how many deliveries were written."""
    with transaction(factory) as session:
        subscriptions = repository.subscriptions_to_fan_out(session, lock=_postgres(session))
        if not subscriptions:
            return 0
        # every number up to the head read now is committed (the chain numbers at commit)
        head = repository.last_seq(session)
        rows = repository.events_after(session, min(s.cursor for s in subscriptions), limit, until=head)
        upto = rows[-1].seq if len(rows) == limit else head
        now = clock.now()
        written: list[dict[str, Any]] = []
        for subscription in subscriptions:
            mine = [r for r in rows if r.seq > subscription.cursor]
            owner = session.get(User, subscription.owner_id)
            if owner is None or not owner.active:
                if subscription.state == SubscriptionState.active:
                    subscription.state, subscription.paused_at = SubscriptionState.paused.value, now
                    subscription.paused_reason = "接收账号已停用"
                    audit.record(session, None, "webhook.subscription_paused", object_type="webhook_subscription",
                                 object_id=subscription.id, detail={"reason": subscription.paused_reason},
                                 actor_name="system")
                subscription.cursor = upto
                continue
            principal = auth_service.principal_of(session, owner)
            for seq, kind, payload in service.render(
                    session, principal, mine, types=subscription.event_types,
                    region_codes=subscription.region_codes, category_codes=subscription.category_codes):
                written.append({
                    "ref": new_ref(), "subscription_id": subscription.id, "seq": seq, "event_id": payload["id"],
                    "event_type": kind, "occurred_at": dt.datetime.fromisoformat(payload["occurred_at"]),
                    "payload": service.payload_bytes(payload).decode("utf-8"),
                    "status": DeliveryStatus.pending.value, "attempts": 0, "next_attempt_at": now,
                    "replays": 0, "created_at": now, "queued_at": now})
            subscription.cursor = max(subscription.cursor, upto)
        repository.insert_deliveries(session, written)
        return len(written)


@dataclass
class _Job:
    id: int
    subscription_id: int
    event_id: str
    event_type: str
    ref: str
    payload: str
    url: str
    secret: str
    algorithm: str
    occurred_at: dt.datetime


@dataclass
class _Result:
    job: _Job
    ok: bool
    status_code: int | None
    error: str | None
    latency_ms: int


def deliver_due(factory: SessionFactory, limit: int = DELIVERY_BATCH) -> int:
    """Send up to ``limit`` due deliveries at once and record their outcomes; returns how
    many were sent."""
    with transaction(factory) as session:
        now = clock.now()
        leased = repository.lease_due(session, now, limit, now + LEASE, lock=_postgres(session))
        jobs_ = [_Job(d.id, s.id, d.event_id, d.event_type, d.ref, d.payload, s.url, s.secret, s.algorithm,
                      d.occurred_at) for d, s in leased]
        targets = repository.targets(session)
    if not jobs_:
        return 0
    client, pool = _http()
    results = list(pool.map(lambda job: _send(client, job, targets), jobs_))
    with transaction(factory) as session:
        _settle(session, results)
    return len(results)


def _send(client: httpx.Client, job: _Job, targets: list[lifecycle.Target]) -> _Result:
    refusal = lifecycle.url_refusal(job.url, targets)
    if refusal:  # the allow-list changed since the subscription was made
        return _Result(job, False, None, refusal, 0)
    body = job.payload.encode("utf-8")
    timestamp = int(clock.now().timestamp())
    headers = {
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
        "X-Hotline-Event-Id": job.event_id, "Idempotency-Key": job.event_id, "X-Hotline-Event-Type": job.event_type,
        "X-Hotline-Delivery": job.ref, "X-Hotline-Timestamp": str(timestamp),
        "X-Hotline-Signature": lifecycle.sign(job.secret, job.algorithm, timestamp, body),
    }
    started = time.perf_counter()
    try:
        response = client.post(job.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return _Result(job, False, None, f"{type(exc).__name__}"[:300], int((time.perf_counter() - started) * 1000))
    latency = int((time.perf_counter() - started) * 1000)
    ok = 200 <= response.status_code < 300
    return _Result(job, ok, response.status_code, None if ok else f"HTTP {response.status_code}", latency)


def _settle(session: Session, results: list[_Result]) -> None:
    now = clock.now()
    deliveries = {d.id: d for d in repository.deliveries_by_ids(session, [r.job.id for r in results])}
    subscriptions = repository.subscriptions_by_ids(session, {r.job.subscription_id for r in results})
    answering: set[int] = set()
    for result in results:
        delivery = deliveries.get(result.job.id)
        subscription = subscriptions.get(result.job.subscription_id)
        if delivery is None or subscription is None or delivery.status != DeliveryStatus.pending:
            continue  # deleted meanwhile
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code, delivery.last_latency_ms = result.status_code, result.latency_ms
        if result.ok:
            DELIVERIES.labels("delivered").inc()
            LATENCY.observe((now - delivery.occurred_at).total_seconds())
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.delivered.value, now, None
            delivery.next_attempt_at = None
            subscription.failure_streak, subscription.failing_since = 0, None
            answering.add(subscription.id)
            continue
        delivery.last_error = result.error
        subscription.failure_streak += 1
        subscription.failing_since = subscription.failing_since or now
        if lifecycle.is_dead(delivery.queued_at, now):
            DELIVERIES.labels("dead").inc()
            delivery.status, delivery.next_attempt_at = DeliveryStatus.dead.value, None
            log.error("push delivery dead-lettered after %d attempts (subscription %s)", delivery.attempts,
                      subscription.ref, extra={"alert": "webhook_dead_letter"})
            audit.record(session, None, "webhook.dead_lettered", object_type="webhook_subscription",
                         object_id=subscription.id, detail={"delivery": delivery.ref, "event": delivery.event_id,
                                                            "attempts": delivery.attempts, "error": result.error},
                         actor_name="system")
        else:
            DELIVERIES.labels("retry").inc()
            delivery.next_attempt_at = now + lifecycle.backoff(delivery.attempts)
        if (subscription.state == SubscriptionState.active
                and lifecycle.should_pause(subscription.failure_streak, subscription.failing_since, now)):
            subscription.state, subscription.paused_at = SubscriptionState.paused.value, now
            subscription.paused_reason = f"连续 {subscription.failure_streak} 次投递失败，已自动暂停"
            log.error("push subscription %s paused after %d failures", subscription.ref,
                      subscription.failure_streak, extra={"alert": "webhook_paused"})
            audit.record(session, None, "webhook.subscription_paused", object_type="webhook_subscription",
                         object_id=subscription.id, detail={"reason": subscription.paused_reason},
                         actor_name="system")
    # a receiver back after an outage gets what queued up while it was away now, not after each
    # delivery's back-off (those refused while it was up keep theirs)
    repository.resend_after_outage(session, answering, now)
