"""Administering the push: the allow-list (the province's administrator), subscriptions of
an administrator's region; every bad field a 422 naming it, stale versions 409, nothing
written by a refused request."""

import pytest
from sqlalchemy import func, select, text

from hotline.audit.models import AuditEvent
from hotline.integration.webhooks.models import Subscription
from tests.integration.webhooks.conftest import API

GOOD = {"name": "住建局推送", "owner": "handler", "url": "https://hooks.example.gov.cn/12345",
        "event_types": ["order.dispatched", "callback.recorded"]}


@pytest.fixture
def allowed(api):
    client = api("admin")
    assert client.post(f"{API}/targets", json={"pattern": "hooks.example.gov.cn"}).status_code == 201
    assert client.post(f"{API}/targets", json={"pattern": "127.0.0.1", "allow_http": True}).status_code == 201


def test_the_allow_list_is_the_province_administrators(api):
    assert api("city_admin").post(f"{API}/targets", json={"pattern": "a.example.cn"}).status_code == 403
    client = api("admin")
    created = client.post(f"{API}/targets", json={"pattern": "A.Example.cn", "note": "测试"})
    assert created.status_code == 201 and created.json()["pattern"] == "a.example.cn"
    assert client.post(f"{API}/targets", json={"pattern": "a.example.cn"}).status_code == 409
    bad = client.post(f"{API}/targets", json={"pattern": "0.0.0.0/0"})
    assert bad.status_code == 422 and bad.json()["field"] == "pattern"
    assert [t["pattern"] for t in api("city_admin").get(f"{API}/targets").json()] == ["a.example.cn"]
    assert client.delete(f"{API}/targets/{created.json()['ref']}").status_code == 204
    assert client.delete(f"{API}/targets/{created.json()['ref']}").status_code == 404


def test_a_subscription_is_created_with_its_secret_shown_once(api, allowed, db):
    client = api("city_admin")
    created = client.post(f"{API}/subscriptions", json=GOOD)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["state"] == "active" and body["owner"] == "handler"
    again = client.get(f"{API}/subscriptions/{body['ref']}").json()
    assert "secret" not in again and again["event_types"] == sorted(GOOD["event_types"])
    stored = db.scalars(select(Subscription)).one()
    assert stored.secret == body["secret"]  # kept (encrypted) to sign with
    raw = db.execute(text("SELECT secret FROM webhook_subscription")).scalar_one()
    assert body["secret"] not in raw
    assert db.scalar(select(func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action == "webhook.subscription_created")) == 1


@pytest.mark.parametrize(("change", "field"), [
    ({"url": "https://evil.example.com/x"}, "url"),
    ({"url": "http://hooks.example.gov.cn/12345"}, "url"),
    ({"url": "http://169.254.169.254/"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"event_types": []}, "event_types"),
    ({"event_types": ["order.exploded"]}, "event_types"),
    ({"owner": "nobody"}, "owner"),
    ({"owner": "other_handler"}, "owner"),  # another city's account
    ({"owner": "auditor"}, "owner"),  # reads no orders
    ({"algorithm": "md5"}, "algorithm"),
    ({"region_codes": ["99x"]}, "region_codes"),
    ({"name": " "}, "name"),
])
def test_bad_fields_are_422_and_write_nothing(api, allowed, db, change, field):
    response = api("city_admin").post(f"{API}/subscriptions", json={**GOOD, **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert db.scalar(select(func.count()).select_from(Subscription)) == 0


def test_changes_check_the_version_and_the_url(api, allowed):
    client = api("city_admin")
    sub = client.post(f"{API}/subscriptions", json=GOOD).json()
    changed = client.patch(f"{API}/subscriptions/{sub['ref']}", json={"name": "新名称", "version": sub["version"]})
    assert changed.status_code == 200 and changed.json()["version"] == sub["version"] + 1
    stale = client.patch(f"{API}/subscriptions/{sub['ref']}", json={"name": "又改", "version": sub["version"]})
    assert stale.status_code == 409
    bad = client.patch(f"{API}/subscriptions/{sub['ref']}", json={"url": "https://elsewhere.example.com/"})
    assert bad.status_code == 422 and bad.json()["field"] == "url"
    assert client.get(f"{API}/subscriptions/{sub['ref']}").json()["name"] == "新名称"


def test_another_citys_administrator_cannot_see_or_touch_it(api, allowed):
    sub = api("city_admin").post(f"{API}/subscriptions", json=GOOD).json()
    other = api("other_admin")
    assert other.get(f"{API}/subscriptions").json() == []
    for method, path in (("get", ""), ("patch", ""), ("delete", ""), ("post", "/pause"), ("get", "/deliveries")):
        kwargs = {"json": {}} if method in ("patch", "post") else {}
        assert getattr(other, method)(f"{API}/subscriptions/{sub['ref']}{path}", **kwargs).status_code == 404
    # the province's administrator sees every city's
    assert [s["ref"] for s in api("admin").get(f"{API}/subscriptions").json()] == [sub["ref"]]


def test_deleting_a_subscription(api, allowed, db):
    client = api("city_admin")
    sub = client.post(f"{API}/subscriptions", json=GOOD).json()
    assert client.delete(f"{API}/subscriptions/{sub['ref']}", params={"version": 99}).status_code == 409
    assert client.delete(f"{API}/subscriptions/{sub['ref']}").status_code == 204
    assert client.get(f"{API}/subscriptions/{sub['ref']}").status_code == 404


def test_replay_needs_a_range_of_at_most_31_days_with_time_zones(api, allowed):
    client = api("city_admin")
    sub = client.post(f"{API}/subscriptions", json=GOOD).json()
    path = f"{API}/subscriptions/{sub['ref']}/replay"
    for body, field in (({"since": "2026-12-01T00:00:00", "until": "2026-12-02T00:00:00"}, "since"),
                        ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "until"),
                        ({"since": "2026-10-01T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "until")):
        response = client.post(path, json=body)
        assert response.status_code == 422 and response.json()["field"] == field
    assert client.post(f"{API}/subscriptions/{sub['ref']}/deliveries/{'0' * 32}/replay").status_code == 404
    assert client.get(f"{API}/subscriptions/{sub['ref']}/deliveries", params={"status": "x"}).status_code == 422


def test_the_event_types_are_listed_with_their_chinese_names(api):
    types = {t["type"]: t["name"] for t in api("city_admin").get(f"{API}/event-types").json()}
    assert types["order.created"] == "工单受理" and types["callback.recorded"] == "回访结果"
