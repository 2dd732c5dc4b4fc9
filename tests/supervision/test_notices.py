"""Public notices (通报) of irregular orders: drafted from the ledger, published with a number,
on the public site without any personal data, sent to the units named, withdrawn for the record."""

import io

from docx import Document
from sqlalchemy import select

from hotline.notify.models import Notification
from hotline.org.models import Unit
from tests.supervision.helpers import dispatched, project


def _returned_twice(db, world):
    from hotline.workorder import service as wo

    order = dispatched(db, world, title="幸福路12号张三家门口路灯不亮", content="联系人张三 13911112222")
    for _ in range(2):
        wo.return_order(db, world.p("handler"), order, reason="不属于本单位职责")
        wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    return order


def test_a_notice_is_drafted_from_the_ledger_published_and_seen_by_the_public(api, db, world):
    db.get(Unit, world.units["990100-zj"]).contact_phone = "01012345678"
    order = _returned_twice(db, world)
    project(db)
    supervisor = api("supervisor")
    r = supervisor.post("/api/v1/notices", json={"title": "关于部分单位推诿扯皮问题的通报",
                                                 "body": "现将11月发现的问题通报如下。\n请各单位引以为戒。",
                                                 "items": [{"order_number": order.number}]})
    assert r.status_code == 201, r.text
    notice = r.json()
    assert notice["status"] == "draft" and notice["number"] is None
    assert notice["items"][0]["problem"].startswith("第 2 次退单")  # from the ledger
    assert supervisor.get("/api/v1/public/notices").json() == []  # not public while a draft

    published = supervisor.post(f"/api/v1/notices/{notice['id']}/publish")
    assert published.status_code == 200 and published.json()["number"].startswith("通报〔")
    public = supervisor.get("/api/v1/public/notices").json()
    assert [n["id"] for n in public] == [notice["id"]]
    text = str(public)
    for personal in ("张三", "13911112222", "幸福路"):
        assert personal not in text
    assert public[0]["items"][0] == {"order_number": order.number, "unit": "青川市住建局", "category": "路灯",
                                     "region": "东华街道", "problem": notice["items"][0]["problem"]}
    texts = db.scalars(select(Notification.template).where(Notification.unit_id == world.units["990100-zj"])).all()
    assert "unit_notice" in texts
    timeline = supervisor.get(f"/api/v1/work-orders/{order.number}/timeline").json()
    assert "work_order.notice_published" in {e["event"] for e in timeline}

    doc = supervisor.get(f"/api/v1/notices/{notice['id']}.docx")
    assert doc.status_code == 200
    document = Document(io.BytesIO(doc.content))
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert order.number in cells and "青川市住建局" in cells

    assert supervisor.put(f"/api/v1/notices/{notice['id']}", json={
        "title": "改", "body": "改", "items": [{"order_number": order.number}]}).status_code == 409
    assert supervisor.post(f"/api/v1/notices/{notice['id']}/publish").status_code == 409
    withdrawn = supervisor.post(f"/api/v1/notices/{notice['id']}/withdraw", json={"reason": "个别工单核实有误"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawn_reason"] == "个别工单核实有误"
    assert supervisor.get("/api/v1/public/notices").json() == []
    assert supervisor.get(f"/api/v1/public/notices/{notice['id']}").status_code == 404


def test_a_draft_is_edited_and_bad_lines_change_nothing(api, db, world):
    first, second = dispatched(db, world), dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    no_problem = supervisor.post("/api/v1/notices", json={"title": "通报", "body": "正文",
                                                          "items": [{"order_number": first.number}]})
    assert no_problem.status_code == 422 and no_problem.json()["field"] == "problem"  # nothing on a ledger
    draft = supervisor.post("/api/v1/notices", json={
        "title": "通报", "body": "正文", "items": [{"order_number": first.number, "problem": "超期未办结"}]}).json()
    twice = supervisor.put(f"/api/v1/notices/{draft['id']}", json={"title": "通报", "body": "正文", "items": [
        {"order_number": first.number, "problem": "a"}, {"order_number": first.number, "problem": "b"}]})
    assert twice.status_code == 422
    edited = supervisor.put(f"/api/v1/notices/{draft['id']}", json={"title": "新标题", "body": "正文", "items": [
        {"order_number": second.number, "problem": "答复敷衍"}, {"order_number": first.number, "problem": "超期"}]})
    assert edited.status_code == 200
    assert [(x["order_number"], x["problem"]) for x in edited.json()["items"]] == [
        (second.number, "答复敷衍"), (first.number, "超期")]


def test_notices_belong_to_the_centre_and_its_region(api, db, world):
    order = dispatched(db, world)
    db.commit()
    body = {"title": "通报", "body": "正文", "items": [{"order_number": order.number, "problem": "超期"}]}
    assert api("handler").post("/api/v1/notices", json=body).status_code == 403
    draft = api("supervisor").post("/api/v1/notices", json=body).json()
    assert api("handler").get(f"/api/v1/notices/{draft['id']}").status_code == 404
    assert api("other_handler").get("/api/v1/notices").status_code == 403
