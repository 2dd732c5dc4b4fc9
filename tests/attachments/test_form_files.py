"""Files chosen in the reply and extension forms of the order page go on the order with that step,
in its transaction: a refused file refuses the step and leaves the order as it was."""

from __future__ import annotations

from sqlalchemy import select

from hotline.attachments.models import Attachment
from hotline.workorder.models import Reply, WorkOrder
from tests.attachments.test_attachments import photo_with_gps
from tests.workorder.test_views import browser, csrf, dispatched_order, status_of, version  # noqa: F401 (fixture)

PDF = b"%PDF-1.4\n%%EOF\n"


def post_form(client, number: str, action: str, data: dict, files: list):  # type: ignore[no-untyped-def]
    html = client.get(f"/orders/{number}").text
    assert f'action="/orders/{number}/{action}" enctype="multipart/form-data"' in html
    fields = {"csrf_token": csrf(html), "version": version(html), **data}
    return client.post(f"/orders/{number}/{action}", data=fields, follow_redirects=False,
                       files=[("files[]", f) for f in files])


def attachments_of(db, number):  # type: ignore[no-untyped-def]
    db.expire_all()
    order_id = db.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    return list(db.scalars(select(Attachment).where(Attachment.work_order_id == order_id).order_by(Attachment.id)))


def signed(api, world, open_as):  # type: ignore[no-untyped-def]
    number = dispatched_order(api, world)
    assert api("handler").post(f"/api/v1/work-orders/{number}/sign", json={}).status_code == 200
    return number, open_as("handler")


def test_a_reply_with_photos_shown_to_the_citizen(browser, api, world, db):  # noqa: F811
    number, handler = signed(api, world, browser)
    done = post_form(handler, number, "reply",
                     {"result": "resolved", "text": "已更换灯泡，见照片", "files_public": "1"},
                     [("修好了.jpg", photo_with_gps(), "image/jpeg"), ("验收单.pdf", PDF, "application/pdf")])
    assert done.status_code == 303, done.text
    assert status_of(db, number) == "replied"
    rows = attachments_of(db, number)
    assert [(a.context, a.public, a.content_type) for a in rows] == [
        ("reply", True, "image/jpeg"), ("reply", True, "application/pdf")]
    reply = db.scalar(select(Reply).join(WorkOrder).where(WorkOrder.number == number))
    assert [a["ref"] for a in reply.attachments] == [a.ref for a in rows]


def test_an_extension_request_with_its_evidence(browser, api, world, db):  # noqa: F811
    number, handler = signed(api, world, browser)
    done = post_form(handler, number, "extension", {"working_days": "5", "reason": "需协调供电公司更换线路"},
                     [("协调函.pdf", PDF, "application/pdf")])
    assert done.status_code == 303, done.text
    assert [(a.context, a.public) for a in attachments_of(db, number)] == [("extension", False)]


def test_a_refused_file_refuses_the_reply_and_changes_nothing(browser, api, world, db):  # noqa: F811
    number, handler = signed(api, world, browser)
    refused = post_form(handler, number, "reply", {"result": "resolved", "text": "已更换灯泡"},
                        [("程序.exe", b"MZ" + b"\x00" * 64, "application/octet-stream")])
    assert refused.status_code == 422
    assert "wo-act primary failed" in refused.text
    assert status_of(db, number) == "handling"
    assert attachments_of(db, number) == []


def test_a_file_is_on_the_staff_timeline_without_its_name_and_not_on_the_citizens(browser, api, world, db):  # noqa: F811
    number, handler = signed(api, world, browser)
    post_form(handler, number, "extension", {"working_days": "3", "reason": "等待材料"},
              [("张三的材料.pdf", PDF, "application/pdf")])
    timeline = api("supervisor").get(f"/api/v1/work-orders/{number}/timeline").json()
    entry = next(e for e in timeline if e["event"] in ("work_order.attached", "attached"))
    assert entry["label"] == "添加附件" and "张三" not in str(entry)
    from hotline.workorder import timeline as labels

    assert labels.citizen_label("work_order.attached") is None
