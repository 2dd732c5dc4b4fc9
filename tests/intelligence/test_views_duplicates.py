"""Beside the intake form: the place the appeal names and its likely duplicates; on the
order page: merging ticked duplicates into the order, and taking one out again."""

from hotline.intelligence import service as intel
from hotline.intelligence.models import PlaceKind
from hotline.workorder import service as wo
from hotline.workorder.lifecycle import Status

LAMP = "幸福路12号门口的路灯坏了一个月，晚上一片漆黑，老人孩子出行不安全"


def _intake(db, world, content=LAMP, phone="13911112222"):
    order, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title=content[:12], content=content, phone=phone,
        category_code=world.categories["lamp"], region_code="990102001"))
    return order


def test_the_intake_card_shows_the_place_and_the_likely_duplicates(api, db, world):
    intel.add_place(db, world.p("admin"), name="幸福路", region_code="990102001", kind=PlaceKind.street)
    first = _intake(db, world)
    db.commit()
    r = api("agent").get("/console/duplicates", params={
        "title": "路灯坏了", "content": "幸福路12号门口路灯坏了一个月了", "phone": "13911112222"})
    assert r.status_code == 200
    assert "示范省 / 青川市 / 东城区 / 东华街道" in r.text and "“幸福路”" in r.text
    assert 'data-value="990102001"' in r.text  # a click fills the region
    assert first.number in r.text and "同一来电人" in r.text
    r = api("agent").get("/console/duplicates", params={"content": "工资被拖欠三个月", "phone": "139"})
    assert r.status_code == 200 and 'id="ai-no-duplicates"' in r.text  # a phone half typed is no error
    assert api("handler").get("/console/duplicates", params={"content": LAMP}).status_code == 403


def test_the_order_page_merges_ticked_duplicates_and_unmerges(api, db, world):
    parent = _intake(db, world)
    child = _intake(db, world, "幸福路路灯坏了一个月，没人修", phone="13800001111")
    db.commit()
    dispatcher = api("dispatcher")
    page = dispatcher.get(f"/orders/{parent.number}").text
    assert 'id="act-merge"' in page
    fragment = dispatcher.get(f"/orders/{parent.number}/duplicates").text
    assert f'value="{child.number}"' in fragment
    r = dispatcher.post(f"/orders/{parent.number}/merge", data={"numbers[]": [child.number]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    db.expire_all()
    assert child.status == Status.merged and child.merged_into_id == parent.id
    assert child.number in dispatcher.get(f"/orders/{parent.number}/duplicates").text  # listed as merged
    assert 'id="act-unmerge"' in dispatcher.get(f"/orders/{child.number}").text
    assert dispatcher.post(f"/orders/{parent.number}/merge", data={}).status_code == 422
    r = dispatcher.post(f"/orders/{child.number}/unmerge", data={}, follow_redirects=False)
    assert r.status_code == 303
    db.expire_all()
    assert child.status == Status.registered
    assert api("agent").get(f"/orders/{parent.number}/duplicates").status_code == 403
