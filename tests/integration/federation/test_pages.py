"""The federation pages: the administrator's 跨市互派 page (add a peer — the secret shown
once —, change its open categories, disable, the outbox with a retry) and the order page's
section (转至他市 for a dispatcher, the transfer's state, the refusal shown on a bad form)."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.integration.federation.models import Message, Peer
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status


def new_order(db, world):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="路灯不亮", content="幸福路路灯一周不亮", region_code="990102",
        category_code=world.categories["lamp"], phone="13812348000"))
    db.flush()
    return order


def add_peer(api) -> Peer:
    page = api("admin").post("/admin/federation/peers", data={
        "name": "luzhou", "display_name": "泸州市", "url": "http://127.0.0.1:9", "contact_policy": "full"})
    assert page.status_code == 201, page.text
    return page


def test_the_admin_adds_a_peer_and_sees_the_secret_once(api, db):
    admin = api("admin")
    assert "跨市互派" in admin.get("/admin/federation").text
    created = add_peer(api)
    secret = re.search(r"fks_[A-Za-z0-9_-]+", created.text).group(0)
    stored = db.execute(select(Peer)).scalar_one()
    assert stored.secret == secret and stored.contact_policy == "full"
    listed = admin.get("/admin/federation").text
    assert "泸州市" in listed and secret not in listed and stored.key_id in listed
    bad = admin.post("/admin/federation/peers", data={"name": "x y", "url": "http://127.0.0.1:9"})
    assert bad.status_code == 422 and "小写字母" in bad.text


def test_the_admin_opens_categories_and_disables_a_peer(api, db):
    add_peer(api)
    peer = db.execute(select(Peer)).scalar_one()
    changed = api("admin").post(f"/admin/federation/peers/{peer.ref}", data={
        "version": str(peer.version), "category_codes": "01，02", "state": "disabled"}, follow_redirects=False)
    assert changed.status_code == 303
    db.refresh(peer)
    assert peer.category_codes == ["01", "02"] and peer.state == "disabled"
    stale = api("admin").post(f"/admin/federation/peers/{peer.ref}", data={"version": "1", "state": "active"})
    assert stale.status_code == 409


def test_only_the_platform_admin_has_the_page(api):
    for role in ("city_admin", "dispatcher", "agent", "handler", "auditor"):
        assert api(role).get("/admin/federation").status_code == 403
        assert "/admin/federation" not in api(role).get("/").text


def test_a_dispatcher_transfers_from_the_order_page_and_sees_it_waiting(api, db, world):
    add_peer(api)
    order = new_order(db, world)
    dispatcher = api("dispatcher")
    page = dispatcher.get(f"/orders/{order.number}").text
    assert "转至他市" in page and "泸州市" in page
    peer = db.execute(select(Peer)).scalar_one()
    empty = dispatcher.post(f"/orders/{order.number}/federation/transfer",
                            data={"peer": peer.ref, "reason": "", "version": str(order.version)},
                            follow_redirects=False)
    assert empty.status_code == 303 and "fed_error" in empty.headers["location"]
    done = dispatcher.post(f"/orders/{order.number}/federation/transfer",
                           data={"peer": peer.ref, "reason": "属泸州市辖区", "version": str(order.version)},
                           follow_redirects=False)
    assert done.status_code == 303 and "fed_error" not in done.headers["location"]
    db.expire_all()
    assert db.get(type(order), order.id).status == Status.transferred_out
    shown = dispatcher.get(f"/orders/{order.number}").text
    assert "待对方接收" in shown and "待送达消息 1 条" in shown and "已转他市" in shown
    # an agent sees the transfer but no form
    agent_page = api("agent").get(f"/orders/{order.number}").text
    assert "待对方接收" in agent_page and 'action="/orders/' + order.number + '/federation/transfer"' not in agent_page
    # the admin sees it in the outbox and may retry it once it has failed
    message = db.execute(select(Message)).scalar_one()
    assert message.ref in api("admin").get("/admin/federation").text
    message.status = "failed"
    db.flush()
    retried = api("admin").post(f"/admin/federation/messages/{message.ref}/retry", follow_redirects=False)
    assert retried.status_code == 303
