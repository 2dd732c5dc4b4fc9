"""Every role against the push and the feed: the allow-list (province administrator), push
subscriptions and their delivery logs (administrators of the subscription's region; 404 for
another region's, and refs are random: nothing is reachable by counting), the event types,
and the feed (every account that reads work orders, scoped as it; administrators read none)."""

import pytest

from tests.auth.test_access_matrix import expect

API = "/api/v1/webhooks"
ADMINS = {"admin": 200, "city_admin": 200}


@pytest.fixture
def subscription(api):
    assert api("admin").post(f"{API}/targets", json={"pattern": "hooks.example.gov.cn"}).status_code == 201
    response = api("city_admin").post(f"{API}/subscriptions", json={
        "name": "住建局推送", "owner": "handler", "url": "https://hooks.example.gov.cn/x",
        "event_types": ["order.dispatched"]})
    assert response.status_code == 201, response.text
    return response.json()["ref"]


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201}, 403))
def test_who_adds_to_the_allow_list(api, role, status):
    assert api(role).post(f"{API}/targets", json={"pattern": f"{role}.example.cn"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "other_admin": 200}, 403))
def test_who_reads_the_allow_list_and_lists_subscriptions(api, subscription, role, status):
    client = api(role)
    assert client.get(f"{API}/targets").status_code == status
    listed = client.get(f"{API}/subscriptions")
    assert listed.status_code == status
    if status == 200:
        assert (subscription in [s["ref"] for s in listed.json()]) is (role in ADMINS)


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "other_admin": 404}, 403))
def test_who_reads_a_subscription_and_its_delivery_log(api, subscription, role, status):
    client = api(role)
    assert client.get(f"{API}/subscriptions/{subscription}").status_code == status
    assert client.get(f"{API}/subscriptions/{subscription}/deliveries").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "other_admin": 404}, 403))
def test_who_pauses_and_changes_a_subscription(api, subscription, role, status):
    client = api(role)
    assert client.post(f"{API}/subscriptions/{subscription}/pause", json={}).status_code == status
    assert client.patch(f"{API}/subscriptions/{subscription}", json={"name": "改"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"city_admin": 201, "admin": 201, "other_admin": 422}, 403))
def test_who_subscribes_an_account(api, subscription, role, status):
    # the owner is the city's handler: the other city's administrator may not pick it
    response = api(role).post(f"{API}/subscriptions", json={
        "name": "又一个", "owner": "handler", "url": "https://hooks.example.gov.cn/y", "event_types": ["order.signed"]})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"auditor": 403, "pbx": 403, "admin": 403, "city_admin": 403,
                                                     "other_admin": 403, "kb_editor": 403, "kb_reviewer": 403}, 200))
def test_who_reads_the_feed(api, role, status):
    assert api(role).get("/api/v1/feed").status_code == status


def test_a_guessed_subscription_ref_is_404(api, subscription):
    assert api("city_admin").get(f"{API}/subscriptions/{'0' * 32}").status_code == 404
    assert api("city_admin").get(f"{API}/subscriptions/1").status_code == 404


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "other_admin": 404}, 403))
def test_who_opens_the_push_pages(api, subscription, role, status):
    client = api(role)
    assert client.get("/admin/webhooks").status_code == (200 if role in (*ADMINS, "other_admin") else 403)
    assert client.get(f"/admin/webhooks/{subscription}").status_code == status
    paused = client.post(f"/admin/webhooks/{subscription}/pause", data={}, follow_redirects=False)
    assert paused.status_code == (303 if status == 200 else status)
