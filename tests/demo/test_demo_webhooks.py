"""The demo's push: the housing bureau's subscription to the receiver page, made once and
re-pointed (with a fresh secret) at every start."""

from __future__ import annotations

from sqlalchemy import select

from hotline.demo import webhooks as demo_webhooks
from hotline.integration.webhooks.models import AllowedTarget, Subscription


def test_the_demo_subscribes_the_bureau_to_the_receiver_page(demo_db):
    url = demo_webhooks.set_up(demo_db, "http://127.0.0.1:8000")
    first_secret = demo_webhooks.receiver.secret
    assert url == "http://127.0.0.1:8000/demo/receiver/hook" and first_secret.startswith("whsec_")
    [subscription] = demo_db.execute(select(Subscription)).scalars().all()
    assert demo_webhooks.service.owner_name(demo_db, subscription) == "handler"
    assert subscription.secret == first_secret
    assert "order.dispatched" in subscription.event_types and subscription.state == "active"
    assert demo_db.execute(select(AllowedTarget.pattern, AllowedTarget.allow_http)).one() == ("127.0.0.1", True)

    again = demo_webhooks.set_up(demo_db, "http://127.0.0.1:8100")  # the next start, on another port
    [subscription] = demo_db.execute(select(Subscription)).scalars().all()
    assert again.endswith(":8100/demo/receiver/hook") and subscription.url == again
    assert subscription.secret == demo_webhooks.receiver.secret != first_secret
