"""Spot checks through the API: the draw (reproducible, stratified, in scope), the finding →
correction → unit answer → accept flow, the re-callback, per-unit statistics and overdue
corrections."""

import datetime as dt

from hotline.kit import clock
from hotline.spotcheck import service
from hotline.spotcheck.models import SpotCheck, SpotCheckItem
from tests.spotcheck.conftest import CHECKS, closed_order, draw_body, post


def _numbers(check):
    return sorted(i["number"] for i in check["items"])


def test_a_draw_with_the_same_seed_draws_the_same_orders(api, orders):
    first = post(api("supervisor"), CHECKS, draw_body(), 201)
    again = post(api("supervisor"), CHECKS, draw_body(title="复核"), 201)
    other = post(api("supervisor"), CHECKS, draw_body(seed="zzz999"), 201)
    assert first["seed"] == "abc123" and first["population"] == 8 and first["sample_size"] == 3
    assert _numbers(first) == _numbers(again)
    assert len(_numbers(other)) == 3
    unseeded = post(api("supervisor"), CHECKS, draw_body(seed=None), 201)
    assert len(unseeded["seed"]) == 16  # a fresh seed, recorded
    repeat = post(api("supervisor"), CHECKS, draw_body(seed=unseeded["seed"]), 201)
    assert _numbers(repeat) == _numbers(unseeded)


def test_a_stratified_draw_shares_the_sample_in_proportion(api, db, world, orders):
    body = draw_body(method="stratified", stratify_by="category", size=4)
    check = post(api("supervisor"), CHECKS, body, 201)
    strata = check["criteria"]["strata"]
    assert strata == {"01": {"population": 6, "drawn": 3}, "02": {"population": 2, "drawn": 1}}
    by_unit = post(api("supervisor"), CHECKS, draw_body(method="stratified", stratify_by="unit", size=8), 201)
    assert by_unit["sample_size"] == 8
    bad = api("supervisor").post(CHECKS, json=draw_body(method="stratified"))
    assert bad.status_code == 422 and bad.json()["field"] == "stratify_by"


def test_a_provincial_department_draws_only_from_its_sectors(api, orders):
    check = post(api("sector"), CHECKS, draw_body(size=10), 201)
    noise = {o.number for o in orders[6:]}
    assert set(_numbers(check)) == noise and check["population"] == 2
    # the department's check is its own: the city's supervisors do not see it, nor it theirs
    city = post(api("supervisor"), CHECKS, draw_body(), 201)
    assert api("supervisor").get(f"{CHECKS}/{check['ref']}").status_code == 404
    assert api("sector").get(f"{CHECKS}/{city['ref']}").status_code == 404
    assert [c["ref"] for c in api("sector").get(CHECKS).json()] == [check["ref"]]


def test_a_period_without_orders_is_refused_naming_the_field(api, orders):
    r = api("supervisor").post(CHECKS, json=draw_body(period_start="2020-01-01", period_end="2020-01-31"))
    assert r.status_code == 422 and r.json()["field"] == "period_start"
    r = api("supervisor").post(CHECKS, json=draw_body(period_start="2026-12-31", period_end="2026-01-01"))
    assert r.status_code == 422 and r.json()["field"] == "period_end"


def test_a_problem_finding_becomes_a_correction_the_unit_answers_and_the_checker_accepts(api, orders, travel):
    sup, handler = api("supervisor"), api("handler")
    check = post(sup, CHECKS, draw_body(size=2), 201)
    good, bad = check["items"]
    post(sup, f"{CHECKS}/{check['ref']}/items/{good['ref']}/finding", {"finding": "correct"})
    missing = sup.post(f"{CHECKS}/{check['ref']}/items/{bad['ref']}/finding", json={"finding": "problem"})
    assert missing.status_code == 422 and missing.json()["field"] == "problem_type"
    item = post(sup, f"{CHECKS}/{check['ref']}/items/{bad['ref']}/finding",
                {"finding": "problem", "problem_type": "false_reply", "note": "答复称已修复，现场仍不亮",
                 "correction": "重新核实并修复路灯，答复诉求人", "correction_working_days": 3})
    assert item["correction_state"] == "open" and item["correction_due_at"]
    # the unit sees its correction, and only that
    mine = handler.get(f"{CHECKS}/corrections").json()
    assert [c["ref"] for c in mine] == [bad["ref"]] and mine[0]["correction_required"].startswith("重新核实")
    assert api("other_handler").get(f"{CHECKS}/corrections").json() == []
    assert api("other_handler").post(f"{CHECKS}/corrections/{bad['ref']}/answer",
                                     json={"text": "x"}).status_code == 404
    # accepting before the answer is an illegal transition
    assert sup.post(f"{CHECKS}/{check['ref']}/items/{bad['ref']}/decision", json={"accept": True}).status_code == 409
    post(handler, f"{CHECKS}/corrections/{bad['ref']}/answer", {"text": "已更换灯具，并电话告知诉求人"})
    back = sup.post(f"{CHECKS}/{check['ref']}/items/{bad['ref']}/decision", json={"accept": False})
    assert back.status_code == 422 and back.json()["field"] == "note"
    post(sup, f"{CHECKS}/{check['ref']}/items/{bad['ref']}/decision", {"accept": False, "note": "请附现场照片"})
    post(handler, f"{CHECKS}/corrections/{bad['ref']}/answer", {"text": "已附现场照片"})
    done = post(sup, f"{CHECKS}/{check['ref']}/items/{bad['ref']}/decision", {"accept": True})
    assert done["correction_state"] == "accepted" and done["correction_on_time"] is True
    stats = {s["unit"]: s for s in sup.get(f"{CHECKS}/{check['ref']}").json()["statistics"]}
    zj = stats["青川市住建局"]
    assert (zj["sampled"], zj["checked"], zj["correct"], zj["problems"], zj["accepted"], zj["on_time"]) == \
        (2, 2, 1, 1, 1, 1)
    assert zj["by_type"] == {"false_reply": 1}


def test_the_re_callback_is_recorded_and_the_contact_is_masked_unless_the_role_needs_it(api, db, world):
    closed_order(db, world)
    closed_order(db, world, category="noise")
    db.commit()
    sup_check = post(api("supervisor"), CHECKS, draw_body(size=1, category_code="01"), 201)
    item = sup_check["items"][0]
    plain = api("supervisor").get(f"{CHECKS}/{sup_check['ref']}/items/{item['ref']}/contact").json()
    assert plain == {"name": "李四", "phone": "13911112222", "masked": False}
    recalled = post(api("supervisor"), f"{CHECKS}/{sup_check['ref']}/items/{item['ref']}/recall",
                    {"verdict": "dissatisfied", "note": "路灯仍不亮"})
    assert recalled["recall_verdict"] == "dissatisfied"
    bad = api("supervisor").post(f"{CHECKS}/{sup_check['ref']}/items/{item['ref']}/recall", json={"verdict": "meh"})
    assert bad.status_code == 422 and bad.json()["field"] == "verdict"
    dept = post(api("sector"), CHECKS, draw_body(size=1), 201)
    masked = api("sector").get(f"{CHECKS}/{dept['ref']}/items/{dept['items'][0]['ref']}/contact").json()
    assert masked["masked"] is True and masked["phone"] == "139****2222" and "李四" not in str(masked)


def test_a_confidential_reporter_is_hidden_from_the_department(api, db, world):
    closed_order(db, world, category="noise", confidential=True, appeal_type="report")
    db.commit()
    dept = post(api("sector"), CHECKS, draw_body(size=1), 201)
    item = dept["items"][0]
    assert "李四" not in item["title"]
    assert api("sector").get(f"{CHECKS}/{dept['ref']}/items/{item['ref']}/contact").json() is None


def test_overdue_corrections_surface_on_the_list(api, orders, travel):
    sup = api("supervisor")
    check = post(sup, CHECKS, draw_body(size=1), 201)
    item = check["items"][0]
    post(sup, f"{CHECKS}/{check['ref']}/items/{item['ref']}/finding",
         {"finding": "problem", "problem_type": "overdue", "correction": "说明超期原因", "correction_working_days": 1})
    assert sup.get(f"{CHECKS}/corrections", params={"overdue": "true"}).json() == []
    travel.shift(5 * 86400)
    sup = api("supervisor")  # a fresh login: the old session has timed out meanwhile
    late = sup.get(f"{CHECKS}/corrections", params={"overdue": "true"}).json()
    assert [c["ref"] for c in late] == [item["ref"]] and late[0]["overdue"] is True
    assert [c["ref"] for c in api("handler").get(f"{CHECKS}/corrections", params={"overdue": "true"}).json()] \
        == [item["ref"]]
    post(api("handler"), f"{CHECKS}/corrections/{item['ref']}/answer", {"text": "迟到的答复"})
    accepted = post(sup, f"{CHECKS}/{check['ref']}/items/{item['ref']}/decision", {"accept": True})
    assert accepted["correction_on_time"] is False
    assert sup.get(f"{CHECKS}/corrections", params={"overdue": "true"}).json() == []


def test_per_unit_statistics_add_up_over_the_checks(api, orders, world):
    sup = api("supervisor")
    for seed in ("s1", "s2"):
        check = post(sup, CHECKS, draw_body(size=4, seed=seed), 201)
        for n, item in enumerate(check["items"]):
            body = {"finding": "correct"} if n % 2 else {"finding": "problem", "problem_type": "perfunctory",
                                                          "correction": "重新答复"}
            post(sup, f"{CHECKS}/{check['ref']}/items/{item['ref']}/finding", body)
    stats = sup.get(f"{CHECKS}/statistics", params={"since": "2000-01-01"}).json()
    total = {k: sum(s[k] for s in stats) for k in ("sampled", "checked", "correct", "problems", "corrections")}
    assert total == {"sampled": 8, "checked": 8, "correct": 4, "problems": 4, "corrections": 4}
    assert sum(s["by_type"].get("perfunctory", 0) for s in stats) == 4


def test_the_seed_and_population_are_recorded_with_an_audit_event(api, db, orders):
    check = post(api("supervisor"), CHECKS, draw_body(), 201)
    row = db.query(SpotCheck).filter_by(ref=check["ref"]).one()
    assert row.seed == "abc123" and row.population == 8
    from hotline.audit.models import AuditEvent

    events = db.query(AuditEvent).filter_by(action="spot_check.drawn", object_id=check["ref"]).all()
    assert len(events) == 1 and events[0].detail["seed"] == "abc123"
    ahead = SpotCheckItem(correction_state="open", correction_due_at=clock.now() + dt.timedelta(hours=1))
    assert service.is_overdue(ahead) is False
