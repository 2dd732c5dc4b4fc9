"""The citizen's own photos: sent with an appeal from the public form or an Open311 client, cleaned
of their camera data, on the order as 群众上传, and shown back to the citizen (and only to them)
through signed links on the progress page."""

from __future__ import annotations

import datetime as dt
import io
import re

from PIL import Image
from sqlalchemy import func, select

from hotline.attachments.models import Attachment
from hotline.selfservice import service as selfservice
from hotline.workorder.models import WorkOrder
from tests.attachments.test_attachments import photo_with_gps, upload
from tests.selfservice.codes import last_code
from tests.workorder.test_public_pages import APPEAL, PHONE, form_token, track


def submit_with_files(client, db, files):  # type: ignore[no-untyped-def]
    """The public form with ``files`` ((name, bytes) pairs); returns the response of the submit."""
    token = form_token(client)
    return client.post("/public", data={**APPEAL, "form_token": token}, follow_redirects=False,
                       files=[("files[]", (name, data, "application/octet-stream")) for name, data in files])


def confirm(client, db) -> str:  # type: ignore[no-untyped-def]
    token = form_token(client, "/public/confirm")
    done = client.post("/public/confirm", data={"code": last_code(db, PHONE), "form_token": token},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    return done.headers["location"].split("number=")[1]


def attachments_of(db, number):  # type: ignore[no-untyped-def]
    order_id = db.scalar(select(WorkOrder.id).where(WorkOrder.number == number))
    return list(db.scalars(select(Attachment).where(Attachment.work_order_id == order_id).order_by(Attachment.id)))


def test_a_photo_sent_with_the_public_form_reaches_the_order_and_the_citizens_page_only(client, api, world, db):
    submitted = submit_with_files(client, db, [("现场.jpg", photo_with_gps()), ("说明.pdf", b"%PDF-1.4\n%%EOF\n")])
    assert submitted.status_code == 303, submitted.text
    assert db.scalar(select(func.count()).select_from(Attachment)) == 0  # nothing on an order before the code
    number = confirm(client, db)
    rows = attachments_of(db, number)
    assert [(r.context, r.public, r.uploaded_by_id, r.content_type) for r in rows] == [
        ("public", True, None, "image/jpeg"), ("public", True, None, "application/pdf")]
    assert rows[0].uploaded_by_name == "群众（网上诉求）"

    # the staff see it on the order; a file of the centre's own stays off the citizen's page
    agent = api("agent")
    assert upload(agent, number, "内部.jpg", photo_with_gps()).status_code == 201
    assert any(r.file_name == "现场.jpg" for r in attachments_of(db, number))

    page = track(client, number, PHONE)
    links = re.findall(r'(?:href|src)="(/public/attachments/[^"]+)"', page.text)
    assert len(links) == 3  # the photo (link and thumbnail) and the PDF; not the agent's file
    anonymous = type(client)(client.app)
    thumb = next(link for link in links if "thumb=1" in link)
    shown = anonymous.get(thumb.replace("&amp;", "&"))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    full = anonymous.get(next(link for link in links if "thumb" not in link and ".pdf" not in link)
                         .replace("&amp;", "&"))
    assert full.status_code == 200
    assert Image.open(io.BytesIO(full.content)).getexif().get(0x8825) is None  # no GPS left

    # a changed signature, another file's ref or a link past its hour is 404
    url = thumb.replace("&amp;", "&")
    assert anonymous.get(re.sub(r"s=[0-9a-f]", "s=z", url)).status_code == 404
    internal = attachments_of(db, number)[-1]
    assert anonymous.get(re.sub(r"/public/attachments/[0-9a-f]+", f"/public/attachments/{internal.ref}",
                                url)).status_code == 404
    expired = int(re.search(r"e=(\d+)", url).group(1)) - 2 * 3600  # type: ignore[union-attr]
    assert anonymous.get(re.sub(r"e=\d+", f"e={expired}", url)).status_code == 404


def test_the_citizens_api_view_lists_the_public_files_with_signed_links(client, api, world, db, travel):
    submitted = submit_with_files(client, db, [("现场.jpg", photo_with_gps())])
    assert submitted.status_code == 303
    number = confirm(client, db)
    looked = client.get(f"/api/v1/public/appeals/{number}", params={"phone": PHONE})
    assert looked.status_code == 200, looked.text
    files = looked.json()["attachments"]
    assert [(f["file_name"], f["from_citizen"]) for f in files] == [("现场.jpg", True)]
    assert client.get(files[0]["url"]).status_code == 200
    travel.shift(dt.timedelta(hours=2))
    assert client.get(files[0]["url"]).status_code == 404


def test_too_many_or_unfit_files_are_refused_on_the_form_and_nothing_waits(client, world, db):
    many = submit_with_files(client, db, [(f"{i}.jpg", photo_with_gps()) for i in range(selfservice.MAX_FILES + 1)])
    assert many.status_code == 422 and f"最多上传 {selfservice.MAX_FILES} 个" in many.text
    unfit = submit_with_files(client, db, [("病毒.exe", b"MZ\x90\x00" + b"\x00" * 100)])
    assert unfit.status_code == 422
    assert "p-files-msg" in unfit.text
    assert db.scalar(select(func.count()).select_from(selfservice.PublicSubmission)) == 0
