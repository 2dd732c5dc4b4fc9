import pytest

from hotline.integration.webhooks.receiver import Receiver

API = "/api/v1/webhooks"


@pytest.fixture
def loopback(api):
    """The province administrator allows plain http to 127.0.0.1 (the receiver in tests)."""
    response = api("admin").post(f"{API}/targets", json={"pattern": "127.0.0.1", "allow_http": True})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def receiver():
    r = Receiver(secret="")
    yield r
    r.stop()


def subscribe(api, receiver: Receiver, *, owner: str, admin: str = "city_admin", **extra) -> dict:
    """A subscription to the running receiver; the receiver learns the secret."""
    if receiver._server is None:
        receiver.start()
    body = {"name": f"{owner} 推送", "owner": owner, "url": receiver.url, "event_types": ["order.created"], **extra}
    response = api(admin).post(f"{API}/subscriptions", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    receiver.secret = created["secret"]
    return created
