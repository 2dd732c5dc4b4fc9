"""Saved views of the workbench: saved with a name and the state, listed, opened and deleted by
their owner only; audited; the state checked as the workbench checks it."""

from __future__ import annotations

import re

from sqlalchemy import select

from hotline.audit.models import AuditEvent

STATE = "measure=received&measure=overdue&dimension=region&level=3&period=quarter&date=2026-11-15&enterprise=1"


def test_a_user_saves_lists_opens_and_deletes_a_view(api, db):
    client = api("dispatcher")
    saved = client.post("/api/v1/statistics/views", json={"name": "本季度企业诉求", "query": STATE})
    assert saved.status_code == 201, saved.text
    view = saved.json()
    assert re.fullmatch(r"[0-9a-f]{32}", view["ref"])
    assert "measure=overdue" in view["query"] and "enterprise=1" in view["query"] and "level=3" in view["query"]
    assert [v["ref"] for v in client.get("/api/v1/statistics/views").json()] == [view["ref"]]
    opened = client.get(f"/statistics/views/{view['ref']}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/statistics?{view['query']}"
    page = client.get(opened.headers["location"])
    assert page.status_code == 200 and "本季度企业诉求" in page.text
    assert client.delete(f"/api/v1/statistics/views/{view['ref']}").status_code == 204
    assert client.get("/api/v1/statistics/views").json() == []
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "saved_view")).all()
    assert sorted(actions) == ["saved_view.created", "saved_view.deleted"]


def test_views_are_private(api):
    mine = api("dispatcher").post("/api/v1/statistics/views", json={"name": "我的视图", "query": STATE}).json()
    for other in ("agent", "supervisor", "handler"):
        client = api(other)
        assert client.get(f"/api/v1/statistics/views/{mine['ref']}").status_code == 404
        assert client.delete(f"/api/v1/statistics/views/{mine['ref']}").status_code == 404
        assert client.get(f"/statistics/views/{mine['ref']}").status_code == 404
        assert client.post(f"/statistics/views/{mine['ref']}/delete").status_code == 404
        assert mine["ref"] not in [v["ref"] for v in client.get("/api/v1/statistics/views").json()]
    assert api("dispatcher").get(f"/api/v1/statistics/views/{mine['ref']}").status_code == 200


def test_a_view_needs_a_fresh_name_and_a_valid_state(api):
    client = api("agent")
    assert client.post("/api/v1/statistics/views", json={"name": "  ", "query": STATE}).status_code == 422
    bad = client.post("/api/v1/statistics/views", json={"name": "坏视图", "query": "dimension=weather"})
    assert bad.status_code == 422 and bad.json()["field"] == "dimension"
    assert client.post("/api/v1/statistics/views", json={"name": "视图", "query": STATE}).status_code == 201
    assert client.post("/api/v1/statistics/views", json={"name": "视图", "query": STATE}).status_code == 409
    assert client.get("/api/v1/statistics/views/not-a-ref").status_code == 404


def test_the_page_saves_the_current_state(api):
    client = api("supervisor")
    page = client.post("/statistics/views", data={"name": "页面保存", "query": STATE}, follow_redirects=False)
    assert page.status_code == 303
    views = client.get("/api/v1/statistics/views").json()
    assert [v["name"] for v in views] == ["页面保存"]
    listed = client.get("/statistics")
    assert f"/statistics/views/{views[0]['ref']}" in listed.text
