"""The push end to end: a subscription, the relay fanning committed events out into
deliveries and posting them signed to a receiver on 127.0.0.1; scoping and masking by the
owner's role; retries, dead letters, pausing, the delivery log and replay."""

import datetime as dt

from sqlalchemy import select, update

from hotline.integration.webhooks import tasks
from hotline.integration.webhooks.models import Delivery, Subscription
from hotline.kit import clock
from tests.integration.webhooks.conftest import API, subscribe
from tests.workorder.test_api_flow import INTAKE, new_order, post


def relay_all(factory, rounds: int = 5) -> None:
    for _ in range(rounds):
        tasks.fan_out(factory)
        tasks.deliver_due(factory)


def test_a_new_order_is_pushed_signed_once_to_the_subscriber(api, world, factory, loopback, receiver):
    sub = subscribe(api, receiver, owner="supervisor", event_types=["order.created", "order.dispatched"])
    number = new_order(api)["number"]
    relay_all(factory)
    assert receiver.refused_signatures == 0
    [got] = receiver.accepted
    assert got.event_type == "order.created" and got.event_id.startswith("evt-")
    payload = got.payload
    assert payload["version"] == 1 and payload["type"] == "order.created"
    assert payload["action"] == "work_order.registered"
    assert payload["order"]["number"] == number and payload["order"]["category_code"] == INTAKE["category_code"]
    # the centre supervisor may see the caller: unmasked, as on the screen
    assert payload["order"]["citizen"] == {"name": "王五", "phone": "13911112222", "masked": False}
    relay_all(factory)
    assert len(receiver.accepted) == 1  # delivered once
    log = api("city_admin").get(f"{API}/subscriptions/{sub['ref']}/deliveries").json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 1, 200)]


def test_a_unit_receives_only_its_orders_masked(api, world, factory, loopback, receiver):
    subscribe(api, receiver, owner="handler", event_types=["order.created", "order.dispatched"])
    mine = new_order(api)["number"]
    other = new_order(api)["number"]
    post(api("dispatcher"), f"/api/v1/work-orders/{mine}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    post(api("dispatcher"), f"/api/v1/work-orders/{other}/dispatch", {"lead_unit_id": world.units["990100-wat"]})
    relay_all(factory)
    numbers = sorted((r.event_type, r.payload["order"]["number"]) for r in receiver.accepted)
    # what the unit may see when the event is fanned out: its order (its creation too, once
    # assigned), never the water company's; deliveries are concurrent, in no promised order
    assert numbers == [("order.created", mine), ("order.dispatched", mine)]
    citizen = receiver.accepted[0].payload["order"]["citizen"]
    assert citizen["masked"] is True and citizen["phone"] != "13911112222" and "王五" not in citizen["name"]


def test_a_confidential_reporter_is_hidden_from_a_unit(api, world, factory, loopback, receiver):
    subscribe(api, receiver, owner="handler", event_types=["order.dispatched"])
    content = "我叫王五，举报幸福路餐馆油烟，电话13911112222"
    number = new_order(api, appeal_type="report", is_confidential=True, content=content)["number"]
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    relay_all(factory)
    [got] = receiver.accepted
    assert got.payload["order"]["citizen"] is None
    assert "13911112222" not in got.payload["order"]["content"] and "王五" not in got.payload["order"]["content"]


def test_region_and_category_filters(api, world, factory, loopback, receiver):
    subscribe(api, receiver, owner="supervisor", category_codes=["02"])
    new_order(api)  # 010101: not wanted
    noise = new_order(api, category_code=world.categories["noise"], title="夜间施工噪声")["number"]
    relay_all(factory)
    assert [r.payload["order"]["number"] for r in receiver.accepted] == [noise]


def test_a_failing_receiver_is_retried_until_it_answers(api, world, factory, loopback, receiver, db):
    receiver.fail_ratio = 1.0
    sub = subscribe(api, receiver, owner="supervisor")
    new_order(api)
    relay_all(factory, rounds=1)
    delivery = db.scalars(select(Delivery)).one()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 503)
    assert delivery.next_attempt_at > clock.now()
    receiver.fail_ratio = 0.0
    delivery.next_attempt_at = clock.now()  # the back-off has passed
    db.flush()
    relay_all(factory, rounds=1)
    assert len(receiver.accepted) == 1
    [row] = api("city_admin").get(f"{API}/subscriptions/{sub['ref']}/deliveries").json()
    assert (row["status"], row["attempts"]) == ("delivered", 2)


def test_what_failed_while_the_receiver_was_down_goes_as_soon_as_it_answers(api, world, factory, loopback,
                                                                          receiver, db):
    sub = subscribe(api, receiver, owner="supervisor")
    receiver.stop()  # nobody at the address
    first = new_order(api)["number"]
    for _ in range(5):  # five attempts while down, each once its back-off has passed: it has grown to 4 s
        db.execute(update(Delivery).values(next_attempt_at=clock.now()))
        relay_all(factory, rounds=1)
    db.expire_all()
    down = db.scalars(select(Delivery)).one()
    assert (down.status, down.attempts, down.last_error) == ("pending", 5, "ConnectError")
    assert down.next_attempt_at - clock.now() > dt.timedelta(seconds=3)
    receiver.start()
    receiver.fail_ratio = 1.0
    refused = new_order(api)["number"]  # the receiver is up but refuses this one: it keeps its back-off
    relay_all(factory, rounds=1)
    receiver.fail_ratio = 0.0
    second = new_order(api)["number"]  # answered: the receiver is back
    relay_all(factory, rounds=1)
    relay_all(factory, rounds=1)
    delivered = [r.payload["order"]["number"] for r in receiver.accepted]
    assert delivered[0] == second and first in delivered and refused not in delivered
    log = {d["status"] for d in api("city_admin").get(f"{API}/subscriptions/{sub['ref']}/deliveries").json()}
    assert log == {"delivered", "pending"}


def test_after_24_hours_of_failures_a_delivery_is_dead_and_can_be_replayed(api, world, factory, loopback,
                                                                             receiver, db):
    receiver.fail_ratio = 1.0
    sub = subscribe(api, receiver, owner="supervisor")
    new_order(api)
    tasks.fan_out(factory)
    delivery = db.scalars(select(Delivery)).one()
    delivery.queued_at = clock.now() - dt.timedelta(hours=24, seconds=1)
    db.flush()
    tasks.deliver_due(factory)
    db.refresh(delivery)
    assert delivery.status == "dead" and delivery.next_attempt_at is None
    client = api("city_admin")
    assert client.get(f"{API}/subscriptions/{sub['ref']}").json()["dead"] == 1
    receiver.fail_ratio = 0.0
    replayed = client.post(f"{API}/subscriptions/{sub['ref']}/deliveries/{delivery.ref}/replay")
    assert replayed.json() == {"requeued": 1}
    tasks.deliver_due(factory)
    assert len(receiver.accepted) == 1
    db.refresh(delivery)
    assert (delivery.status, delivery.replays) == ("delivered", 1)


def test_replaying_a_time_range_sends_the_same_events_again(api, world, factory, loopback, receiver):
    sub = subscribe(api, receiver, owner="supervisor")
    new_order(api)
    new_order(api)
    relay_all(factory)
    first = receiver.events()
    now = clock.now()
    body = {"since": (now - dt.timedelta(hours=1)).isoformat(), "until": (now + dt.timedelta(hours=1)).isoformat()}
    assert api("city_admin").post(f"{API}/subscriptions/{sub['ref']}/replay", json=body).json() == {"requeued": 2}
    relay_all(factory)
    assert sorted(receiver.events()) == sorted(first * 2)  # same event ids: a receiver drops them


def test_a_paused_subscription_queues_and_sends_on_resume(api, world, factory, loopback, receiver):
    sub = subscribe(api, receiver, owner="supervisor")
    client = api("city_admin")
    paused = client.post(f"{API}/subscriptions/{sub['ref']}/pause", json={"reason": "对方系统升级"})
    assert paused.json()["state"] == "paused"
    assert client.post(f"{API}/subscriptions/{sub['ref']}/pause", json={}).status_code == 409
    new_order(api)
    relay_all(factory)
    assert receiver.accepted == [] and client.get(f"{API}/subscriptions/{sub['ref']}").json()["pending"] == 1
    assert client.post(f"{API}/subscriptions/{sub['ref']}/resume", json={}).json()["state"] == "active"
    relay_all(factory)
    assert len(receiver.accepted) == 1


def test_a_long_run_of_failures_pauses_the_subscription(api, world, factory, loopback, receiver, db):
    receiver.fail_ratio = 1.0
    sub = subscribe(api, receiver, owner="supervisor")
    new_order(api)
    tasks.fan_out(factory)
    row = db.scalars(select(Subscription)).one()
    row.failure_streak, row.failing_since = 60, clock.now() - dt.timedelta(hours=2)
    db.flush()
    tasks.deliver_due(factory)
    state = api("city_admin").get(f"{API}/subscriptions/{sub['ref']}").json()
    assert state["state"] == "paused" and "自动暂停" in state["paused_reason"]


def test_a_subscription_receives_only_events_after_its_creation(api, world, factory, loopback, receiver):
    new_order(api)
    subscribe(api, receiver, owner="supervisor")
    relay_all(factory)
    assert receiver.accepted == []


def test_a_deactivated_owner_pauses_the_subscription(api, world, factory, loopback, receiver, db):
    from hotline.auth.models import User

    sub = subscribe(api, receiver, owner="supervisor")
    db.get(User, world.user_ids["supervisor"]).active = False
    db.flush()
    new_order(api)
    relay_all(factory)
    assert receiver.accepted == []
    assert api("city_admin").get(f"{API}/subscriptions/{sub['ref']}").json()["state"] == "paused"


def test_an_sm3_subscription_signs_with_hmac_sm3(api, world, factory, loopback, receiver):
    subscribe(api, receiver, owner="supervisor", algorithm="hmac-sm3")
    new_order(api)
    relay_all(factory)
    assert len(receiver.accepted) == 1 and receiver.refused_signatures == 0


def test_a_rotated_secret_signs_from_then_on(api, world, factory, loopback, receiver):
    sub = subscribe(api, receiver, owner="supervisor")
    old = receiver.secret
    new = api("city_admin").post(f"{API}/subscriptions/{sub['ref']}/rotate-secret", json={}).json()["secret"]
    assert new != old
    new_order(api)
    relay_all(factory, rounds=1)
    assert receiver.refused_signatures == 1 and receiver.accepted == []
    receiver.secret = new
