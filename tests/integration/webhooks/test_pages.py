"""The push pages: the administrator's subscriptions and allow-list (推送订阅), one
subscription's delivery log with replay, and the demo's receiver page."""

from __future__ import annotations

import json
import re
import time

import pytest
from sqlalchemy import select

from hotline.config import get_settings
from hotline.demo import webhooks as demo_webhooks
from hotline.integration.webhooks import lifecycle
from hotline.integration.webhooks.models import Delivery, Subscription
from tests.integration.webhooks.conftest import subscribe
from tests.integration.webhooks.test_push import relay_all
from tests.workorder.test_api_flow import new_order


def test_the_page_makes_a_subscription_and_shows_its_secret_once(api, loopback, db):
    admin = api("city_admin")
    page = admin.get("/admin/webhooks")
    assert page.status_code == 200 and "推送订阅" in page.text and "127.0.0.1" in page.text
    assert "加入白名单" not in page.text  # the allow-list is the province administrator's
    form = {"name": "住建局系统", "owner": "handler", "url": "http://127.0.0.1:9/hook", "algorithm": "hmac-sm3",
            "event_types[]": ["order.dispatched", "order.replied"], "region_codes": "990100"}
    created = admin.post("/admin/webhooks/subscriptions", data=form)
    assert created.status_code == 201
    secret = re.search(r"whsec_[A-Za-z0-9_-]+", created.text).group(0)
    stored = db.execute(select(Subscription)).scalar_one()
    assert stored.secret == secret and stored.algorithm == "hmac-sm3" and stored.region_codes == ["990100"]
    assert stored.event_types == ["order.dispatched", "order.replied"]
    listed = admin.get("/admin/webhooks").text
    assert "住建局系统" in listed and secret not in listed  # shown once


@pytest.mark.parametrize(("change", "field"), [
    ({"url": "http://10.1.2.3/hook"}, "url"), ({"event_types[]": []}, "event_types"), ({"owner": "nobody"}, "owner"),
])
def test_a_refused_form_names_the_field_and_writes_nothing(api, loopback, db, change, field):
    form = {"name": "x", "owner": "handler", "url": "http://127.0.0.1:9/hook", "event_types[]": ["order.created"],
            **change}
    refused = api("city_admin").post("/admin/webhooks/subscriptions", data=form)
    assert refused.status_code == 422
    assert 'class="field error"' in refused.text
    assert db.execute(select(Subscription)).first() is None


def test_other_roles_cannot_open_the_pages(api, loopback):
    for username in ("agent", "dispatcher", "handler", "supervisor"):
        assert api(username).get("/admin/webhooks").status_code == 403, username
    assert "/admin/webhooks" not in api("agent").get("/").text


def test_pause_resume_and_a_stale_version(api, loopback, receiver, db):
    admin = api("city_admin")
    created = subscribe(api, receiver, owner="supervisor")
    ref = created["ref"]
    assert admin.post(f"/admin/webhooks/{ref}/pause", data={"version": "1"}, follow_redirects=False).status_code == 303
    assert db.execute(select(Subscription.state)).scalar_one() == "paused"
    assert admin.post(f"/admin/webhooks/{ref}/resume", data={"version": "1"}).status_code == 409  # stale
    assert admin.post(f"/admin/webhooks/{ref}/resume", data={"version": "2"}, follow_redirects=False).status_code == 303
    db.expire_all()
    assert db.execute(select(Subscription.state)).scalar_one() == "active"
    rotated = admin.post(f"/admin/webhooks/{ref}/rotate-secret", data={"version": "3"})
    assert rotated.status_code == 200 and "whsec_" in rotated.text
    assert api("city_admin").get("/admin/webhooks/not-a-ref").status_code == 404


def test_the_delivery_log_shows_attempts_and_replays_one_or_a_range(api, world, factory, loopback, receiver, db):
    created = subscribe(api, receiver, owner="supervisor")
    number = new_order(api)["number"]
    relay_all(factory)
    admin = api("city_admin")
    log = admin.get(f"/admin/webhooks/{created['ref']}")
    assert log.status_code == 200 and "已送达" in log.text and "工单受理" in log.text
    delivery = db.execute(select(Delivery)).scalar_one()
    replayed = admin.post(f"/admin/webhooks/{created['ref']}/replay", data={"delivery": delivery.ref},
                          follow_redirects=False)
    assert replayed.status_code == 303
    db.expire_all()
    assert db.get(Delivery, delivery.id).status == "pending"
    relay_all(factory)
    assert [r.payload["order"]["number"] for r in receiver.accepted] == [number, number]  # the same event again
    bad = admin.post(f"/admin/webhooks/{created['ref']}/replay", data={"since": "2026-12-06T10:00",
                                                                        "until": "2026-12-05T10:00"})
    assert bad.status_code == 422 and "结束时间应晚于开始时间" in bad.text
    garbled = admin.post(f"/admin/webhooks/{created['ref']}/replay", data={"since": "昨天", "until": "今天"})
    assert garbled.status_code == 422
    assert admin.get(f"/admin/webhooks/{created['ref']}?status=dead").text.count("data-status=") == 0


@pytest.fixture
def demo_receiver(monkeypatch):
    monkeypatch.setenv("HOTLINE_DEMO_RECEIVER", "true")
    get_settings.cache_clear()
    demo_webhooks.receiver.requests.clear()
    demo_webhooks.receiver.seen.clear()
    demo_webhooks.receiver.fail_ratio = 0.0
    yield demo_webhooks.receiver
    get_settings.cache_clear()


def _signed(secret: str, body: bytes, event_id: str = "evt-1") -> dict[str, str]:
    now = int(time.time())
    return {"X-Hotline-Timestamp": str(now), "X-Hotline-Event-Id": event_id, "X-Hotline-Event-Type": "order.replied",
            "X-Hotline-Signature": lifecycle.sign(secret, "hmac-sha256", now, body)}


def test_the_demo_receiver_is_off_outside_the_demo(api, app):
    from fastapi.testclient import TestClient

    assert TestClient(app).post("/demo/receiver/hook", content=b"{}").status_code == 404
    assert api("handler").get("/demo/receiver").status_code == 404


def test_the_demo_receiver_checks_signatures_and_drops_repeats(api, app, demo_receiver):
    from fastapi.testclient import TestClient

    demo_receiver.secret = "whsec_demo"
    body = json.dumps({"type": "order.replied", "order": {"number": "QC-1", "status_name": "已答复"}}).encode()
    hook = TestClient(app)
    assert hook.post("/demo/receiver/hook", content=body, headers=_signed("whsec_demo", body)).status_code == 200
    assert hook.post("/demo/receiver/hook", content=body, headers=_signed("whsec_demo", body)).status_code == 200
    assert hook.post("/demo/receiver/hook", content=body, headers=_signed("wrong", body)).status_code == 401
    page = api("handler").get("/demo/receiver")
    assert page.status_code == 200
    assert page.text.count("已接收") == 1 and "重复事件" in page.text and "签名无效" in page.text
    assert api("handler").post("/demo/receiver/fail", data={"fail": "100"}, follow_redirects=False).status_code == 303
    down = hook.post("/demo/receiver/hook", content=body, headers=_signed("whsec_demo", body, "evt-2"))
    assert down.status_code == 503
