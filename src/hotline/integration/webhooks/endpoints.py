"""JSON API of the push (administrators with ``manage_integrations``, within their region;
the allow-list is the province administrator's) and of the pull feed (any account that
reads work orders, scoped as it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Response
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.integration.webhooks import repository, service
from hotline.integration.webhooks.lifecycle import EVENT_TYPES
from hotline.integration.webhooks.models import Delivery, Subscription
from hotline.integration.webhooks.schemas import (
    DeliveryOut,
    EventTypeOut,
    FeedOut,
    NewSubscriptionOut,
    ReplayIn,
    ReplayOut,
    SecretOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
    TargetIn,
    TargetOut,
    VersionIn,
)
from hotline.kit.errors import InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["webhooks"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Administrators (manage_integrations) only"},
    404: {"description": "No such subscription in the administrator's region"},
    409: {"description": "Stale version or illegal state change"},
    422: {"description": "Invalid field (named)"},
}


@router.get("/webhooks/event-types", response_model=list[EventTypeOut])
def event_types(principal: CurrentPrincipal) -> list[EventTypeOut]:
    del principal
    return [EventTypeOut(type=t, name=name) for t, (name, _) in EVENT_TYPES.items()]


@router.get("/webhooks/targets", response_model=list[TargetOut], responses=ERRORS)
def list_targets(principal: CurrentPrincipal, db: Db) -> list[TargetOut]:
    return [TargetOut(ref=t.ref, pattern=t.pattern, allow_http=t.allow_http, note=t.note, created_at=t.created_at)
            for t in service.list_targets(db, principal)]


@router.post("/webhooks/targets", response_model=TargetOut, status_code=201, responses=ERRORS)
def add_target(body: TargetIn, principal: CurrentPrincipal, db: Db) -> TargetOut:
    """Allow a target (province administrator): subscriptions may send only to these."""
    t = service.add_target(db, principal, pattern=body.pattern, allow_http=body.allow_http, note=body.note)
    return TargetOut(ref=t.ref, pattern=t.pattern, allow_http=t.allow_http, note=t.note, created_at=t.created_at)


@router.delete("/webhooks/targets/{ref}", status_code=204, responses=ERRORS)
def remove_target(ref: str, principal: CurrentPrincipal, db: Db) -> Response:
    service.remove_target(db, principal, ref)
    return Response(status_code=204)


def subscription_out(db: Session, s: Subscription, counts: dict[tuple[int, str], int] | None = None
                     ) -> dict[str, Any]:
    counts = counts if counts is not None else repository.counts_by_status(db, [s.id])
    owner = db.get(User, s.owner_id)
    return {"ref": s.ref, "name": s.name, "owner": owner.username if owner else "", "url": s.url,
            "event_types": s.event_types, "region_codes": s.region_codes, "category_codes": s.category_codes,
            "algorithm": s.algorithm, "state": s.state, "paused_reason": s.paused_reason, "paused_at": s.paused_at,
            "failure_streak": s.failure_streak, "pending": counts.get((s.id, "pending"), 0),
            "delivered": counts.get((s.id, "delivered"), 0), "dead": counts.get((s.id, "dead"), 0),
            "created_at": s.created_at, "version": s.version}


@router.get("/webhooks/subscriptions", response_model=list[SubscriptionOut], responses=ERRORS)
def list_subscriptions(principal: CurrentPrincipal, db: Db) -> list[SubscriptionOut]:
    rows = service.list_subscriptions(db, principal)
    counts = repository.counts_by_status(db, [s.id for s in rows])
    return [SubscriptionOut(**subscription_out(db, s, counts)) for s in rows]


@router.post("/webhooks/subscriptions", response_model=NewSubscriptionOut, status_code=201, responses=ERRORS)
def create_subscription(body: SubscriptionIn, principal: CurrentPrincipal, db: Db) -> NewSubscriptionOut:
    """A subscription of an account of the administrator's region. The signing secret is in
    this answer only. Events committed from now on are pushed."""
    s, secret = service.create_subscription(db, principal, service.SubscriptionData(
        name=body.name, url=body.url, event_types=body.event_types, owner=body.owner,
        region_codes=body.region_codes, category_codes=body.category_codes, algorithm=body.algorithm))
    return NewSubscriptionOut(**subscription_out(db, s), secret=secret)


@router.get("/webhooks/subscriptions/{ref}", response_model=SubscriptionOut, responses=ERRORS)
def get_subscription(ref: str, principal: CurrentPrincipal, db: Db) -> SubscriptionOut:
    return SubscriptionOut(**subscription_out(db, service.access_subscription(db, principal, ref)))


@router.patch("/webhooks/subscriptions/{ref}", response_model=SubscriptionOut, responses=ERRORS)
def update_subscription(ref: str, body: SubscriptionPatch, principal: CurrentPrincipal, db: Db) -> SubscriptionOut:
    s = service.access_subscription(db, principal, ref)
    data = service.SubscriptionData(
        name=body.name if body.name is not None else s.name, url=body.url if body.url is not None else s.url,
        event_types=body.event_types if body.event_types is not None else list(s.event_types),
        region_codes=body.region_codes if body.region_codes is not None else list(s.region_codes),
        category_codes=body.category_codes if body.category_codes is not None else list(s.category_codes),
        algorithm=body.algorithm if body.algorithm is not None else s.algorithm)
    service.update_subscription(db, principal, s, data, version=body.version)
    return SubscriptionOut(**subscription_out(db, s))


@router.delete("/webhooks/subscriptions/{ref}", status_code=204, responses=ERRORS)
def delete_subscription(ref: str, principal: CurrentPrincipal, db: Db,
                        version: Annotated[int | None, Query(ge=1)] = None) -> Response:
    service.delete_subscription(db, principal, service.access_subscription(db, principal, ref), version=version)
    return Response(status_code=204)


@router.post("/webhooks/subscriptions/{ref}/pause", response_model=SubscriptionOut, responses=ERRORS)
def pause(ref: str, body: VersionIn, principal: CurrentPrincipal, db: Db) -> SubscriptionOut:
    s = service.pause(db, principal, service.access_subscription(db, principal, ref), reason=body.reason,
                      version=body.version)
    return SubscriptionOut(**subscription_out(db, s))


@router.post("/webhooks/subscriptions/{ref}/resume", response_model=SubscriptionOut, responses=ERRORS)
def resume(ref: str, body: VersionIn, principal: CurrentPrincipal, db: Db) -> SubscriptionOut:
    s = service.resume(db, principal, service.access_subscription(db, principal, ref), version=body.version)
    return SubscriptionOut(**subscription_out(db, s))


@router.post("/webhooks/subscriptions/{ref}/rotate-secret", response_model=SecretOut, responses=ERRORS)
def rotate_secret(ref: str, body: VersionIn, principal: CurrentPrincipal, db: Db) -> SecretOut:
    """A new signing secret (shown once); the old one stops signing at once."""
    s = service.access_subscription(db, principal, ref)
    return SecretOut(secret=service.rotate_secret(db, principal, s, version=body.version))


def delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(ref=d.ref, event_id=d.event_id, event_type=d.event_type, occurred_at=d.occurred_at,
                       status=d.status, attempts=d.attempts, last_status_code=d.last_status_code,
                       last_error=d.last_error, last_latency_ms=d.last_latency_ms, next_attempt_at=d.next_attempt_at,
                       delivered_at=d.delivered_at, replays=d.replays)


def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(field, "时间应带时区（如 2026-12-01T00:00:00+08:00）")
    return value


@router.get("/webhooks/subscriptions/{ref}/deliveries", response_model=list[DeliveryOut], responses=ERRORS)
def deliveries(ref: str, principal: CurrentPrincipal, db: Db, response: Response,
               status: Annotated[str | None, Query(max_length=16)] = None,
               since: dt.datetime | None = None, until: dt.datetime | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> list[DeliveryOut]:
    """The delivery log, newest event first: status, attempts, response code, latency."""
    s = service.access_subscription(db, principal, ref)
    rows, total = service.delivery_log(db, s, status=status, since=_aware(since, "since"),
                                       until=_aware(until, "until"), limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    return [delivery_out(d) for d in rows]


@router.post("/webhooks/subscriptions/{ref}/deliveries/{delivery}/replay", response_model=ReplayOut,
             responses=ERRORS)
def replay_one(ref: str, delivery: str, principal: CurrentPrincipal, db: Db) -> ReplayOut:
    s = service.access_subscription(db, principal, ref)
    return ReplayOut(requeued=service.replay(db, principal, s, delivery_ref=delivery))


@router.post("/webhooks/subscriptions/{ref}/replay", response_model=ReplayOut, responses=ERRORS)
def replay_range(ref: str, body: ReplayIn, principal: CurrentPrincipal, db: Db) -> ReplayOut:
    """Send again every delivery of events that occurred in ``[since, until)`` (at most 31 days)."""
    s = service.access_subscription(db, principal, ref)
    return ReplayOut(requeued=service.replay(db, principal, s, since=_aware(body.since, "since"),
                                             until=_aware(body.until, "until")))


@router.get("/feed", response_model=FeedOut, responses={403: {"description": "The account reads no work orders"},
                                                        422: {"description": "Malformed cursor or unknown type"}})
def feed(principal: CurrentPrincipal, db: Db, after: Annotated[str | None, Query(max_length=20)] = None,
         limit: Annotated[int, Query(ge=1, le=500)] = 100,
         types: Annotated[str | None, Query(max_length=500, description="comma-separated event types")] = None
         ) -> FeedOut:
    """The pushed events as a pull feed: the events after ``after`` that the caller may see,
    as the push would send them to it. Gap-free: pass ``next_cursor`` back as ``after``."""
    wanted = [t.strip() for t in (types or "").split(",") if t.strip()]
    events, cursor, more = service.feed(db, principal, after=service.parse_cursor(after), limit=limit, types=wanted)
    return FeedOut(events=events, next_cursor=str(cursor), has_more=more)
