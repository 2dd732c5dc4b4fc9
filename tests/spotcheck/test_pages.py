"""The pages of spot checks and rectification lists work through their forms (as the browser
test does, without a browser)."""

from tests.spotcheck.conftest import today


def _ref(location: str) -> str:
    return location.split("?")[0].rsplit("/", 1)[1]


def test_the_spot_check_pages_carry_a_check_from_draw_to_rectification_list(api, orders, world):
    sup = api("supervisor")
    assert "新建抽查" in sup.get("/spot-checks").text
    bad = sup.post("/spot-checks", data={"title": "", "period_start": today(), "period_end": today(), "size": "2"})
    assert bad.status_code == 422 and "不能为空" in bad.text
    drawn = sup.post("/spot-checks", follow_redirects=False, data={
        "title": "页面抽查", "period_start": today(), "period_end": today(), "size": "2", "method": "stratified",
        "stratify_by": "unit", "seed": "page-seed", "closed_only": "1", "correction_working_days": "5"})
    assert drawn.status_code == 303
    ref = _ref(drawn.headers["location"])
    page = sup.get(f"/spot-checks/{ref}").text
    assert "page-seed" in page and "待认定" in page
    items = sup.get(f"/api/v1/spot-checks/{ref}").json()["items"]
    item = next(i for i in items if i["unit"] == "青川市住建局")
    r = sup.post(f"/spot-checks/{ref}/items/{item['ref']}/finding", follow_redirects=False, data={
        "finding": "problem", "problem_type": "perfunctory", "correction": "补充答复", "version": "1"})
    assert r.status_code == 303
    contact = sup.get(f"/spot-checks/{ref}?contact={item['ref']}").text
    assert "13911112222" in contact  # a supervisor needs it for the re-callback (audited)
    assert sup.post(f"/spot-checks/{ref}/items/{item['ref']}/recall", follow_redirects=False,
                    data={"verdict": "satisfied"}).status_code == 303

    handler = api("handler")
    listed = handler.get("/spot-checks").text  # a unit lands on its corrections
    assert "抽查整改要求" in listed and "补充答复" in listed
    answered = handler.post(f"/spot-checks/corrections/{item['ref']}/answer", follow_redirects=False,
                            data={"text": "已补充答复"})
    assert answered.status_code == 303
    assert sup.post(f"/spot-checks/{ref}/items/{item['ref']}/decision", follow_redirects=False,
                    data={"accept": "1"}).status_code == 303
    assert "整改通过" in sup.get(f"/spot-checks/{ref}").text
    made = sup.post(f"/spot-checks/{ref}/rectification-list", follow_redirects=False)
    assert made.status_code == 303
    lst = _ref(made.headers["location"])
    assert "补充答复" in sup.get(f"/rectification-lists/{lst}").text
    item_ref = sup.get(f"/api/v1/rectification-lists/{lst}").json()["items"][0]["ref"]
    assert handler.post(f"/rectification-items/{item_ref}/progress", follow_redirects=False,
                        data={"text": "已完成", "done": "1"}).status_code == 303
    assert sup.post(f"/rectification-items/{item_ref}/decision", follow_redirects=False,
                    data={"confirm": "1"}).status_code == 303
    assert "已销号" in handler.get(f"/rectification-lists/{lst}").text


def test_ticked_ledger_orders_become_a_rectification_list(api, db, world, travel):
    from hotline.supervision import service as supervision
    from tests.supervision.helpers import cst, dispatched, project

    travel.move_to(cst(2026, 11, 16, 9))
    late = dispatched(db, world)
    supervision.sweep_batch(db, cst(2026, 11, 30))
    project(db)
    sup = api("supervisor")
    assert "生成整改清单" in sup.get("/ledgers").text
    made = sup.post("/rectification-lists/from-ledger", follow_redirects=False, data={"numbers[]": [late.number]})
    assert made.status_code == 303
    assert late.number in sup.get(made.headers["location"].split("?")[0]).text
    assert api("handler").get("/rectification-lists").status_code == 200


def test_a_manual_list_through_the_form(api, world):
    sup = api("supervisor")
    made = sup.post("/rectification-lists", follow_redirects=False, data={
        "title": "路灯巡查整改", "unit_id": str(world.units["990100-zj"]), "description": "建立路灯夜巡制度",
        "working_days": "10"})
    assert made.status_code == 303
    bad = sup.post("/rectification-lists", data={"title": "x", "description": "y"})
    assert bad.status_code == 422 and "请选择责任单位" in bad.text
