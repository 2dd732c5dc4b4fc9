"""Federation's JSON API on one platform: peers (key exchange, validation, versions, disable,
remove), the one-key transfer's checks, the order's transfer state, and the outbox log with
a retry by hand. The peer is not running here: messages stay queued."""

from __future__ import annotations

from sqlalchemy import select

from hotline.integration.federation.models import Message
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status

API = "/api/v1/federation"
PAIR = {"key_id": "fk_00112233aabbccdd", "secret": "fks_" + "s" * 43}


def add(api, **over):
    body = {"name": "luzhou", "display_name": "泸州市", "url": "http://127.0.0.1:9", **over}
    return api("admin").post(f"{API}/peers", json=body)


def new_order(db, world, **over):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(**{
        "channel": "phone", "appeal_type": "complaint", "title": "路灯不亮", "content": "幸福路路灯一周不亮",
        "region_code": "990102", "category_code": world.categories["lamp"], **over}, phone="13812348000"))
    db.flush()
    return order


def test_adding_a_peer_without_a_key_makes_the_pair_key_and_shows_the_secret_once(api):
    made = add(api)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["side"] == "a" and body["key_id"].startswith("fk_") and body["secret"].startswith("fks_")
    listed = api("admin").get(f"{API}/peers").json()
    assert [p["name"] for p in listed] == ["luzhou"] and "secret" not in listed[0]


def test_adding_a_peer_with_the_others_key_completes_the_pair(api):
    made = add(api, **PAIR, contact_policy="full", category_codes=["01", "02"])
    assert made.status_code == 201, made.text
    assert made.json()["side"] == "b" and made.json()["secret"] is None
    assert made.json()["category_codes"] == ["01", "02"]


def test_bad_peer_input_is_422_naming_the_field(api):
    cases = [({"name": "Bad Name"}, "name"), ({"url": "ftp://x"}, "url"), ({"url": "http://u:p@x"}, "url"),
             ({"url": "http://x:99999"}, "url"), ({"contact_policy": "all"}, "contact_policy"),
             ({"category_codes": ["99"]}, "category_codes"), ({"category_codes": ["a"]}, "category_codes"),
             ({"key_id": "nope", "secret": PAIR["secret"]}, "key_id"), ({**PAIR, "secret": "short"}, "secret")]
    for over, field in cases:
        response = add(api, **over)
        assert response.status_code == 422, (over, response.text)
        assert response.json()["field"] == field


def test_a_second_peer_with_the_same_name_or_key_conflicts(api):
    assert add(api, **PAIR).status_code == 201
    assert add(api).status_code == 409
    assert add(api, name="yibin", **PAIR).status_code == 409


def test_the_admin_lists_the_open_categories_disables_and_removes_a_peer(api):
    peer = add(api).json()
    changed = api("admin").patch(f"{API}/peers/{peer['ref']}", json={"version": peer["version"],
                                                                      "category_codes": ["02"]})
    assert changed.status_code == 200 and changed.json()["category_codes"] == ["02"]
    stale = api("admin").patch(f"{API}/peers/{peer['ref']}", json={"version": peer["version"], "state": "disabled"})
    assert stale.status_code == 409
    assert api("admin").patch(f"{API}/peers/{peer['ref']}", json={"state": "gone"}).status_code == 422
    assert api("admin").patch(f"{API}/peers/{peer['ref']}", json={"state": "disabled"}).json()["state"] == "disabled"
    assert api("admin").delete(f"{API}/peers/{peer['ref']}").status_code == 204
    assert api("admin").get(f"{API}/peers/{peer['ref']}").status_code == 404


def test_a_transfer_queues_a_message_and_the_order_waits_transferred_out(api, db, world):
    add(api, contact_policy="masked")
    order = new_order(db, world)
    response = api("dispatcher").post(f"/api/v1/orders/{order.number}/federation/transfer",
                                      json={"peer": "luzhou", "reason": "属泸州市辖区"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "pending" and body["peer_name"] == "泸州市" and body["messages"][0]["kind"] == "transfer"
    db.expire_all()
    assert db.get(type(order), order.id).status == Status.transferred_out
    message = db.execute(select(Message)).scalar_one()
    assert "13812348000" not in message.payload and "138****8000" in message.payload  # masked policy
    # the order cannot be dispatched or transferred again while it waits
    again = api("dispatcher").post(f"/api/v1/orders/{order.number}/federation/transfer",
                                   json={"peer": "luzhou", "reason": "再转"})
    assert again.status_code == 409
    assert api("admin").get(f"{API}/messages?status=pending").json()[0]["kind"] == "transfer"
    assert api("admin").get(f"{API}/messages?status=lost").status_code == 422


def test_a_transfer_is_refused_for_an_unknown_peer_a_closed_category_or_no_reason(api, db, world):
    peer = add(api, category_codes=["02"]).json()
    order = new_order(db, world)
    url = f"/api/v1/orders/{order.number}/federation/transfer"
    client = api("dispatcher")
    assert client.post(url, json={"peer": "nowhere", "reason": "x"}).json()["field"] == "peer"
    assert client.post(url, json={"peer": "luzhou", "reason": "x"}).json()["field"] == "peer"  # category not open
    api("admin").patch(f"{API}/peers/{peer['ref']}", json={"category_codes": []})
    assert client.post(url, json={"peer": "luzhou", "reason": " "}).json()["field"] == "reason"
    assert client.post(url, json={"peer": "luzhou"}).status_code == 422
    assert client.post("/api/v1/orders/NOPE/federation/transfer", json={"peer": "luzhou", "reason": "x"}
                       ).status_code == 404


def test_send_back_is_only_for_an_order_that_came_from_a_peer(api, db, world):
    order = new_order(db, world)
    response = api("dispatcher").post(f"/api/v1/orders/{order.number}/federation/send-back", json={"reason": "非本市"})
    assert response.status_code == 409


def test_a_failed_message_is_retried_by_hand_and_only_a_failed_one(api, db, world):
    add(api)
    order = new_order(db, world)
    api("dispatcher").post(f"/api/v1/orders/{order.number}/federation/transfer", json={"peer": "luzhou",
                                                                                      "reason": "x"})
    message = db.execute(select(Message)).scalar_one()
    assert api("admin").post(f"{API}/messages/{message.ref}/retry").status_code == 409
    message.status = "failed"
    db.flush()
    retried = api("admin").post(f"{API}/messages/{message.ref}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    assert api("admin").post(f"{API}/messages/nope/retry").status_code == 404


def test_an_unsigned_inbox_request_is_401_and_never_5xx(api):
    client = api("admin")
    assert client.post(f"{API}/inbox", content=b"{}").status_code == 401
    assert client.post(f"{API}/ping", content=b"\xff\xfe").status_code == 401


def test_old_request_nonces_are_pruned_and_recent_ones_kept(api, db):
    import datetime as dt

    from hotline.integration.federation import tasks
    from hotline.integration.federation.models import Nonce, Peer
    from hotline.kit import clock

    add(api)
    peer = db.execute(select(Peer)).scalar_one()
    now = clock.now()
    db.add_all([Nonce(peer_id=peer.id, nonce="old-nonce-0000000000", seen_at=now - dt.timedelta(minutes=11)),
                Nonce(peer_id=peer.id, nonce="new-nonce-0000000000", seen_at=now - dt.timedelta(minutes=1))])
    db.flush()
    tasks.prune_nonces(db, {})
    assert [n.nonce for n in db.execute(select(Nonce)).scalars()] == ["new-nonce-0000000000"]


def test_a_transfer_undeliverable_for_a_day_fails_and_the_order_comes_back(api, db, world, factory):
    import datetime as dt

    from hotline.audit.models import AuditEvent
    from hotline.integration.federation import tasks
    from hotline.integration.federation.models import Transfer
    from hotline.kit import clock
    from tests.integration.federation.conftest import free_port

    add(api, url=f"http://127.0.0.1:{free_port()}")  # nobody listens there
    order = new_order(db, world)
    api("dispatcher").post(f"/api/v1/orders/{order.number}/federation/transfer", json={"peer": "luzhou",
                                                                                      "reason": "属泸州"})
    assert tasks.deliver_due(factory) == 0
    message = db.execute(select(Message)).scalar_one()
    db.refresh(message)
    assert message.status == "pending" and message.attempts == 1 and message.last_error
    message.queued_at = clock.now() - dt.timedelta(hours=25)
    message.next_attempt_at = None
    db.flush()
    tasks.deliver_due(factory)
    db.expire_all()
    assert db.get(Message, message.id).status == "failed"
    assert db.execute(select(Transfer)).scalar_one().state == "failed"
    assert db.get(type(order), order.id).status == Status.registered
    actions = list(db.execute(select(AuditEvent.action).where(AuditEvent.object_type == "work_order",
                                                              AuditEvent.object_id == str(order.id))).scalars())
    assert actions[-1] == "work_order.transfer_returned"
    # a failed transfer is not retried by hand: the order is back, transfer it again
    assert api("admin").post(f"{API}/messages/{message.ref}/retry").status_code == 409
