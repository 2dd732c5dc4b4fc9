"""The knowledge API end to end: the workflow over HTTP, bad input, the public search and
assistant with its hand-off to an appeal, and the one-click answer at intake."""

import re

from sqlalchemy import select

from hotline.knowledge.models import KnowledgeAnswer, KnowledgeItem
from hotline.workorder.models import WorkOrder
from tests.knowledge.helpers import published

ITEM = {"question": "住房公积金可以提取用于支付房租吗？", "policy_class": None, "category_code": "01",
        "answer": "无自有住房且租赁住房的职工，可以提取住房公积金支付房租，每季度提取一次。", "keywords": ["租房提取"]}


def test_the_workflow_over_the_api(api, world):
    handler, supervisor = api("handler"), api("supervisor")
    created = handler.post("/api/v1/knowledge/items", json=ITEM)
    assert created.status_code == 201, created.text
    item_id = created.json()["id"]
    assert created.json()["allowed"] == ["revise", "submit", "withdraw"]
    assert handler.post(f"/api/v1/knowledge/items/{item_id}/approve").status_code == 403
    assert handler.post(f"/api/v1/knowledge/items/{item_id}/submit").status_code == 200
    assert supervisor.post(f"/api/v1/knowledge/items/{item_id}/publish").status_code == 409  # not approved yet
    assert supervisor.post(f"/api/v1/knowledge/items/{item_id}/approve").status_code == 200
    published_ = supervisor.post(f"/api/v1/knowledge/items/{item_id}/publish")
    assert published_.status_code == 200 and published_.json()["published_version_id"]
    hits = api("agent").get("/api/v1/knowledge/search", params={"q": "公积金交房租"}).json()
    assert hits[0]["item_id"] == item_id and "公积金" in hits[0]["matched"]
    # another unit never sees nor touches an unpublished item of this one
    draft = handler.post("/api/v1/knowledge/items", json={**ITEM, "question": "公积金提取需要哪些材料？"}).json()
    assert api("other_handler").get(f"/api/v1/knowledge/items/{draft['id']}").status_code == 404


def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(api, db):
    handler = api("handler")
    before = db.execute(select(KnowledgeItem.id)).all()
    for body, field in [({**ITEM, "region_code": "99"}, "region_code"), ({**ITEM, "question": ""}, "question"),
                        ({**ITEM, "expires_on": "2020-01-01", "effective_on": "2021-01-01"}, "expires_on"),
                        ({**ITEM, "category_code": None}, "category_code")]:
        response = handler.post("/api/v1/knowledge/items", json=body)
        assert response.status_code == 422, body
        assert response.json().get("field") == field or field in response.text
    assert db.execute(select(KnowledgeItem.id)).all() == before
    bad_doc = handler.post("/api/v1/knowledge/documents", json={"title": "通知", "doc_number": "第30号",
                                                                 "issued_on": "2026-11-02"})
    assert bad_doc.status_code == 422 and bad_doc.json()["field"] == "doc_number"
    assert api("agent").post("/api/v1/knowledge/items", json=ITEM).status_code == 403


def test_the_public_search_and_item_show_no_staff_details(client, db, world):
    item = published(db, world, question="住房公积金可以提取用于支付房租吗？", policy_class=None,
                     category_code=world.categories["urban"], answer=ITEM["answer"])
    db.commit()
    hits = client.get("/api/v1/public/knowledge/search", params={"q": "公积金付房租"}).json()
    assert [h["item_id"] for h in hits] == [item.id]
    assert "score" not in hits[0] and "matched" not in hits[0]
    page = client.get(f"/public/knowledge/{item.id}")
    assert page.status_code == 200 and "支付房租" in page.text
    assert client.get("/public/knowledge/999999").status_code == 404
    db.refresh(item)
    assert item.views == 1
    for helpful in (True, True, False):  # one vote an hour per reader and item: a loop moves nothing
        assert client.post(f"/api/v1/public/knowledge/items/{item.id}/vote",
                           json={"helpful": helpful}).status_code == 204
    db.refresh(item)
    assert (item.helpful, item.not_helpful) == (1, 0)


def test_the_assistant_answers_from_an_item_and_cites_it(client, db, world):
    item = published(db, world, question="住房公积金可以提取用于支付房租吗？", policy_class=None,
                     category_code=world.categories["urban"], answer=ITEM["answer"])
    db.commit()
    reply = client.post("/api/v1/public/knowledge/assistant", json={"question": "我租房住，公积金能提出来交房租吗"})
    body = reply.json()
    assert body["answered"] is True and body["source"]["item_id"] == item.id
    assert body["message"] == ITEM["answer"] and body["appeal_url"] is None
    db.refresh(item)
    assert item.answers == 1


def test_the_assistant_hands_an_unanswered_question_to_the_appeal_form(client, db, world):
    published(db, world, question="住房公积金可以提取用于支付房租吗？", policy_class=None,
              category_code=world.categories["urban"], answer=ITEM["answer"])
    db.commit()
    question = "我家楼下烧烤店每天半夜油烟很大，熏得没法开窗"
    body = client.post("/api/v1/public/knowledge/assistant", json={"question": question}).json()
    assert body["answered"] is False and body["source"] is None
    assert body["appeal_url"].startswith("/public?")
    form = client.get(body["appeal_url"])
    assert form.status_code == 200 and question in form.text  # what was typed is carried over
    # the page version: a token-protected form, the reply fragment offers the hand-off
    page = client.get("/public/assistant")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    fragment = client.post("/public/assistant", data={"form_token": token, "question": question},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="to-appeal"' in fragment.text
    assert client.post("/public/assistant", data={"form_token": "x" * 30, "question": question}).status_code == 403


def test_one_click_answer_closes_a_consultation_and_records_the_item(api, db, world):
    item = published(db, world, question="住房公积金可以提取用于支付房租吗？", policy_class=None,
                     category_code=world.categories["urban"], answer=ITEM["answer"])
    agent = api("agent")
    panel = agent.get("/console/knowledge", params={"title": "问公积金交房租", "content": "租房能用公积金吗"})
    assert panel.status_code == 200 and f'value="{item.id}"' in panel.text
    response = agent.post("/console", data={
        "csrf_token": agent.headers["X-CSRF-Token"], "idempotency_key": "kb-one-click-1", "channel": "phone",
        "appeal_type": "complaint", "phone": "13800001111", "title": "", "content": "租房能用公积金吗",
        "knowledge_item_id": str(item.id)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    number = response.headers["location"].split("/orders/")[1].split("?")[0]
    order = db.execute(select(WorkOrder).where(WorkOrder.number == number)).scalar_one()
    assert order.status == "closed" and order.appeal_type == "consultation" and order.answer == ITEM["answer"]
    answer = db.execute(select(KnowledgeAnswer).where(KnowledgeAnswer.work_order_id == order.id)).scalar_one()
    assert answer.item_id == item.id and answer.channel == "agent"
    page = agent.get(f"/orders/{number}")
    assert 'id="answered-by"' in page.text and "支付房租" in page.text


def test_an_item_no_longer_answering_cannot_answer_a_call(api, db, world):
    item = published(db, world, question="住房公积金可以提取用于支付房租吗？", policy_class=None,
                     category_code=world.categories["urban"], answer=ITEM["answer"])
    api("supervisor").post(f"/api/v1/knowledge/items/{item.id}/withdraw", json={"reason": "政策调整"})
    response = api("agent").post("/api/v1/work-orders", json={
        "channel": "phone", "appeal_type": "consultation", "title": "公积金交房租", "content": "租房能用公积金吗",
        "phone": "13800001111", "knowledge_item_id": item.id})
    assert response.status_code == 422 and response.json()["field"] == "knowledge_item_id"
