"""Two live platforms peered: a whole transfer (the peer registers, dispatches, replies, calls
back and closes; everything flows back to the origin's timeline and closes it there), a
refusal (the order comes back to the origin's dispatcher), the peer down (queued, retried,
nothing lost or applied twice), and every kind of bad signature refused (401, audited)."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.integration.federation import lifecycle, tasks
from hotline.integration.federation.models import Message, Peer, Transfer
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import ReplyResult, Verdict, WorkOrder
from tests.integration.federation.conftest import Platform, free_port, peer

APPEAL = {"channel": "phone", "appeal_type": "complaint", "title": "路灯不亮", "content": "幸福路路灯一周不亮",
          "region_code": "990102", "address": "幸福路 8 号"}


def register(p: Platform, **extra: object) -> str:
    with p.session() as s:
        order, _ = wo.intake(s, p.world.p("agent"), wo.IntakeData(
            **{**APPEAL, "category_code": p.world.categories["lamp"], **extra},  # type: ignore[arg-type]
            phone="13812348000", name="张三丰"))
        return order.number


def order_of(p: Platform, number: str) -> WorkOrder:
    with p.session() as s:
        order = s.execute(select(WorkOrder).where(WorkOrder.number == number)).unique().scalar_one()
        s.expunge(order)
        return order


def events(p: Platform, number: str) -> list[tuple[str, dict]]:
    with p.session() as s:
        order_id = s.execute(select(WorkOrder.id).where(WorkOrder.number == number)).scalar_one()
        rows = s.execute(select(AuditEvent.action, AuditEvent.detail).where(
            AuditEvent.object_type == "work_order", AuditEvent.object_id == str(order_id)).order_by(AuditEvent.id))
        return [(a, d or {}) for a, d in rows]


def transfer(a: Platform, number: str, reason: str = "诉求地点属乙市") -> dict:
    response = a.client("dispatcher").post(f"/api/v1/orders/{number}/federation/transfer",
                                           json={"peer": "b", "reason": reason})
    assert response.status_code == 201, response.text
    return response.json()


def received_number(a: Platform, number: str) -> str:
    listed = a.client("dispatcher").get(f"/api/v1/orders/{number}/federation").json()
    assert listed[0]["state"] == "accepted", listed
    return listed[0]["remote_number"]


def test_a_transfer_is_handled_on_the_peer_and_everything_flows_back(two_platforms):
    a, b = two_platforms
    peer(a, b, contact_policy="full")
    ok, _ = tasks.ping(a.factory, "b")
    assert ok
    number = register(a)
    made = transfer(a, number)
    assert made["state"] == "pending" and made["direction"] == "out"
    origin = order_of(a, number)
    assert origin.status == Status.transferred_out and origin.due_at is None

    assert a.relay() >= 1
    remote = received_number(a, number)
    # the peer has a new order of its own, through its intake, with the origin's number and the caller
    with b.session() as s:
        mine = s.execute(select(WorkOrder).where(WorkOrder.number == remote)).unique().scalar_one()
        assert mine.status == Status.registered and number in mine.content and mine.address == "幸福路 8 号"
        assert mine.category is not None and mine.category.code == b.world.categories["lamp"]
        shown = wo.citizen_shown(s, b.world.p("agent"), mine)
        assert shown is not None and shown.phone == "13812348000" and not shown.masked
        # the peer dispatches by its own rules, the unit handles, the centre reviews and calls back
        wo.dispatch(s, b.world.p("dispatcher"), mine, lead_unit_id=b.world.units["990100-zj"])
    b.relay()
    a.relay()
    with b.session() as s:
        mine = s.execute(select(WorkOrder).where(WorkOrder.number == remote)).unique().scalar_one()
        wo.sign(s, b.world.p("handler"), mine)
        wo.reply(s, b.world.p("handler"), mine, result=ReplyResult.resolved, text="路灯已于今日修复")
        wo.review_reply(s, b.world.p("dispatcher"), mine, accept=True)
        wo.record_callback(s, b.world.p("agent"), mine, reached=True, resolved=True, verdict=Verdict.satisfied)
        assert mine.status == Status.closed
    assert b.relay() >= 5

    origin = order_of(a, number)
    assert origin.status == Status.closed
    assert origin.answer == "路灯已于今日修复" and origin.final_verdict == Verdict.satisfied
    timeline = events(a, number)
    notes = " ".join(str(d.get("note")) for action, d in timeline if action == "work_order.peer_progress")
    assert "已接收" in notes and "已派单" in notes and "路灯已于今日修复" in notes and "满意" in notes
    assert [act for act, _ in timeline][-1] == "work_order.closed"
    listed = a.client("dispatcher").get(f"/api/v1/orders/{number}/federation").json()
    assert listed[0]["state"] == "closed" and listed[0]["remote_due_at"] is not None
    # nothing left in either outbox, nothing failed
    for p in (a, b):
        with p.session() as s:
            assert {m.status for m in s.execute(select(Message)).scalars()} == {"delivered"}


def test_the_peer_refuses_and_the_order_comes_back_to_the_dispatcher(two_platforms):
    a, b = two_platforms
    peer(a, b, contact_policy="masked")
    number = register(a)
    transfer(a, number)
    a.relay()
    remote = received_number(a, number)
    with b.session() as s:
        mine = s.execute(select(WorkOrder).where(WorkOrder.number == remote)).unique().scalar_one()
        shown = wo.citizen_shown(s, b.world.p("agent"), mine)
        assert shown is None  # masked policy: no contact record on the peer, only the masked line
        assert "138****8000" in mine.content and "13812348000" not in mine.content
    refused = b.client("dispatcher").post(f"/api/v1/orders/{remote}/federation/send-back",
                                          json={"reason": "幸福路 8 号不属本市辖区"})
    assert refused.status_code == 200, refused.text
    assert order_of(b, remote).status == Status.withdrawn
    b.relay()
    origin = order_of(a, number)
    assert origin.status == Status.registered
    returned = [d for act, d in events(a, number) if act == "work_order.transfer_returned"]
    assert returned and "不属本市辖区" in returned[0]["note"]
    listed = a.client("dispatcher").get(f"/api/v1/orders/{number}/federation").json()
    assert listed[0]["state"] == "refused" and "不属本市辖区" in listed[0]["refusal"]
    # back in the queue: the dispatcher may dispatch it locally now
    with a.session() as s:
        again = s.execute(select(WorkOrder).where(WorkOrder.number == number)).unique().scalar_one()
        wo.dispatch(s, a.world.p("dispatcher"), again, lead_unit_id=a.world.units["990100-zj"])


def test_a_category_not_open_is_refused_by_the_peer_at_once(two_platforms):
    a, b = two_platforms
    peer(a, b)
    with b.session() as s:  # B opens only environmental orders to A
        p = s.execute(select(Peer)).scalar_one()
        p.category_codes = [b.world.categories["env"]]
    number = register(a)
    transfer(a, number)
    a.relay()
    assert order_of(a, number).status == Status.registered
    listed = a.client("dispatcher").get(f"/api/v1/orders/{number}/federation").json()
    assert listed[0]["state"] == "refused" and "未开放" in listed[0]["refusal"]


def test_the_peer_down_queues_and_retries_and_nothing_is_applied_twice(two_platforms):
    a, b = two_platforms
    peer(a, b)
    with a.session() as s:
        p = s.execute(select(Peer)).scalar_one()
        real_url, p.url = p.url, f"http://127.0.0.1:{free_port()}"  # nobody listens there
    number = register(a)
    transfer(a, number)
    assert a.relay() == 0
    listed = a.client("dispatcher").get(f"/api/v1/orders/{number}/federation").json()
    assert listed[0]["state"] == "pending" and listed[0]["messages"][0]["attempts"] == 1
    assert listed[0]["messages"][0]["last_error"]
    pending = a.client("admin").get("/api/v1/federation/peers").json()[0]
    assert pending["pending"] == 1 and pending["last_error"]
    with a.session() as s:
        p = s.execute(select(Peer)).scalar_one()
        p.url = real_url
        message = s.execute(select(Message)).scalar_one()
        message.next_attempt_at = None  # the back-off is over
        payload = message.payload
    a.relay()
    remote = received_number(a, number)
    # the same message again (a lost answer, a replay by hand): the peer applies it once
    with a.session() as s:
        p = s.execute(select(Peer)).scalar_one()
        key_id, secret, side = p.key_id, p.secret, p.side
    ok, _status, answer, _ = tasks.post(b.url, key_id, secret, side, payload.encode())
    assert ok and answer is not None and answer["duplicate"] is True and answer["number"] == remote
    with b.session() as s:
        assert len(s.execute(select(Transfer)).scalars().all()) == 1
        assert s.execute(select(WorkOrder).where(WorkOrder.content.contains(number))).unique().scalars().all()


def _raw(b: Platform, body: bytes, headers: dict[str, str]) -> int:
    c = b.client()
    return c.post(lifecycle.INBOX_PATH, content=body, headers={"Content-Type": "application/json", **headers}
                  ).status_code


def test_bad_unknown_replayed_and_stale_signatures_are_refused_and_audited(two_platforms):
    a, b = two_platforms
    peer(a, b)
    with a.session() as s:
        p = s.execute(select(Peer)).scalar_one()
        key_id, secret, side = p.key_id, p.secret, p.side
    body = json.dumps({"id": "m1", "kind": "progress", "transfer": "nope"}).encode()
    now = int(time.time())
    good = lifecycle.headers(key_id, secret, side, "POST", lifecycle.INBOX_PATH, body, now=now)
    assert _raw(b, body, good) == 404  # signed right: the transfer is unknown
    assert _raw(b, body, good) == 401  # the same nonce again: a replay
    tampered = lifecycle.headers(key_id, secret, side, "POST", lifecycle.INBOX_PATH, body, now=now)
    assert _raw(b, body + b" ", tampered) == 401  # the body changed after signing
    assert _raw(b, body, lifecycle.headers(key_id, "fks_wrong-secret-000000000", side, "POST",
                                           lifecycle.INBOX_PATH, body, now=now)) == 401
    assert _raw(b, body, lifecycle.headers("fk_0000000000000000", secret, side, "POST", lifecycle.INBOX_PATH,
                                           body, now=now)) == 401  # unknown key
    assert _raw(b, body, lifecycle.headers(key_id, secret, side, "POST", lifecycle.INBOX_PATH, body,
                                           now=now - 301)) == 401  # stale
    # B's own side key cannot be reflected back at B
    assert _raw(b, body, lifecycle.headers(key_id, secret, lifecycle.other_side(side), "POST",
                                           lifecycle.INBOX_PATH, body, now=now)) == 401
    assert _raw(b, body, {}) == 401
    assert _raw(b, body, {"X-Hotline-Key-Id": "x" * 500, "X-Hotline-Timestamp": "9" * 40}) == 401
    # signed but malformed: 422 naming the field, never 5xx
    for bad in (b"not json", b"[]", b'{"id": 5}', b'{"id": "m2", "kind": "transfer", "transfer": "t"}',
                b'{"id": "m3", "kind": "transfer", "transfer": "t", "order": {"number": 7}}',
                json.dumps({"id": "m4", "kind": "what", "transfer": "t"}).encode()):
        status = _raw(b, bad, lifecycle.headers(key_id, secret, side, "POST", lifecycle.INBOX_PATH, bad,
                                                now=int(time.time())))
        assert status == 422, bad
    with b.session() as s:
        refused = s.execute(select(AuditEvent.detail).where(AuditEvent.action == "federation.request_refused")
                            ).scalars().all()
    reasons = {d["reason"] for d in refused}
    assert {"replayed", "bad_signature", "unknown_key", "stale"} <= reasons
    assert len(refused) == 8
