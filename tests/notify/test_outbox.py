"""The notification outbox: queued with the change that causes it, delivered by the worker's
relay, retried with back-off, never sent twice for one committed run."""

import logging

import pytest
from sqlalchemy import func, select, text

from hotline.kit import clock, jobs
from hotline.kit.errors import InvalidInput
from hotline.notify import repository, service, sms, tasks
from hotline.notify.models import Notification, NotificationStatus
from hotline.notify.sms import SmsError, SmsRejected

PHONE = "13812348000"


class FakeGateway:
    """Records every send (and its idempotency key); ``failures`` are raised, one per call,
    before sends succeed; the call numbered ``die_on`` is accepted, then the worker dies;
    ``during`` runs inside every call (a slow gateway moving the clock)."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.keys: list[str | None] = []
        self.failures: list[BaseException] = []
        self.always: BaseException | None = None
        self.die_on: int | None = None
        self.during = None

    def send(self, phone, body, *, key=None):
        self.calls.append((phone, body))
        self.keys.append(key)
        if self.during is not None:
            self.during()
        if self.always is not None:
            raise self.always
        if self.failures:
            raise self.failures.pop(0)
        if len(self.calls) == self.die_on:
            raise WorkerDied()
        return f"gw-{len(self.calls)}"


class WorkerDied(BaseException):
    """Stands for the process being killed: nothing in the worker catches it."""


@pytest.fixture
def gateway():
    fake = FakeGateway()
    sms.set_adapter(fake)
    yield fake
    sms.set_adapter(None)


def accepted(session, phone=PHONE, **kwargs):
    return service.notify(session, template="order_accepted", recipient_kind="citizen", phone=phone,
                          body=service.render("order_accepted", number="20261122-0001"), **kwargs)


def test_a_notification_in_a_rolled_back_transaction_is_never_sent(db, factory, gateway):
    with db.begin_nested() as sp:
        accepted(db)
        sp.rollback()
    jobs.drain(factory)  # runs the periodic jobs too (e.g. the daily ledger's skipped text to a department)
    assert gateway.calls == []
    assert db.scalar(select(func.count()).select_from(Notification)
                     .where(Notification.template == "order_accepted")) == 0


def test_a_committed_notification_is_delivered_exactly_once(db, factory, gateway):
    n = accepted(db)
    db.commit()

    jobs.drain(factory)
    jobs.drain(factory)
    assert tasks.deliver_due(factory) == 0  # a second worker finds nothing left

    assert gateway.calls == [(PHONE, "您的诉求已受理，工单号 20261122-0001，可凭工单号和手机号查询办理进度。")]
    db.refresh(n)
    assert (n.status, n.gateway_id, n.attempts, n.last_error) == (NotificationStatus.sent, "gw-1", 1, None)
    assert n.sent_at is not None and n.next_attempt_at is None


def test_each_notification_is_delivered_on_its_own(db, factory, gateway):
    accepted(db), accepted(db, phone="13900001111")
    db.commit()
    assert tasks.deliver_due(factory) == 2
    assert sorted(phone for phone, _ in gateway.calls) == ["13812348000", "13900001111"]


def test_a_leased_batch_is_left_alone_by_other_workers_until_the_lease_ends(db, factory, gateway, travel):
    n = accepted(db)
    db.commit()
    with factory() as session:  # a worker leases the batch, then is killed before sending
        for row in repository.claim_due(session, clock.now(), 10):
            row.next_attempt_at = clock.now() + tasks.LEASE
        session.commit()
    assert tasks.deliver_due(factory) == 0
    travel.shift(tasks.LEASE.total_seconds() + 1)
    assert tasks.deliver_due(factory) == 1
    db.refresh(n)
    assert n.status == NotificationStatus.sent and len(gateway.calls) == 1


def test_a_temporary_failure_is_retried_with_back_off_and_then_succeeds(db, factory, gateway, travel):
    gateway.failures.append(SmsError("SMS gateway answered HTTP 503"))
    n = accepted(db)
    db.commit()

    jobs.drain(factory)
    db.refresh(n)
    assert n.status == NotificationStatus.pending
    assert n.attempts == 1 and "HTTP 503" in n.last_error
    assert n.next_attempt_at > clock.now()

    jobs.drain(factory)  # not due yet
    assert len(gateway.calls) == 1

    travel.shift(jobs.backoff(1).total_seconds() + 1)
    jobs.drain(factory)
    db.refresh(n)
    assert len(gateway.calls) == 2
    assert (n.status, n.gateway_id, n.attempts) == (NotificationStatus.sent, "gw-2", 2)


def test_a_permanent_rejection_marks_the_notification_failed_without_retry(db, factory, gateway, travel):
    gateway.failures.append(SmsRejected("SMS gateway answered HTTP 400 (invalid_number)"))
    n = accepted(db)
    db.commit()

    jobs.drain(factory)
    travel.shift(7200)
    jobs.drain(factory)

    db.refresh(n)
    assert len(gateway.calls) == 1
    assert (n.status, n.attempts, n.gateway_id) == (NotificationStatus.failed, 1, None)
    assert n.last_error == "SMS gateway answered HTTP 400 (invalid_number)"


def test_a_notification_still_failing_at_the_last_attempt_is_marked_failed_not_left_pending(
        db, factory, gateway, travel):
    gateway.always = SmsError("SMS gateway unreachable: timeout")
    n = accepted(db)
    db.commit()
    max_attempts = tasks.MAX_ATTEMPTS

    for _ in range(max_attempts + 2):
        jobs.drain(factory)
        travel.shift(3700)

    db.refresh(n)
    assert len(gateway.calls) == max_attempts
    assert (n.status, n.attempts) == (NotificationStatus.failed, max_attempts)
    assert n.last_error == "SMS gateway unreachable: timeout"


def test_an_unexpected_error_is_retried_like_a_temporary_one(db, factory, gateway):
    gateway.failures.append(ConnectionResetError("peer reset"))
    n = accepted(db)
    db.commit()
    jobs.drain(factory)
    db.refresh(n)
    assert n.status == NotificationStatus.pending
    assert "ConnectionResetError" in n.last_error


def test_a_worker_dying_after_the_gateway_accepted_sends_again_rather_than_losing_the_message(
        db, factory, gateway, travel):
    gateway.failures.append(WorkerDied())
    n = accepted(db)
    db.commit()

    with pytest.raises(WorkerDied):
        tasks.deliver_due(factory)  # the gateway got the call, the outcome was never recorded
    db.refresh(n)
    assert n.status == NotificationStatus.pending and n.attempts == 0

    travel.shift(tasks.LEASE.total_seconds() + 1)
    jobs.drain(factory)
    db.refresh(n)
    assert len(gateway.calls) == 2  # at least once: the message is sent again
    assert n.status == NotificationStatus.sent


def test_a_worker_killed_mid_batch_sends_again_only_the_message_in_flight(db, factory, gateway, travel):
    phones = [f"1390000{i:04d}" for i in range(6)]
    rows = [accepted(db, phone=phone) for phone in phones]
    db.commit()
    gateway.die_on = 4  # three messages sent and recorded, the fourth accepted, then the kill

    with pytest.raises(WorkerDied):
        tasks.deliver_due(factory)
    travel.shift(tasks.LEASE.total_seconds() + 1)
    jobs.drain(factory)

    sent = [phone for phone, _ in gateway.calls]
    assert sorted(sent) == sorted([*phones, phones[3]])  # one duplicate: the message in flight
    for row in rows:
        db.refresh(row)
    assert {row.status for row in rows} == {NotificationStatus.sent}


def test_a_deduplicating_gateway_has_its_outcomes_recorded_together_and_a_kill_resends_only_unrecorded_ones(
        db, factory, gateway, travel, monkeypatch):
    gateway.dedupes = True  # it delivers once per idempotency key
    monkeypatch.setattr(tasks, "GROUP", 3)
    phones = [f"1390000{i:04d}" for i in range(7)]
    rows = [accepted(db, phone=phone) for phone in phones]
    db.commit()
    commits = []
    original = tasks._record
    monkeypatch.setattr(tasks, "_record", lambda f, outcomes: (commits.append(len(outcomes)), original(f, outcomes)))
    gateway.die_on = 5  # the first group of three recorded; the fourth sent, the fifth accepted, then the kill

    with pytest.raises(WorkerDied):
        tasks.deliver_due(factory)
    assert commits == [3]
    for row in rows:
        db.refresh(row)
    assert [row.status for row in rows[:3]] == [NotificationStatus.sent] * 3
    assert {row.status for row in rows[3:]} == {NotificationStatus.pending}
    travel.shift(tasks.LEASE.total_seconds() + 1)
    jobs.drain(factory)
    sent = [phone for phone, _ in gateway.calls]
    assert sorted(sent) == sorted([*phones, phones[3], phones[4]])  # the group in flight again, keys unchanged
    assert gateway.keys.count(tasks.idempotency_key(rows[3].id, rows[3].created_at)) == 2
    for row in rows:
        db.refresh(row)
    assert {row.status for row in rows} == {NotificationStatus.sent}
    assert [n for n in commits[1:] if n] == [3, 1]  # 4 left: a group of three, then the last


def test_every_attempt_of_a_notification_carries_the_same_idempotency_key(db, factory, gateway, travel):
    gateway.failures.append(SmsError("SMS gateway answered HTTP 503"))
    first, second = accepted(db), accepted(db, phone="13900001111")
    db.commit()
    jobs.drain(factory)
    travel.shift(jobs.backoff(1).total_seconds() + 1)
    jobs.drain(factory)

    assert len(gateway.keys) == 3
    assert gateway.keys[0] == gateway.keys[2] == tasks.idempotency_key(first.id, first.created_at)
    assert gateway.keys[1] == tasks.idempotency_key(second.id, second.created_at) != gateway.keys[0]


def test_messages_left_when_the_lease_runs_short_are_handed_back_not_sent_late(db, factory, gateway, travel):
    first, second = accepted(db), accepted(db, phone="13900001111")
    db.commit()
    gateway.during = lambda: travel.shift((tasks.LEASE - tasks.LEASE_MARGIN).total_seconds())  # a slow gateway

    assert tasks.deliver_due(factory) == 2
    assert len(gateway.calls) == 1
    db.refresh(first), db.refresh(second)
    assert first.status == NotificationStatus.sent
    assert second.status == NotificationStatus.pending and second.attempts == 0
    assert second.next_attempt_at <= clock.now()  # due at once, not at the end of the lease
    gateway.during = None
    assert tasks.deliver_due(factory) == 1
    db.refresh(second)
    assert second.status == NotificationStatus.sent and len(gateway.calls) == 2


def test_a_notification_the_gateway_already_took_is_not_sent_again(db, factory, gateway):
    n = accepted(db)
    n.gateway_id = "gw-earlier"
    db.commit()
    jobs.drain(factory)
    db.refresh(n)
    assert gateway.calls == []
    assert (n.status, n.gateway_id) == (NotificationStatus.sent, "gw-earlier")


def test_the_phone_number_is_stored_encrypted(db):
    n = accepted(db, phone="+86 138-1234-8000")
    db.flush()
    stored = db.execute(text("SELECT recipient FROM notification WHERE id = :id"), {"id": n.id}).scalar_one()
    assert stored.startswith("t1:") and PHONE not in stored
    db.expire(n)
    assert n.recipient == PHONE


def test_delivering_through_the_log_adapter_logs_neither_the_phone_nor_the_body(db, factory, caplog):
    adapter = sms.LogAdapter()
    sms.set_adapter(adapter)
    try:
        n = accepted(db)
        db.commit()
        with caplog.at_level(logging.DEBUG):
            jobs.drain(factory)
    finally:
        sms.set_adapter(None)
    db.refresh(n)
    assert n.status == NotificationStatus.sent and n.gateway_id == adapter.sent[-1].id
    logged = " ".join(r.getMessage() + repr(vars(r)) for r in caplog.records)
    assert "138****8000" in logged
    assert PHONE not in logged and "20261122-0001" not in logged and "诉求" not in logged


def test_a_bad_phone_number_is_refused_naming_the_field(db):
    with pytest.raises(InvalidInput) as err:
        accepted(db, phone="12345")
    assert err.value.field == "phone"
    assert db.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_long_body_is_cut_to_the_sms_limit_with_an_ellipsis(db):
    n = service.notify(db, template="order_replied", recipient_kind="citizen", phone=PHONE,
                       body=service.render("order_replied", number="20261122-0001", reply="答" * 800))
    assert len(n.body) == service.SMS_MAX_CHARS and n.body.endswith("…")


def test_an_unknown_template_or_recipient_kind_is_a_programming_error(db):
    with pytest.raises(ValueError, match="template"):
        service.notify(db, template="nope", recipient_kind="citizen", phone=PHONE, body="x")
    with pytest.raises(ValueError, match="recipient_kind"):
        service.notify(db, template="order_accepted", recipient_kind="cat", phone=PHONE, body="x")


def test_templates_render_the_chinese_messages():
    assert service.render("unit_new_order", number="20261122-0001", sign_due="11月23日 10:00") == (
        "您单位有新的 12345 工单 20261122-0001，请在 11月23日 10:00 前签收。")
    assert service.render("unit_due_soon", number="A1", due="11月30日") == "工单 A1 将于 11月30日 到期，请及时办理。"
    assert service.render("order_replied", number="A1", reply="已修复。") == (
        "您的诉求（工单号 A1）承办单位已答复：已修复。")


def test_rendering_an_unknown_template_or_without_its_fields_raises_value_error():
    with pytest.raises(ValueError, match="unknown"):
        service.render("rectification_letter", number="A1")
    with pytest.raises(ValueError, match="sign_due"):
        service.render("unit_new_order", number="A1")


def test_a_work_orders_notifications_are_listed_and_counted_by_status(db, factory, gateway, world):
    unit_id = world.units["990100-zj"]
    first = accepted(db, work_order_id=7)
    second = service.notify(db, template="unit_new_order", recipient_kind="unit", phone="01012345678",
                            body=service.render("unit_new_order", number="A1", sign_due="明天"),
                            work_order_id=7, unit_id=unit_id)
    accepted(db, work_order_id=8)
    db.commit()
    gateway.failures.append(SmsRejected("SMS gateway answered HTTP 400"))
    jobs.drain(factory)

    assert [n.id for n in repository.for_work_order(db, 7)] == [first.id, second.id]
    counts = repository.count_by_status(db)
    assert counts[NotificationStatus.failed] == 1 and counts[NotificationStatus.sent] == 2
    assert counts[NotificationStatus.pending] == 0


def test_a_text_to_a_number_that_cannot_be_decrypted_is_recorded_as_skipped_and_the_action_goes_on(db):
    from hotline.kit import crypto

    row = accepted(db, phone=crypto.UNREADABLE)
    assert row.status == NotificationStatus.skipped and row.last_error == service.UNREADABLE_PHONE


def test_the_relay_never_texts_a_recipient_it_cannot_decrypt(db, factory, gateway):
    from hotline.kit import crypto

    queued = accepted(db)
    db.commit()
    foreign = crypto.PiiCipher([("t1", bytes(16))], bytes(32)).encrypt(PHONE)  # other keys, same key id
    db.execute(text("UPDATE notification SET recipient = :r WHERE id = :id"), {"r": foreign, "id": queued.id})
    db.commit()
    db.expire_all()
    jobs.drain(factory)
    assert gateway.calls == []
    failed = db.get(Notification, queued.id)
    assert failed.status == NotificationStatus.failed and failed.last_error == service.UNREADABLE_PHONE
