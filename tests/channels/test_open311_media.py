"""Photos sent by Open311 clients as the multipart field ``media``: cleaned of their camera data and
put on the order as the citizen's; a file that is not a photo or document is refused and makes no
order."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline.attachments.models import Attachment
from hotline.workorder.models import WorkOrder
from tests.attachments.test_attachments import photo_with_gps
from tests.channels.test_open311_requests import NEAR_XINGFU
from tests.channels.test_open311_requests import post as post_open311


def attachments_of(db, number):  # type: ignore[no-untyped-def]
    order_id = db.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    return list(db.scalars(select(Attachment).where(Attachment.work_order_id == order_id)))


def test_an_open311_client_uploads_a_photo_as_media(client, db, o311):
    body = {"api_key": o311.key, "service_code": o311.lamp, "attribute[LAMP_STATE]": "off",
            "description": "路灯不亮，见照片", **NEAR_XINGFU}
    posted = client.post("/open311/v2/requests.json", data=body, files={"media": ("lamp.jpg", photo_with_gps(),
                                                                                "image/jpeg")})
    assert posted.status_code == 200, posted.text
    number = posted.json()[0]["service_request_id"]
    rows = attachments_of(db, number)
    assert [(r.context, r.public, r.uploaded_by_name) for r in rows] == [("public", True, "群众（城市服务 App）")]
    # GET publishes no uploaded photo (it may show people): media_url stays what the client posted
    assert client.get(f"/open311/v2/requests/{number}.json").json()[0]["media_url"] is None


def test_an_open311_media_that_is_not_a_photo_is_refused_and_makes_no_order(client, db, o311):
    before = db.scalar(select(func.count()).select_from(WorkOrder))
    body = {"api_key": o311.key, "service_code": o311.lamp, "attribute[LAMP_STATE]": "off", **NEAR_XINGFU}
    posted = client.post("/open311/v2/requests.json", data=body, files={"media": ("x.exe", b"MZ" + b"\x00" * 50,
                                                                                "image/jpeg")})
    assert posted.status_code == 400, posted.text
    [error] = posted.json()
    assert error["code"] == 400 and "media" in error["description"]
    assert db.scalar(select(func.count()).select_from(WorkOrder)) == before
    assert post_open311(client, o311, **NEAR_XINGFU).status_code == 200  # the key still works
