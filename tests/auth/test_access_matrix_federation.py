"""Every role against federation: peers and the message log (the platform administrator
only), the peers an order may go to (centre staff who dispatch), the one-key transfer and an
order's transfers (centre staff who dispatch, on an order they may see; 404 outside it), and
the peer-to-peer inbox (no account: only a valid signature, 401 for every role)."""

import pytest

from hotline.workorder import service as wo
from tests.auth.test_access_matrix import expect

API = "/api/v1/federation"
DISPATCHERS = {"dispatcher": 200, "supervisor": 200}


@pytest.fixture
def peer(api):
    response = api("admin").post(f"{API}/peers", json={"name": "luzhou", "url": "http://127.0.0.1:9"})
    assert response.status_code == 201, response.text
    return response.json()["ref"]


@pytest.fixture
def order(db, world):
    made, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="路灯不亮", content="幸福路路灯一周不亮", region_code="990102",
        category_code=world.categories["lamp"], phone="13812348000"))
    db.flush()
    return made.number


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200}, 403))
def test_who_lists_reads_and_changes_peers_and_the_message_log(api, peer, role, status):
    client = api(role)
    assert client.get(f"{API}/peers").status_code == status
    assert client.get(f"{API}/peers/{peer}").status_code == status
    assert client.patch(f"{API}/peers/{peer}", json={"category_codes": ["01"]}).status_code == status
    assert client.get(f"{API}/messages").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201}, 403))
def test_who_adds_a_peer(api, role, status):
    assert api(role).post(f"{API}/peers", json={"name": f"p-{role}", "url": "http://127.0.0.1:9"}
                          ).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**DISPATCHERS, "agent": 403}, 403))
def test_who_sees_the_peers_an_order_may_go_to(api, peer, role, status):
    assert api(role).get(f"{API}/targets").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(
    {"dispatcher": 201, "supervisor": 201, "agent": 403}, 404))
def test_who_transfers_an_order_to_a_peer(api, peer, order, role, status):
    response = api(role).post(f"/api/v1/orders/{order}/federation/transfer", json={"peer": peer, "reason": "属外市"})
    assert response.status_code == status, response.text


@pytest.mark.parametrize(("role", "status"), expect(
    {"agent": 200, "dispatcher": 200, "supervisor": 200}, 404))
def test_who_reads_an_orders_transfers(api, peer, order, role, status):
    assert api(role).get(f"/api/v1/orders/{order}/federation").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({}, 401))
def test_no_account_opens_the_peer_inbox(api, role, status):
    assert api(role).post(f"{API}/inbox", json={"id": "m", "kind": "progress", "transfer": "t"}).status_code == status
