"""``hotline webhooks``: the allow-list and subscriptions from the command line — the same
rules as the API (422-style refusals exit 2 with the reason) and a secret that signs."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.integration.webhooks.models import Subscription
from hotline.kit.db import make_engine


def test_a_target_and_a_subscription_are_made_and_listed(hotline, capsys):
    assert hotline(["webhooks", "target", "add", "127.0.0.1", "--http", "--note", "本机接收"]) == 0
    assert "127.0.0.1" in capsys.readouterr().out
    assert hotline(["webhooks", "target", "add", "127.0.0.1"]) == 2
    assert "已有" in capsys.readouterr().err
    assert hotline(["webhooks", "target", "list"]) == 0
    assert "127.0.0.1\thttp+https\t本机接收" in capsys.readouterr().out

    assert hotline(["webhooks", "subscription", "add", "--name", "住建局推送", "--owner", "handler",
                    "--url", "http://127.0.0.1:8099/hook", "--events", "order.dispatched,order.replied",
                    "--as", "city_admin"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    assert hotline(["webhooks", "subscription", "list", "--json", "--as", "city_admin"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["event_types"] == ["order.dispatched", "order.replied"] and row["state"] == "active"

    engine = make_engine(hotline.url)
    try:
        with Session(engine) as session:
            [stored] = session.execute(select(Subscription)).scalars().all()
            assert stored.secret == secret and stored.ref == row["ref"]
    finally:
        engine.dispose()


def test_a_subscription_outside_the_allow_list_or_with_an_unknown_event_is_refused(hotline, capsys):
    base = ["webhooks", "subscription", "add", "--name", "x", "--owner", "handler", "--as", "city_admin"]
    assert hotline([*base, "--url", "http://10.0.0.8/hook", "--events", "order.created"]) == 2
    assert "url" in capsys.readouterr().err
    hotline(["webhooks", "target", "add", "127.0.0.1", "--http"])
    assert hotline([*base, "--url", "http://127.0.0.1:8099/hook", "--events", "order.exploded"]) == 2
    assert "未知的事件类型" in capsys.readouterr().err
    assert hotline([*base, "--url", "http://127.0.0.1:8099/hook", "--events", "order.created",
                    "--as", "agent"]) == 2  # not an administrator
    assert hotline(["webhooks", "subscription", "list", "--json", "--as", "city_admin"]) == 0
    assert json.loads(capsys.readouterr().out) == []
