"""Delivery of queued notifications (the ``notify.deliver`` job).

Rules, and why:

* **One job per notification, locked.** :func:`~hotline.notify.service.notify` enqueues the
  job under a de-duplication key, and the handler locks the notification row; a notification
  that is no longer ``pending`` (or already has a gateway id) is never sent again, so a
  duplicated or retried job does nothing.
* **Temporary failures go back to the job system.** On :class:`~hotline.notify.sms.SmsError`
  (or any other error) the handler raises: the job transaction rolls back and the job system
  retries with exponential back-off (``kit.jobs.backoff``). While retries run, the job row
  holds the attempt count and the last error; the notification row stays ``pending``.
* **The last attempt settles the notification.** The handler reads its own job's attempt
  count (found by the de-duplication key). On the job's last attempt a failure is not raised
  but recorded: the notification becomes ``failed`` with ``last_error`` and the job completes,
  so no notification stays ``pending`` after its job has given up. (Writing the count in a
  separate transaction is no option: on SQLite the job transaction already holds the single
  write lock, so a second connection would wait for it until its busy timeout.)
* **A permanent refusal is final at once:** :class:`~hotline.notify.sms.SmsRejected` marks the
  notification ``failed`` without retry.

Delivery is **at least once**. The gateway call happens inside the job transaction, and the
``sent`` status commits with the job. If the worker dies after the gateway accepted the
message but before that commit, the job is still pending and the message is sent again on
the next run. Nothing committed is lost; a crash at that exact moment can duplicate one SMS.
(Exactly once would need the gateway to de-duplicate on a key we send.)
"""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import Counter
from sqlalchemy.orm import Session

from hotline.kit import clock, jobs
from hotline.kit.logging import scrub
from hotline.notify import repository, sms
from hotline.notify.models import Notification, NotificationStatus
from hotline.notify.service import DELIVER_JOB, delivery_key

log = logging.getLogger(__name__)
NOTIFICATIONS = Counter("hotline_notifications_total", "Notification delivery attempts", ["channel", "outcome"])


@jobs.handler(DELIVER_JOB)
def deliver(session: Session, payload: dict[str, Any]) -> None:
    """Send one pending notification through the configured SMS adapter."""
    notification = repository.for_delivery(session, int(payload["id"]))
    if notification is None:
        log.warning("notification %s no longer exists; nothing to send", payload.get("id"))
        return
    if notification.status != NotificationStatus.pending:
        return  # settled by an earlier run
    if notification.gateway_id is not None:
        # The gateway already took it: repair the status, never send twice.
        _settle(notification, NotificationStatus.sent, notification.attempts)
        return

    job = repository.job_by_dedupe_key(session, delivery_key(notification.id))
    attempt = (job.attempts if job is not None else 0) + 1
    last_attempt = job is not None and attempt >= job.max_attempts
    try:
        gateway_id = sms.get_adapter().send(notification.recipient, notification.body)
    except sms.SmsRejected as exc:
        _settle(notification, NotificationStatus.failed, attempt, error=_describe(exc))
        NOTIFICATIONS.labels(notification.channel, "rejected").inc()
        log.warning("notification %s rejected by the gateway: %s", notification.id, _describe(exc))
        return
    except Exception as exc:
        if not last_attempt:
            NOTIFICATIONS.labels(notification.channel, "retry").inc()
            raise  # the job system rolls back and retries with back-off
        _settle(notification, NotificationStatus.failed, attempt, error=_describe(exc))
        NOTIFICATIONS.labels(notification.channel, "failed").inc()
        log.warning("notification %s failed after %d attempts: %s", notification.id, attempt, _describe(exc))
        return
    _settle(notification, NotificationStatus.sent, attempt, gateway_id=gateway_id)
    NOTIFICATIONS.labels(notification.channel, "sent").inc()
    log.info("notification %s sent (attempt %d)", notification.id, attempt)


def _settle(notification: Notification, status: NotificationStatus, attempts: int, *,
            gateway_id: str | None = None, error: str | None = None) -> None:
    notification.status = status
    notification.attempts = attempts
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
