"""The outbox relay: delivery of queued notifications by the worker.

Rules, and why:

* **The notification row is the outbox entry.** :func:`~hotline.notify.service.notify` writes
  it, due at once, with the change that causes it; the relay delivers every pending row that
  is due. Nothing else has to be queued, so nothing can be queued twice.
* **No database lock while the gateway is called.** A batch is leased in a short transaction
  (its rows become due again only after :data:`LEASE`, so another worker skips them); then each
  message is sent with no transaction open, and its outcome recorded in a short transaction
  of its own **before the next message is sent**. A slow SMS gateway never holds SQLite's write
  lock or a PostgreSQL row lock. A gateway that de-duplicates on the idempotency key
  (``dedupes``: the log adapter, or ``HOTLINE_SMS_GATEWAY_DEDUPES`` for the HTTP one) has up
  to :data:`GROUP` outcomes recorded together: a crash re-sends at most those, and the
  gateway delivers each once (one transaction per message was most of the relay's cost).
* **A lease is never overrun.** A message not yet sent when less than :data:`LEASE_MARGIN` of
  the lease remains (a slow gateway) is handed back, due at once, instead of being sent while
  another worker may take it.
* **Temporary failures are retried with back-off** (``kit.jobs.backoff``): the row stays
  ``pending`` with its attempt count and last error, due again later. After
  :data:`MAX_ATTEMPTS` it becomes ``failed``, so none stays pending for ever.
* **A permanent refusal is final at once:** :class:`~hotline.notify.sms.SmsRejected` marks the
  notification ``failed`` without retry.
* **A row that already has a gateway id is never sent again**, only marked ``sent``.
* **Every send carries the notification's idempotency key** (:func:`idempotency_key`, stable
  across attempts): a gateway that honours it delivers a repeated message once.

Delivery is **at least once**. If the worker dies after the gateway accepted a message but
before its outcome is recorded, the lease runs out and that one message is sent again — only
the message in flight, never the batch before it (each outcome is committed before the next
send), and not even that one where the gateway de-duplicates on the key (which is why only
such a gateway has its outcomes recorded in groups). Nothing committed is lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from prometheus_client import Counter

from hotline.kit import clock, crypto, jobs
from hotline.kit.db import SessionFactory, transaction
from hotline.kit.logging import scrub
from hotline.notify import repository, service, sms
from hotline.notify.models import Notification, NotificationStatus

log = logging.getLogger(__name__)
NOTIFICATIONS = Counter("hotline_notifications_total", "Notification delivery attempts", ["channel", "outcome"])


#: How long a worker holds a leased batch before other workers may take it again.
LEASE = dt.timedelta(seconds=60)
#: A message is sent only while at least this much of the lease remains (a gateway call
#: times out well within it), so no other worker can take it meanwhile.
LEASE_MARGIN = dt.timedelta(seconds=15)
MAX_ATTEMPTS = 8
BATCH = 200


@dataclass
class _Outcome:
    id: int
    status: NotificationStatus
    attempts: int
    gateway_id: str | None = None
    error: str | None = None


#: Outcomes recorded together at most, when the gateway de-duplicates (``dedupes``).
GROUP = 50


@jobs.poller("notify.deliver")
def deliver_due(factory: SessionFactory, limit: int = BATCH) -> int:
    """Send up to ``limit`` due notifications, recording each outcome before the next send —
    or, when the gateway de-duplicates on the idempotency key, up to :data:`GROUP` outcomes
    in one transaction (a crash then re-sends those few, and the gateway delivers each once);
    returns how many were taken."""
    with transaction(factory) as session:
        now = clock.now()
        until = now + LEASE
        leased = repository.lease_due(session, now, limit, until)
    group = GROUP if getattr(sms.get_adapter(), "dedupes", False) is True else 1
    outcomes: list[_Outcome] = []
    for index, n in enumerate(leased):
        if clock.now() >= until - LEASE_MARGIN:
            _record(factory, outcomes)
            outcomes = []
            with transaction(factory) as session:  # hand the rest back rather than overrun the lease
                repository.release(session, [m.id for m in leased[index:]], until, clock.now())
            log.warning("notification relay: %d messages handed back, the lease ran short", len(leased) - index)
            break
        outcomes.append(_send(n.id, n.recipient, n.body, n.gateway_id, n.attempts, n.channel,
                              idempotency_key(n.id, n.created_at)))
        if len(outcomes) >= group:
            _record(factory, outcomes)
            outcomes = []
    _record(factory, outcomes)
    return len(leased)


def idempotency_key(notification_id: int, created_at: dt.datetime) -> str:
    """The key a gateway may de-duplicate on: the same for every attempt of one notification,
    and different for a notification that reuses an id (a database restored from a backup)."""
    return f"hotline-{notification_id}-{created_at.astimezone(dt.UTC):%Y%m%d%H%M%S%f}"


def _record(factory: SessionFactory, outcomes: list[_Outcome]) -> None:
    """Commit messages' outcomes (a short transaction of their own)."""
    if not outcomes:
        return
    with transaction(factory) as session:
        repository.mark_sent(session, [(o.id, o.attempts, o.gateway_id) for o in outcomes
                                       if o.status == NotificationStatus.sent], clock.now())
        others = {o.id: o for o in outcomes if o.status != NotificationStatus.sent}
        for notification in repository.by_ids(session, list(others)) if others else []:  # retries, failures: rare
            if notification.status == NotificationStatus.pending:
                _apply(notification, others[notification.id])


def _send(notification_id: int, recipient: str, body: str, gateway_id: str | None, attempts: int,
          channel: str, key: str) -> _Outcome:
    if gateway_id is not None:
        # The gateway already took it: repair the status, never send twice.
        return _Outcome(notification_id, NotificationStatus.sent, attempts, gateway_id)
    attempt = attempts + 1
    if recipient == crypto.UNREADABLE:  # queued before the keys changed: never text the marker
        NOTIFICATIONS.labels(channel, "rejected").inc()
        log.warning("notification %s not sent: its recipient cannot be decrypted", notification_id)
        return _Outcome(notification_id, NotificationStatus.failed, attempt, error=service.UNREADABLE_PHONE)
    try:
        sent_id = sms.get_adapter().send(recipient, body, key=key)
    except sms.SmsRejected as exc:
        NOTIFICATIONS.labels(channel, "rejected").inc()
        log.warning("notification %s rejected by the gateway: %s", notification_id, _describe(exc))
        return _Outcome(notification_id, NotificationStatus.failed, attempt, error=_describe(exc))
    except Exception as exc:
        if attempt < MAX_ATTEMPTS:
            NOTIFICATIONS.labels(channel, "retry").inc()
            log.warning("notification %s attempt %d failed: %s", notification_id, attempt, _describe(exc))
            return _Outcome(notification_id, NotificationStatus.pending, attempt, error=_describe(exc))
        NOTIFICATIONS.labels(channel, "failed").inc()
        log.warning("notification %s failed after %d attempts: %s", notification_id, attempt, _describe(exc))
        return _Outcome(notification_id, NotificationStatus.failed, attempt, error=_describe(exc))
    NOTIFICATIONS.labels(channel, "sent").inc()
    log.info("notification %s sent (attempt %d)", notification_id, attempt)
    return _Outcome(notification_id, NotificationStatus.sent, attempt, sent_id)


def _apply(notification: Notification, outcome: _Outcome) -> None:
    if outcome.status == NotificationStatus.pending:
        notification.attempts = outcome.attempts
        notification.last_error = outcome.error
        notification.next_attempt_at = clock.now() + jobs.backoff(outcome.attempts)
        return
    _settle(notification, outcome.status, outcome.attempts, gateway_id=outcome.gateway_id, error=outcome.error)


def _settle(notification: Notification, status: NotificationStatus, attempts: int, *,
            gateway_id: str | None = None, error: str | None = None) -> None:
    notification.status = status
    notification.attempts = attempts
    notification.next_attempt_at = None
    if gateway_id is not None:
        notification.gateway_id = gateway_id
    if status == NotificationStatus.sent:
        notification.sent_at = notification.sent_at or clock.now()
        notification.last_error = None
    else:
        notification.last_error = error


def _describe(exc: BaseException) -> str:
    """An error for ``last_error`` and the log: adapters keep personal data out of their
    messages; anything else is scrubbed as a last line of defence."""
    text = str(exc) if isinstance(exc, sms.SmsError | sms.SmsRejected) else f"{type(exc).__name__}: {exc}"
    return scrub(text)[:500]
