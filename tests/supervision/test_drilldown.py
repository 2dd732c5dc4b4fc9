"""Each figure of a ranking drills down to exactly the orders behind it, for staff in scope."""

import html

from hotline.workorder import service as wo
from tests.supervision.helpers import closed, cst, dispatched, project, replied


def _numbers(api_client, unit_id, **params):
    r = api_client.get("/api/v1/rankings/orders", params={"unit_id": unit_id, "period": "2026-11", **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_orders_behind_each_figure_match_the_counts(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    done = closed(db, world)
    open_reply = replied(db, world)
    bounced = dispatched(db, world)
    wo.return_order(db, world.p("handler"), bounced, reason="不属于本单位职责")
    project(db)
    unit = world.units["990100-zj"]
    supervisor = api("supervisor")
    ranking = supervisor.get("/api/v1/rankings", params={"period": "2026-11"}).json()
    counts = next(r for r in ranking["rows"] + ranking["unranked"] if r["unit_id"] == unit)["counts"]

    assigned = _numbers(supervisor, unit, figure="handling_rate", part="base")
    assert assigned["counted"] == counts["assigned"] == 3
    assert {r["number"] for r in assigned["rows"]} == {done.number, open_reply.number, bounced.number}
    hit = _numbers(supervisor, unit, figure="handling_rate", part="hit")
    assert {r["number"] for r in hit["rows"]} == {done.number, open_reply.number}
    miss = _numbers(supervisor, unit, figure="handling_rate", part="miss")
    assert [r["number"] for r in miss["rows"]] == [bounced.number]
    rated = _numbers(supervisor, unit, figure="satisfaction_rate", part="hit")
    assert [r["number"] for r in rated["rows"]] == [done.number] and "满意" in rated["rows"][0]["counted"]
    returned = _numbers(supervisor, unit, counter="returned")
    assert [r["number"] for r in returned["rows"]] == [bounced.number] and returned["counted"] == counts["returned"]
    assert _numbers(supervisor, unit, figure="handling_rate", period="2026-10")["total"] == 0


def test_drilling_down_is_for_staff_in_scope_and_checks_its_input(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    closed(db, world)
    project(db)
    unit = world.units["990100-zj"]
    base = {"unit_id": unit, "period": "2026-11", "figure": "handling_rate"}
    assert len(api("handler").get("/api/v1/rankings/orders", params=base).json()["rows"]) == 1  # its own
    assert api("other_handler").get("/api/v1/rankings/orders", params=base).status_code == 404  # another city
    assert api("auditor").get("/api/v1/rankings/orders", params=base).status_code == 403
    bad = api("supervisor").get("/api/v1/rankings/orders", params={**base, "figure": "nope"})
    assert bad.status_code == 422 and bad.json()["field"] == "figure"
    assert api("supervisor").get("/api/v1/rankings/orders", params={**base, "part": "x"}).status_code == 422
    assert api("supervisor").get("/api/v1/rankings/orders", params={**base, "unit_id": 999999}).status_code == 404


def test_the_ranking_page_links_each_figure_to_its_orders_page(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    done = closed(db, world)
    project(db)
    unit = world.units["990100-zj"]
    page = api("supervisor").get("/rankings", params={"period": "2026-11"})
    link = f"/rankings/orders?period=2026-11&unit_id={unit}&figure=satisfaction_rate&part=hit"
    assert page.status_code == 200 and link in html.unescape(page.text)
    orders = api("supervisor").get(link)
    assert orders.status_code == 200 and done.number in orders.text and "满意率" in orders.text
    assert api("supervisor").get("/rankings/orders", params={"unit_id": "²"}).status_code == 422
    assert "/rankings/orders" not in api("auditor").get("/rankings", params={"period": "2026-11"}).text
    assert "/rankings/orders" not in api("supervisor").get("/public/rankings").text
