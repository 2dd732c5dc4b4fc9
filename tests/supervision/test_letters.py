"""Supervision letters: issued to the lead unit from an editable template, as .docx, with a
response deadline; the unit answers once; nobody else sees them; no personal data inside."""

import io

from docx import Document

from tests.supervision.helpers import dispatched, new_order


def test_a_supervisor_sends_a_reminder_and_the_unit_answers(api, db, world):
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    r = supervisor.post(f"/api/v1/work-orders/{order.number}/letters",
                        json={"kind": "reminder", "reason": "临近办理期限", "working_days": 2})
    assert r.status_code == 201, r.text
    letter = r.json()
    assert letter["unit"] == "青川市住建局" and letter["number"].startswith("热线提示〔")
    assert order.number in letter["body"] and "临近办理期限" in letter["body"] and not letter["overdue"]
    for personal in ("13911112222", "王五"):
        assert personal not in letter["body"]

    handler = api("handler")
    mine = handler.get(f"/api/v1/work-orders/{order.number}/letters").json()
    assert [x["id"] for x in mine] == [letter["id"]]
    answered = handler.post(f"/api/v1/letters/{letter['id']}/response", json={"text": "已安排维修，三日内完成"})
    assert answered.status_code == 200 and answered.json()["responded_at"]
    again = handler.post(f"/api/v1/letters/{letter['id']}/response", json={"text": "再答一次"})
    assert again.status_code == 409

    timeline = supervisor.get(f"/api/v1/work-orders/{order.number}/timeline").json()
    assert {"work_order.letter_issued", "work_order.letter_responded"} <= {e["event"] for e in timeline}


def test_the_letter_downloads_as_a_word_document(api, db, world):
    order = dispatched(db, world)
    db.commit()
    letter = api("supervisor").post(f"/api/v1/work-orders/{order.number}/letters",
                                    json={"kind": "supervision", "reason": "超期未办结"}).json()
    r = api("supervisor").get(f"/api/v1/letters/{letter['id']}.docx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "督办函" in text and order.number in text and "超期未办结" in text and "回复期限" in text


def test_other_units_and_roles_cannot_see_or_send_letters(api, db, world):
    order = dispatched(db, world)
    db.commit()
    letter = api("supervisor").post(f"/api/v1/work-orders/{order.number}/letters",
                                    json={"kind": "reminder"}).json()
    assert api("other_handler").get(f"/api/v1/letters/{letter['id']}").status_code == 404
    assert api("other_handler").post(f"/api/v1/letters/{letter['id']}/response", json={"text": "x"}).status_code == 404
    assert api("handler").post(f"/api/v1/work-orders/{order.number}/letters",
                               json={"kind": "reminder"}).status_code == 403


def test_an_order_without_a_unit_gets_no_letter(api, db, world):
    order = new_order(db, world)
    db.commit()
    r = api("supervisor").post(f"/api/v1/work-orders/{order.number}/letters", json={"kind": "reminder"})
    assert r.status_code == 409


def test_the_province_admin_edits_a_template_with_allowed_fields_only(api, db, world):
    admin = api("admin")
    r = admin.put("/api/v1/letter-templates/reminder",
                  json={"title": "提示函", "body": "{unit}：请于{reply_by}前办理工单{number}。{centre}"})
    assert r.status_code == 200
    bad = admin.put("/api/v1/letter-templates/reminder", json={"title": "提示函", "body": "诉求人电话：{phone}"})
    assert bad.status_code == 422 and "body" in bad.text and "phone" in bad.text
    broken = admin.put("/api/v1/letter-templates/reminder", json={"title": "提示函", "body": "请于{reply_by前办理"})
    assert broken.status_code == 422
    order = dispatched(db, world)
    db.commit()
    letter = api("supervisor").post(f"/api/v1/work-orders/{order.number}/letters", json={"kind": "reminder"}).json()
    assert letter["body"].startswith("青川市住建局：请于") and order.number in letter["body"]
    assert api("supervisor").get("/api/v1/letter-templates").status_code == 403


def test_the_order_page_sends_a_letter_and_the_unit_answers_there(api, db, world):
    order = dispatched(db, world)
    db.commit()
    supervisor = api("supervisor")
    page = supervisor.get(f"/orders/{order.number}")
    assert 'id="letter-form"' in page.text
    bad = supervisor.post(f"/supervision/orders/{order.number}/letters",
                          data={"kind": "reminder", "working_days": "99", "csrf_token": "csrf-supervisor"})
    assert bad.status_code == 422 and "回复期限" in bad.text
    assert supervisor.get(f"/api/v1/work-orders/{order.number}/letters").json() == []
    sent = supervisor.post(f"/supervision/orders/{order.number}/letters", follow_redirects=False,
                           data={"kind": "supervision", "reason": "超期未办结", "csrf_token": "csrf-supervisor"})
    assert sent.status_code == 303
    page = supervisor.get(sent.headers["location"])
    assert "督办文书已发出" in page.text and "热线督〔" in page.text

    handler = api("handler")
    page = handler.get(f"/orders/{order.number}")
    assert "提交回复" in page.text and 'id="letter-form"' not in page.text
    letter_id = handler.get(f"/api/v1/work-orders/{order.number}/letters").json()[0]["id"]
    answered = handler.post(f"/supervision/letters/{letter_id}/response", follow_redirects=False,
                            data={"text": "已完成维修", "csrf_token": "csrf-handler"})
    assert answered.status_code == 303
    assert "已完成维修" in handler.get(f"/orders/{order.number}").text
