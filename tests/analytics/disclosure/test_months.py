"""Published months: the figures come from the statistics (one source of truth) and the
ranking from supervision, stored as a snapshot at publication — the public page does not
move when the orders do; only ended months; withdrawn with a reason; published again."""

import pytest

import hotline.models  # noqa: F401 - every table mapped
from hotline.analytics import service as statistics
from hotline.analytics.periods import period
from hotline.analytics.service import Scope, StatQuery
from hotline.workorder.models import Verdict
from tests.analytics.disclosure.conftest import API, post
from tests.supervision.helpers import closed, cst, new_order, project


@pytest.fixture
def november(db, world, travel):
    """November 2026 in 青川: two closed orders, one handled again after a dissatisfied callback,
    one waiting; today is 2 December."""
    travel.move_to(cst(2026, 11, 9, 9))
    closed(db, world)
    closed(db, world)
    closed(db, world, verdict=Verdict.dissatisfied)
    new_order(db, world, title="噪声", content="广场舞噪声")
    travel.move_to(cst(2026, 12, 2, 9))
    project(db)


def test_a_published_month_holds_the_statistics_and_the_ranking(api, db, november):
    month = post(api("supervisor"), f"{API}/months", {"period": "2026-11"}, 201)
    table = statistics.statistics(db, Scope.region(db, "990100"), StatQuery(period("month", "2026-11")))
    figures = month["figures"]["figures"]
    assert figures["received"] == table.total.values["received"] == 4
    assert figures["handled"] == table.total.values["handled"] == 2  # the dissatisfied one is handled again
    assert figures["satisfaction_rate"] == pytest.approx(table.total.values["satisfaction_rate"], abs=1e-4)
    assert month["figures"]["top_categories"][0] == {"name": "城乡建设", "received": 4, "share": 1.0}
    assert month["region_name"] == "青川市" and month["state"] == "published"
    assert isinstance(month["figures"]["ranking"], list)


def test_the_public_month_does_not_move_after_publication(api, db, world, travel, november, client):
    month = post(api("supervisor"), f"{API}/months", {"period": "2026-11"}, 201)
    travel.move_to(cst(2026, 11, 20, 9))
    new_order(db, world)
    travel.move_to(cst(2026, 12, 3, 9))
    project(db)
    public = client.get(f"/api/v1/public/disclosure/months/{month['ref']}").json()
    assert public["figures"]["received"] == 4
    page = client.get(f"/public/disclosure/months/{month['ref']}")
    assert page.status_code == 200 and "青川市 · 2026年11月" in page.text and "城乡建设" in page.text


def test_only_an_ended_month_is_published_once(api, november):
    supervisor = api("supervisor")
    current = supervisor.post(f"{API}/months", json={"period": "2026-12"})
    assert current.status_code == 422 and current.json()["field"] == "period"
    assert supervisor.post(f"{API}/months", json={"period": "2026/11"}).status_code == 422
    post(supervisor, f"{API}/months", {"period": "2026-11"}, 201)
    assert supervisor.post(f"{API}/months", json={"period": "2026-11"}).status_code == 409


def test_a_withdrawn_month_leaves_the_public_and_can_be_published_again(api, db, world, travel, november, client):
    supervisor = api("supervisor")
    month = post(supervisor, f"{API}/months", {"period": "2026-11"}, 201)
    assert [m["ref"] for m in client.get("/api/v1/public/disclosure").json()["months"]] == [month["ref"]]
    bare = supervisor.post(f"{API}/months/{month['ref']}/withdraw", json={"reason": ""})
    assert bare.status_code == 422
    out = post(supervisor, f"{API}/months/{month['ref']}/withdraw", {"reason": "数据口径更正"})
    assert out["state"] == "withdrawn"
    assert client.get("/api/v1/public/disclosure").json()["months"] == []
    assert client.get(f"/public/disclosure/months/{month['ref']}").status_code == 404
    travel.move_to(cst(2026, 11, 20, 9))
    new_order(db, world)
    travel.move_to(cst(2026, 12, 3, 9))
    project(db)
    again = post(api("supervisor"), f"{API}/months", {"period": "2026-11"}, 201)  # logged in again after travel
    assert again["ref"] == month["ref"] and again["figures"]["figures"]["received"] == 5


def test_the_month_is_in_the_feeds_and_on_the_page(api, november, client):
    from xml.etree import ElementTree as ET

    month = post(api("supervisor"), f"{API}/months", {"period": "2026-11"}, 201)
    root = ET.fromstring(client.get("/public/disclosure/rss.xml").content)  # noqa: S314 (our own feed)
    [item] = root.findall("channel/item")
    assert item.findtext("title") == "青川市2026年11月热线数据" and "受理 4 件" in item.findtext("description")
    page = client.get("/public/disclosure")
    assert month["ref"] in page.text and "按时办结率" in page.text


def test_the_disclosure_page_publishes_a_month(api, november):
    supervisor = api("supervisor")
    done = supervisor.post("/disclosure/months", data={"csrf_token": supervisor.headers["X-CSRF-Token"],
                                                      "period": "2026-11"}, follow_redirects=True)
    assert done.status_code == 200 and "已公开2026年11月的数据" in done.text
    again = supervisor.post("/disclosure/months", data={"csrf_token": supervisor.headers["X-CSRF-Token"],
                                                       "period": "2026-11"})
    assert again.status_code == 409 and "已公开" in again.text
