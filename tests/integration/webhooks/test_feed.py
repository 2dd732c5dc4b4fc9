"""The pull feed: the pushed events after a cursor, scoped and masked as the caller, gap-free
across pages."""

from tests.workorder.test_api_flow import new_order, post

FEED = "/api/v1/feed"


def read_all(client, after: str | None = None, **params) -> tuple[list[dict], str]:
    events: list[dict] = []
    while True:
        response = client.get(FEED, params={**({"after": after} if after else {}), **params})
        assert response.status_code == 200, response.text
        body = response.json()
        events += body["events"]
        after = body["next_cursor"]
        if not body["has_more"]:
            return events, after


def test_pages_of_the_feed_give_every_event_once_in_order(api, world):
    start = api("supervisor").get(FEED, params={"after": "0", "limit": 500})
    _, cursor = read_all(api("supervisor"))
    numbers = [new_order(api)["number"] for _ in range(5)]
    events, end = read_all(api("supervisor"), cursor, limit=2)
    assert [e["order"]["number"] for e in events if e["type"] == "order.created"] == numbers
    seqs = [int(e["cursor"]) for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert int(end) >= seqs[-1]
    again, _ = read_all(api("supervisor"), end)
    assert again == []  # nothing new
    assert start.status_code == 200


def test_the_feed_is_scoped_and_masked_as_the_caller(api, world):
    _, cursor = read_all(api("handler"))
    mine = new_order(api)["number"]
    other = new_order(api)["number"]
    post(api("dispatcher"), f"/api/v1/work-orders/{mine}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    post(api("dispatcher"), f"/api/v1/work-orders/{other}/dispatch", {"lead_unit_id": world.units["990100-wat"]})
    events, _ = read_all(api("handler"), cursor)
    assert {e["order"]["number"] for e in events} == {mine}
    assert all(e["order"]["citizen"]["masked"] for e in events)
    centre, _ = read_all(api("supervisor"), cursor)
    assert {e["order"]["number"] for e in centre} == {mine, other}
    assert not centre[0]["order"]["citizen"]["masked"]
    # another city sees none of them
    far, _ = read_all(api("other_handler"), cursor)
    assert far == []


def test_the_feed_filters_by_type(api, world):
    _, cursor = read_all(api("supervisor"))
    number = new_order(api)["number"]
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    events, _ = read_all(api("supervisor"), cursor, types="order.dispatched")
    assert [e["type"] for e in events] == ["order.dispatched"]


def test_a_bad_cursor_or_type_is_a_422_and_a_role_without_orders_a_403(api):
    for params, field in (({"after": "abc"}, "after"), ({"after": "-1"}, "after"), ({"types": "order.nope"}, "types")):
        response = api("supervisor").get(FEED, params=params)
        assert response.status_code == 422 and response.json()["field"] == field
    assert api("auditor").get(FEED).status_code == 403
    assert api("pbx").get(FEED).status_code == 403
