"""离职交接: a leaver's own work (drafts, saved searches) goes to a colleague item by item; what the
colleague cannot take stays, and says why."""

from __future__ import annotations

from sqlalchemy import select

from hotline.audit.models import AuditEvent
from tests.workorder.test_views import browser, csrf  # noqa: F401 (fixture)


def keep_work(api):  # type: ignore[no-untyped-def]
    agent = api("agent")
    for title in ("停水待补地址", "噪音扰民"):
        assert agent.post("/api/v1/intake-drafts", json={"title": title}).status_code == 201
    saved = agent.post("/api/v1/saved-searches", json={"name": "我的超期件", "query": "overdue=true"})
    assert saved.status_code == 201, saved.text


def test_the_leavers_drafts_and_searches_go_to_a_colleague(api, world, db):
    keep_work(api)
    admin = api("city_admin")
    done = admin.post(f"/api/v1/users/{world.user_ids['agent']}/hand-over",
                      json={"to_user_id": world.user_ids["dispatcher"]})
    assert done.status_code == 200, done.text
    assert sorted((i["kind"], i["label"], i["moved"]) for i in done.json()["items"]) == [
        ("intake_draft", "停水待补地址", True), ("intake_draft", "噪音扰民", True),
        ("saved_search", "我的超期件", True)]
    dispatcher = api("dispatcher")
    titles = {d["fields"]["title"] for d in dispatcher.get("/api/v1/intake-drafts").json()}
    assert titles == {"停水待补地址", "噪音扰民"}
    assert [s["name"] for s in dispatcher.get("/api/v1/saved-searches").json()] == ["我的超期件"]
    assert api("agent").get("/api/v1/intake-drafts").json() == []
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.handed_over"))
    assert event.detail == {"to_user_id": world.user_ids["dispatcher"], "moved": 3, "refused": 0}


def test_what_the_colleague_cannot_take_stays_and_says_why(api, world):
    keep_work(api)
    done = api("city_admin").post(f"/api/v1/users/{world.user_ids['agent']}/hand-over",
                                  json={"to_user_id": world.user_ids["city_admin"]})
    assert done.status_code == 200, done.text
    reasons = {(i["kind"], i["moved"], i["reason"]) for i in done.json()["items"]}
    assert ("intake_draft", False, "接收人没有受理权限") in reasons
    assert len(api("agent").get("/api/v1/intake-drafts").json()) == 2


def test_no_hand_over_to_oneself_a_service_account_or_someone_out_of_reach(api, world):
    admin = api("city_admin")
    url = f"/api/v1/users/{world.user_ids['agent']}/hand-over"
    assert admin.post(url, json={"to_user_id": world.user_ids["agent"]}).status_code == 422
    assert admin.post(url, json={"to_user_id": world.user_ids["pbx"]}).status_code == 422
    assert admin.post(url, json={"to_user_id": world.user_ids["other_handler"]}).status_code == 404
    assert api("other_admin").post(url, json={"to_user_id": world.user_ids["dispatcher"]}).status_code == 404
    assert api("supervisor").post(url, json={"to_user_id": world.user_ids["dispatcher"]}).status_code == 404


def test_the_account_page_hands_over_and_lists_the_result(api, world, browser):  # noqa: F811
    keep_work(api)
    admin = browser("city_admin")
    page = admin.get(f"/admin/users/{world.user_ids['agent']}")
    assert page.status_code == 200 and "离职交接" in page.text
    done = admin.post(f"/admin/users/{world.user_ids['agent']}",
                      data={"csrf_token": csrf(page.text), "action": "handover",
                            "to_user_id": str(world.user_ids["dispatcher"])})
    assert done.status_code == 200, done.text
    assert "已交接 3 项" in done.text and "停水待补地址" in done.text
