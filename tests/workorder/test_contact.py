"""查看联系方式: a handling unit sees the caller masked and reveals the contact of one order
with a reason — audited, never for a confidential report's reporter (ADR 0004)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from tests.factories import PASSWORD
from tests.workorder.test_views import csrf, dispatched_order


@pytest.fixture
def browser(app, world):  # type: ignore[no-untyped-def]
    """``browser(username)`` → a client logged in through the login form."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        token = client.get("/login").text.split('name="login_csrf" value="')[1].split('"')[0]
        response = client.post("/login", data={"username": username, "password": PASSWORD, "login_csrf": token,
                                               "next": "/"}, follow_redirects=False)
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.close()


def rows(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all()


def test_a_unit_reveals_the_contact_with_a_reason_and_the_reveal_is_audited(api, world, db):
    number = dispatched_order(api, world)
    handler = api("handler")
    assert handler.get(f"/api/v1/work-orders/{number}").json()["citizen"] == {
        "name": "王*", "phone": "139****2222", "masked": True}
    revealed = handler.post(f"/api/v1/work-orders/{number}/citizen/reveal",
                            json={"reason": "需电话联系核实现场，诉求人电话13911112222"})
    assert revealed.json() == {"name": "王五", "phone": "13911112222", "masked": False}
    [event] = rows(db, "pii.revealed")
    assert (event.actor_name, event.object_type) == ("handler", "citizen")
    assert event.detail["number"] == number and event.detail["fields"] == ["name", "phone"]
    assert event.detail["reason"] == "需电话联系核实现场，诉求人电话139****2222"  # no values in the log
    assert "王五" not in str(event.detail) and "13911112222" not in str(event.detail)


def test_a_reveal_without_a_reason_is_refused_and_not_audited(api, world, db):
    number = dispatched_order(api, world)
    response = api("handler").post(f"/api/v1/work-orders/{number}/citizen/reveal", json={"reason": "  "})
    assert response.status_code == 422 and response.json()["field"] == "reason"
    assert rows(db, "pii.revealed") == []


def test_a_confidential_reporter_is_never_revealed_and_the_attempt_is_recorded(api, world, db):
    number = dispatched_order(api, world, appeal_type="report", is_confidential=True, title="举报违建")
    response = api("handler").post(f"/api/v1/work-orders/{number}/citizen/reveal", json={"reason": "核实"})
    assert response.status_code == 403 and "保密" in response.json()["message"]
    assert rows(db, "pii.revealed") == []
    [denied] = rows(db, "access.denied")
    assert denied.actor_name == "handler" and denied.detail["number"] == number


def test_the_order_page_masks_the_caller_and_the_button_reveals_it_in_place(browser, api, world, db):
    number = dispatched_order(api, world)
    handler = browser("handler")
    page = handler.get(f"/orders/{number}").text
    assert "139****2222" in page and "13911112222" not in page and "查看联系方式" in page
    fragment = handler.post(f"/orders/{number}/citizen/reveal", headers={"HX-Request": "true"},
                            data={"csrf_token": csrf(page), "reason": "需上门核实"})
    assert fragment.status_code == 200 and "13911112222" in fragment.text and "王五" in fragment.text
    assert "<html" not in fragment.text.lower()
    empty = handler.post(f"/orders/{number}/citizen/reveal", headers={"HX-Request": "true"},
                         data={"csrf_token": csrf(page), "reason": ""})
    assert "查看理由不能为空" in empty.text and "13911112222" not in empty.text
    full = handler.post(f"/orders/{number}/citizen/reveal", data={"csrf_token": csrf(page), "reason": "回电"})
    assert full.status_code == 200 and "13911112222" in full.text and number in full.text
    assert len(rows(db, "pii.revealed")) == 2
    no_csrf = handler.post(f"/orders/{number}/citizen/reveal", data={"reason": "回电"})
    assert no_csrf.status_code == 403


def test_a_unit_page_of_a_confidential_report_masks_the_reporter_in_the_text(browser, api, world):
    number = dispatched_order(api, world, appeal_type="report", is_confidential=True, title="本人李明举报违建",
                              content="我叫李明，电话13811112222，举报隔壁违建")
    unit_page = browser("handler").get(f"/orders/{number}").text
    assert "李明" not in unit_page and "13811112222" not in unit_page and "查看联系方式" not in unit_page
    assert "我叫李*，电话138****2222，举报隔壁违建" in unit_page
    listed = browser("handler").get("/orders").text
    assert number in listed and "本人李**报违建" in listed and "李明" not in listed
    assert [o["title"] for o in api("handler").get("/api/v1/work-orders").json()] == ["本人李**报违建"]
    assert "我叫李明，电话13811112222" in browser("agent").get(f"/orders/{number}").text


def test_the_dispatcher_sees_the_caller_masked_and_has_no_reveal(browser, api, world):
    number = dispatched_order(api, world)
    page = browser("dispatcher").get(f"/orders/{number}").text
    assert "139****2222" in page and "13911112222" not in page and "查看联系方式" not in page


def test_a_units_text_search_does_not_look_into_confidential_reports(api, world, browser):
    secret = dispatched_order(api, world, appeal_type="report", is_confidential=True, title="举报违建",
                              content="本人王小明举报邻居违建")
    open_ = dispatched_order(api, world, title="王小明反映路灯不亮")
    unit_hits = {o["number"] for o in api("handler").get("/api/v1/work-orders", params={"q": "王小明"}).json()}
    centre_hits = {o["number"] for o in api("agent").get("/api/v1/work-orders", params={"q": "王小明"}).json()}
    assert open_ in unit_hits and secret not in unit_hits
    assert {open_, secret} <= centre_hits
    page = browser("handler").get("/orders", params={"q": "王小明", "tab": "all"})
    assert open_ in page.text and secret not in page.text
    by_number = {o["number"] for o in api("handler").get("/api/v1/work-orders", params={"q": secret}).json()}
    assert by_number == {secret}  # the number itself still finds it
