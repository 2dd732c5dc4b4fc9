"""Rectification lists (整改清单): built from spot-check findings in one click or from ledger
entries, tracked to done — the unit reports, the issuer confirms; overdue items highlighted."""

from hotline.supervision import service as supervision
from tests.spotcheck.conftest import CHECKS, LISTS, draw_body, post
from tests.supervision.helpers import cst, dispatched, project


def _check_with_problems(api, n_problems=2):
    sup = api("supervisor")
    check = post(sup, CHECKS, draw_body(size=3), 201)
    for n, item in enumerate(check["items"]):
        body = ({"finding": "problem", "problem_type": "buck_passing", "correction": "明确责任，限期办结"}
                if n < n_problems else {"finding": "correct"})
        post(sup, f"{CHECKS}/{check['ref']}/items/{item['ref']}/finding", body)
    return check


def test_one_click_lists_the_problem_findings_once(api, orders):
    check = _check_with_problems(api)
    lst = post(api("supervisor"), f"{LISTS}/from-spot-check", {"spot_check": check["ref"], "working_days": 5}, 201)
    assert lst["source"] == "spot_check" and lst["spot_check"] == check["ref"] and len(lst["items"]) == 2
    assert all(i["unit"] == "青川市住建局" and "推诿扯皮" in i["description"] and i["status"] == "open"
               for i in lst["items"])
    again = api("supervisor").post(f"{LISTS}/from-spot-check", json={"spot_check": check["ref"]})
    assert again.status_code == 422 and again.json()["field"] == "spot_check"


def test_the_unit_reports_progress_and_done_and_the_issuer_confirms(api, orders):
    lst = post(api("supervisor"), f"{LISTS}/from-spot-check", {"spot_check": _check_with_problems(api, 1)["ref"]},
               201)
    ref = lst["items"][0]["ref"]
    handler = api("handler")
    assert [i["ref"] for i in handler.get("/api/v1/rectification-items").json()] == [ref]
    assert handler.get(f"{LISTS}/{lst['ref']}").status_code == 200
    assert api("other_handler").get(f"{LISTS}/{lst['ref']}").status_code == 404
    assert api("other_handler").post(f"/api/v1/rectification-items/{ref}/progress",
                                     json={"text": "x"}).status_code == 404
    assert handler.post(f"/api/v1/rectification-items/{ref}/decision", json={"confirm": True}).status_code == 403
    assert post(handler, f"/api/v1/rectification-items/{ref}/progress", {"text": "已约谈责任科室"})["status"] \
        == "in_progress"
    assert post(handler, f"/api/v1/rectification-items/{ref}/progress", {"text": "已办结", "done": True})["status"] \
        == "reported"
    back = post(api("supervisor"), f"/api/v1/rectification-items/{ref}/decision",
                {"confirm": False, "note": "请补充群众回访情况"})
    assert back["status"] == "in_progress" and back["return_note"] == "请补充群众回访情况"
    post(handler, f"/api/v1/rectification-items/{ref}/progress", {"text": "已回访，群众满意", "done": True})
    done = post(api("supervisor"), f"/api/v1/rectification-items/{ref}/decision", {"confirm": True})
    assert done["status"] == "done" and done["done_at"]
    assert api("supervisor").post(f"/api/v1/rectification-items/{ref}/decision",
                                  json={"confirm": True}).status_code == 409


def test_a_list_from_ledger_entries_names_each_entrys_unit(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    late = dispatched(db, world)
    supervision.sweep_batch(db, cst(2026, 11, 30))
    project(db)
    lst = post(api("supervisor"), f"{LISTS}/from-ledger",
               {"numbers": [late.number], "kind": "overdue", "title": "11月超期工单整改清单", "working_days": 3}, 201)
    assert lst["source"] == "ledger" and lst["items"][0]["number"] == late.number
    assert lst["items"][0]["unit"] == "青川市住建局" and "超期" in lst["items"][0]["description"]
    # an entry outside the caller's scope is refused, naming the field
    hidden = api("sector").post(f"{LISTS}/from-ledger", json={"numbers": [late.number], "title": "x"})
    assert hidden.status_code == 422 and hidden.json()["field"] == "numbers"
    wrong = api("supervisor").post(f"{LISTS}/from-ledger", json={"numbers": [late.number], "title": "x",
                                                                  "kind": "emergency"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "kind"


def test_overdue_items_are_listed_and_highlighted(api, orders, travel):
    lst = post(api("supervisor"), LISTS, {"title": "手工清单", "items": [
        {"unit_id": orders[0].lead_unit_id, "description": "健全路灯巡查制度", "working_days": 1}]}, 201)
    assert api("supervisor").get("/api/v1/rectification-items", params={"overdue": "true"}).json() == []
    travel.shift(5 * 86400)
    late = api("supervisor").get("/api/v1/rectification-items", params={"overdue": "true"}).json()
    assert [i["ref"] for i in late] == [lst["items"][0]["ref"]] and late[0]["overdue"] is True
    page = api("supervisor").get(f"/rectification-lists/{lst['ref']}").text
    assert "已逾期" in page


def test_a_manual_list_checks_its_fields(api, world):
    r = api("supervisor").post(LISTS, json={"title": "x", "items": []})
    assert r.status_code == 422 and r.json()["field"] == "items"
    r = api("supervisor").post(LISTS, json={"title": "x", "items": [{"unit_id": 999999, "description": "y"}]})
    assert r.status_code == 422 and r.json()["field"] == "items[0].unit_id"
