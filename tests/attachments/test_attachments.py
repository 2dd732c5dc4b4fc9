"""Attachments: the content decides the type, photos lose their camera data and get a thumbnail,
limits and the virus-scan hook refuse what they must, files are read as the order is (scoped,
audited)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from hotline.attachments import media
from hotline.audit.models import AuditEvent
from hotline.config import get_settings
from tests.workbench.test_workbench import dispatched


def photo_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 800), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 40.0, 50.0), 3: "E", 4: (104.0, 3.0, 7.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(client, number: str, name: str, data: bytes, context: str = "handling"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/work-orders/{number}/attachments", files={"file": (name, data, "image/jpeg")},
                       data={"context": context})


def test_a_photo_loses_its_gps_and_gets_a_thumbnail(api, world, db) -> None:  # type: ignore[no-untyped-def]
    raw = photo_with_gps()
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)
    number = dispatched(api, world, title="附件照片件")
    handler = api("handler")
    response = upload(handler, number, "现场.jpg", raw, context="reply")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == "image/jpeg" and body["has_thumbnail"] and body["context_name"] == "答复"
    stored = handler.get(body["url"])
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    kept = Image.open(io.BytesIO(stored.content))
    assert kept.size == (1200, 800) and not kept.getexif()
    thumb = Image.open(io.BytesIO(handler.get(body["url"] + "/thumbnail").content))
    assert max(thumb.size) == media.THUMB_SIZE
    listed = api("dispatcher").get(f"/api/v1/work-orders/{number}/attachments").json()
    assert [a["ref"] for a in listed] == [body["ref"]]
    assert api("other_handler").get(body["url"]).status_code == 404
    viewed = db.execute(select(AuditEvent).where(AuditEvent.action == "attachment.viewed")).scalars().all()
    assert viewed and all("number" in e.detail for e in viewed)
    page = handler.get(f"/orders/{number}")
    assert 'id="attachments"' in page.text and f"/attachments/{body['ref']}/thumbnail" in page.text


def test_types_sizes_and_who_may_attach(api, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(api, world, title="附件限制件")
    handler = api("handler")
    fake = upload(handler, number, "photo.jpg", b"MZ\x90\x00 not a photo at all")
    assert fake.status_code == 422 and fake.json()["field"] == "file"
    pdf = upload(handler, number, "说明.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF")
    assert pdf.status_code == 201 and pdf.json()["content_type"] == "application/pdf"
    assert upload(api("other_handler"), number, "a.pdf", b"%PDF-1.4").status_code == 404
    assert upload(api("sector"), number, "a.pdf", b"%PDF-1.4").status_code in (403, 404)
    assert upload(handler, number, "a.pdf", b"%PDF-1.4", context="letter").status_code == 403
    assert upload(api("supervisor"), number, "a.pdf", b"%PDF-1.4", context="letter").status_code == 201
    monkeypatch.setattr(get_settings(), "attachment_max_bytes", 1024)
    big = upload(handler, number, "big.pdf", b"%PDF-1.4" + b"0" * 2048)
    assert big.status_code == 422 and "超过" in big.json()["reason"]


def test_the_virus_scan_hook_refuses_an_infected_file(api, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    number = dispatched(api, world, title="病毒扫描件")
    # a scanner as the hook expects one: exit 1 for a file holding "EICAR" (infected), 0 for others
    monkeypatch.setattr(get_settings(), "attachment_scan_command", "sh -c '! grep -q EICAR'")
    infected = upload(api("handler"), number, "x.txt", b"hello EICAR test")
    assert infected.status_code == 422 and "病毒" in infected.json()["reason"]
    clean = upload(api("handler"), number, "x.txt", b"hello")
    assert clean.status_code == 201
