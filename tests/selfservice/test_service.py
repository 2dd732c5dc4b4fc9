"""The public door's rules below the API: configurable limits, the failure-fed number lock
and the clean-up of what a submission leaves behind."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from hotline.config import get_settings
from hotline.kit import ratelimit
from hotline.kit.ratelimit import Limit, TooManyRequests
from hotline.selfservice import service
from hotline.selfservice.models import PublicSubmission, WithdrawalCode
from hotline.workorder.service import IntakeData
from tests.selfservice.codes import last_code

PHONE = "13700002468"


def appeal(**change):  # type: ignore[no-untyped-def]
    return IntakeData(**{"channel": "web", "appeal_type": "help", "title": "路灯不亮", "content": "幸福路路灯坏了",
                         "phone": PHONE, **change})


def rows(db, model):  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(model))


def test_the_per_phone_code_limit_follows_the_settings(db, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "public_codes_per_phone_hour", 1)
    service.submit(db, appeal(), client="10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        service.submit(db, appeal(), client="10.0.0.2")
    assert refused.value.retry_after > 0 and "验证码" in refused.value.message


def test_peek_sees_the_current_windows_hits_without_counting_one(db):
    limit = Limit("test.peek", 2, dt.timedelta(minutes=5))
    assert ratelimit.peek(db, limit, "HL20261205000001").count == 0
    ratelimit.count(db, limit, "HL20261205000001")
    assert ratelimit.peek(db, limit, "HL20261205000001").count == 1
    assert ratelimit.peek(db, limit, "HL20261205000001").count == 1
    assert ratelimit.peek(db, limit, "HL20261205000002").count == 0


def test_a_confirmed_order_is_not_withdrawable_with_a_code_sent_for_another_order(db, world):
    pending = service.submit(db, appeal(), client="10.0.0.1")
    first, _ = service.confirm(db, token=pending.token, code=last_code(db, PHONE))
    pending = service.submit(db, appeal(title="井盖缺失"), client="10.0.0.1")
    second, _ = service.confirm(db, token=pending.token, code=last_code(db, PHONE))
    service.send_withdrawal_code(db, number=first.number, phone=PHONE, client="10.0.0.1")
    code = last_code(db, PHONE, "public_withdrawal_code")
    with pytest.raises(service.CodeUnusable):
        service.withdraw(db, number=second.number, phone=PHONE, code=code, reason=None, client="10.0.0.1")
    assert service.withdraw(db, number=first.number, phone=PHONE, code=code, reason=None,
                            client="10.0.0.1").status.value == "withdrawn"


def test_housekeeping_forgets_submissions_and_codes_a_day_after_they_expired(db, world, travel):
    pending = service.submit(db, appeal(), client="10.0.0.1")
    order, _ = service.confirm(db, token=pending.token, code=last_code(db, PHONE))
    service.submit(db, appeal(title="另一件"), client="10.0.0.1")
    service.send_withdrawal_code(db, number=order.number, phone=PHONE, client="10.0.0.1")
    db.flush()
    assert service.housekeeping(db) == 0
    travel.shift(dt.timedelta(hours=23))
    assert service.housekeeping(db) == 0 and rows(db, PublicSubmission) == 2
    travel.shift(dt.timedelta(hours=2))
    assert service.housekeeping(db) == 3
    assert rows(db, PublicSubmission) == 0 and rows(db, WithdrawalCode) == 0
