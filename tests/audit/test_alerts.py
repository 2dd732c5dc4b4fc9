"""Security alerts (issue 18 items 1, 5 and 29) reach the administrators responsible: a text
through the outbox (a skipped row for one without a phone), once an hour per subject, and a
panel on their home page — never a citizen's name or number in the text or the log."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import select

from hotline.audit import alerts
from hotline.audit.models import AuditEvent
from hotline.auth import service as auth_service
from hotline.config import get_settings
from hotline.kit import clock
from hotline.notify import service as notify
from hotline.notify.models import Notification, NotificationStatus
from tests.factories import user_of

ADMIN_PHONE = "13900001111"  # the province administrator's, set by the tests that need it
STAFF_PHONE = "13700000000"  # every other test account's
OTHER_ADMIN_PHONE = "13700000002"  # 云岭市's administrator's, set by the test that needs it
CITIZEN_PHONE, CITIZEN_NAME = "13812348000", "张三丰"  # the world's citizen
ORDER = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮",
         "content": "幸福路 12 号小区门口路灯坏了", "category_code": "010101", "region_code": "990102001",
         "address": "幸福路12号", "phone": "13911112222"}


@pytest.fixture
def still(travel):  # type: ignore[no-untyped-def]
    """The clock stands at five past the next full hour (alerts are deduplicated per
    clock hour), so that a test's steps fall in the hour they mean."""
    hour = clock.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1, minutes=5)
    travel.move_to(hour, tick=False)
    return travel


def texts(db) -> list[Notification]:  # type: ignore[no-untyped-def]
    db.commit()
    return list(db.scalars(select(Notification).where(Notification.template == alerts.TEMPLATE)
                           .order_by(Notification.id)).all())


def by_recipient(db) -> dict[str, list[Notification]]:  # type: ignore[no-untyped-def]
    """Alert texts per recipient: the phone of a queued one, the account named by a skipped one."""
    out: dict[str, list[Notification]] = {}
    for n in texts(db):
        skipped_for = (n.last_error or "").split("（")[-1].rstrip("）")
        key = n.recipient if n.status == NotificationStatus.pending else skipped_for
        out.setdefault(key, []).append(n)
    return out


def audit_rows(db, action: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    db.commit()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def give_province_admin_a_phone(db) -> None:  # type: ignore[no-untyped-def]
    user_of(db, "admin").phone = ADMIN_PHONE
    db.commit()


def fail_login(db, username: str, ip: str) -> None:  # type: ignore[no-untyped-def]
    assert not auth_service.login(db, username=username, password="wrong-Password-1", ip=ip).ok
    db.flush()


def no_personal_data(text: str) -> None:
    for secret in (CITIZEN_PHONE, CITIZEN_NAME, "203.0.113", "198.51.100"):
        assert secret not in text, (secret, text)


# --- each kind reaches the administrators responsible ----------------------------------------


def test_password_spraying_texts_the_province_administrator_once_an_hour(db, world, still, monkeypatch, caplog):
    give_province_admin_a_phone(db)
    monkeypatch.setattr(get_settings(), "login_client_max_failures", 3)
    with caplog.at_level(logging.WARNING):
        for i in range(3):
            fail_login(db, f"user{i}", "203.0.113.9")
        still.shift(600)  # a second burst from another address in the same hour is a new subject
        for i in range(3):
            fail_login(db, f"user{i}", "198.51.100.9")
    sent = texts(db)
    assert [(n.status, n.recipient) for n in sent] == [(NotificationStatus.pending, ADMIN_PHONE)] * 2
    assert "同一地址短时间内登录失败 3 次" in sent[0].body and sent[0].body.startswith("【12345安全告警】")
    assert len(audit_rows(db, "security.password_spraying")) == 2  # the address is no city's: no city admin
    lines = [r.getMessage() for r in caplog.records if getattr(r, "alert", None) == "security.password_spraying"]
    assert len(lines) == 2
    for text in [n.body for n in sent] + lines:
        no_personal_data(text)


def test_an_attacked_account_is_reported_to_its_city_admin_and_the_province_admin_without_a_phone(
        db, world, still, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_attack_failures", 3)
    for i in range(5):  # a botnet: one try from each address; the alert comes at the third
        fail_login(db, "handler", f"203.0.113.{10 + i}")
    got = by_recipient(db)
    assert set(got) == {STAFF_PHONE, "admin"}  # 青川市's admin and the province's; not 云岭市's
    city, = got[STAFF_PHONE]
    province, = got["admin"]
    assert city.status == NotificationStatus.pending and "账号 handler 短时间内被多个地址尝试登录失败 3 次" in city.body
    assert province.status == NotificationStatus.skipped and province.last_error == f"{notify.NO_USER_PHONE}（admin）"
    alert, = audit_rows(db, "security.account_under_attack")
    assert alert.detail["region_code"] == "990100" and alert.detail["user_id"] == world.user_ids["handler"]


def test_an_attack_on_a_name_that_is_no_account_repeats_the_name_nowhere(db, world, still, monkeypatch, caplog):
    give_province_admin_a_phone(db)
    monkeypatch.setattr(get_settings(), "login_attack_failures", 2)
    with caplog.at_level(logging.WARNING):
        for i in range(2):  # whoever attacks chose the name: a citizen's number, here
            fail_login(db, CITIZEN_PHONE, f"203.0.113.{30 + i}")
    sent, = texts(db)
    assert sent.recipient == ADMIN_PHONE and "一个不存在的账号" in sent.body
    line, = [r.getMessage() for r in caplog.records if getattr(r, "alert", None)]
    no_personal_data(sent.body)
    no_personal_data(line)


def test_reading_many_citizens_texts_the_admins_once_an_hour_without_the_citizen(api, db, world, still, monkeypatch,
                                                                                   caplog):
    settings = get_settings()
    monkeypatch.setattr(settings, "citizen_read_limit", 50)
    monkeypatch.setattr(settings, "citizen_read_alert_at", 2)
    monkeypatch.setattr(settings, "citizen_read_window_seconds", 60)
    agent = api("agent")

    def read_twice() -> None:
        for _ in range(2):
            assert agent.get(f"/api/v1/citizens/{world.citizen_ref}").status_code == 200

    with caplog.at_level(logging.WARNING):
        read_twice()
        still.shift(120)  # a new reading window: the detector fires again, within the hour
        read_twice()
        assert [a.detail["count"] for a in audit_rows(db, "citizen.bulk_read_alert")] == [2]
        assert {k: len(v) for k, v in by_recipient(db).items()} == {STAFF_PHONE: 1, "admin": 1}
        still.shift(3600)  # the next hour: told again
        read_twice()
    assert {k: len(v) for k, v in by_recipient(db).items()} == {STAFF_PHONE: 2, "admin": 2}
    assert len(audit_rows(db, "citizen.bulk_read_alert")) == 2
    body = by_recipient(db)[STAFF_PHONE][0].body
    assert "账号 agent 短时间内查看诉求人信息 2 次" in body
    lines = [r.getMessage() for r in caplog.records if getattr(r, "alert", None) == "citizen.bulk_read_alert"]
    assert len(lines) == 2 and "account agent" in lines[0]
    for text in [n.body for n in texts(db)] + lines:
        no_personal_data(text)


def test_many_refusals_in_a_row_text_the_admins_of_the_accounts_city(api, db, world, still, monkeypatch):
    monkeypatch.setattr(get_settings(), "access_denied_alert_at", 3)
    user_of(db, "other_admin").phone = OTHER_ADMIN_PHONE
    db.commit()
    number = api("agent").post("/api/v1/work-orders", json=ORDER).json()["number"]
    outsider = api("other_handler")  # 云岭市住建局
    for _ in range(7):
        assert outsider.get(f"/api/v1/work-orders/{number}").status_code == 404
    got = by_recipient(db)
    assert set(got) == {OTHER_ADMIN_PHONE, "admin"} and len(got[OTHER_ADMIN_PHONE]) == 1  # not 青川市's admin
    body = got[OTHER_ADMIN_PHONE][0].body
    assert "账号 other_handler 短时间内越权访问被拒绝 3 次" in body
    assert number not in body and ORDER["phone"] not in body
    alert, = audit_rows(db, "access.denied_alert")
    assert alert.detail["region_code"] == "990200"


def test_an_unknown_alert_kind_is_a_programming_error(db, world):
    with pytest.raises(ValueError, match="unknown security alert"):
        alerts.raise_alert(db, "security.something", subject="x", detail={})


# --- the home page -------------------------------------------------------------------------------


@pytest.fixture
def refused(api, db, world, monkeypatch):  # type: ignore[no-untyped-def]
    """``other_handler`` (云岭市) refused three times in a row: one ``access.denied_alert``."""
    monkeypatch.setattr(get_settings(), "access_denied_alert_at", 3)
    number = api("agent").post("/api/v1/work-orders", json=ORDER).json()["number"]
    for _ in range(3):
        assert api("other_handler").get(f"/api/v1/work-orders/{number}").status_code == 404
    assert len(audit_rows(db, "access.denied_alert")) == 1


def panel(html: str) -> str | None:
    if 'id="security-alerts"' not in html:
        return None
    return html.split('id="security-alerts"')[1].split("</div>")[0]


def test_the_admins_of_the_region_see_the_alert_on_their_home_page(api, world, refused):
    for username in ("admin", "other_admin"):
        shown = panel(api(username).get("/").text)
        assert shown is not None and "告警：短时间内多次越权访问" in shown, username
        assert "账号 other_handler 短时间内越权访问被拒绝 3 次" in shown
        assert f'href="/admin/users/{world.user_ids["other_handler"]}"' in shown
        assert "/audit?" not in shown  # administrators do not read the audit log (separation of duties)
    other_city = panel(api("city_admin").get("/").text)
    assert other_city is not None and "越权访问" not in other_city and "近 7 天没有安全告警" in other_city


def test_the_auditor_sees_the_alert_with_a_link_to_the_audit_log_filtered_on_it(api, refused):
    auditor = api("auditor")
    shown = panel(auditor.get("/").text)
    assert shown is not None and "告警：短时间内多次越权访问" in shown
    link = shown.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith("/audit?action=access.denied_alert&since=")
    log = auditor.get(link)
    assert log.status_code == 200 and "告警：短时间内多次越权访问" in log.text
    assert "越权访问被拒绝</td>" not in log.text.split('id="audit-table"')[1]  # the plain refusals are filtered out


def test_an_address_alert_shows_to_the_province_admin_only(api, db, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_client_max_failures", 3)
    for i in range(3):
        fail_login(db, f"user{i}", "203.0.113.9")
    db.commit()
    province = panel(api("admin").get("/").text)
    assert province is not None and "同一地址短时间内登录失败 3 次" in province and "203.0.113.9" not in province
    city = panel(api("city_admin").get("/").text)
    assert city is not None and "登录失败" not in city


@pytest.mark.parametrize("username", ["agent", "handler", "supervisor"])
def test_no_one_else_sees_the_panel(api, refused, username):
    html = api(username).get("/").text
    assert panel(html) is None and "安全告警" not in html


def test_alerts_older_than_a_week_leave_the_panel(api, refused, travel):
    travel.shift(dt.timedelta(days=alerts.SHOWN_DAYS, minutes=1))
    shown = panel(api("admin").get("/").text)
    assert shown is not None and "越权访问" not in shown
