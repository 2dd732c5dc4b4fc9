"""The S3-compatible store: the signature is AWS Signature Version 4 (checked against the example
of the S3 documentation), and files go to, come from and leave a bucket of a store speaking the
protocol (a small fake that checks every request's signature)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from hotline.attachments import service
from hotline.attachments.storage import S3Storage, StorageUnavailable, sign_v4
from hotline.config import get_settings
from tests.attachments.test_attachments import photo_with_gps, upload
from tests.workbench.test_workbench import dispatched

ACCESS, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_the_signature_of_the_s3_documentations_get_object_example():
    """Amazon S3 API reference, "Signature Calculations for the Authorization Header", Example: GET Object."""
    headers = {"Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9",
               "x-amz-content-sha256": EMPTY, "x-amz-date": "20130524T000000Z"}
    assert sign_v4("GET", "/test.txt", "", headers, EMPTY, access_key=ACCESS, secret_key=SECRET,
                   region="us-east-1") == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")


class FakeS3(BaseHTTPRequestHandler):
    """Path-style objects in memory; a request whose signature or payload hash is wrong is 403."""

    objects: ClassVar[dict[str, bytes]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _authorised(self, body: bytes) -> bool:
        names = ("host", "x-amz-content-sha256", "x-amz-date")
        headers = {n: self.headers[n] or "" for n in names}
        if headers["x-amz-content-sha256"] != hashlib.sha256(body).hexdigest():
            return False
        expected = sign_v4(self.command, self.path, "", headers, headers["x-amz-content-sha256"],
                           access_key=ACCESS, secret_key=SECRET, region="cn-test-1")
        return self.headers["Authorization"] == expected

    def _answer(self, status: int, body: bytes = b"") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"] or 0))
        if not self._authorised(body):
            return self._answer(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
        self.objects[self.path] = body
        return self._answer(200)

    def do_GET(self) -> None:
        if not self._authorised(b""):
            return self._answer(403)
        if self.path not in self.objects:
            return self._answer(404, b"<Error><Code>NoSuchKey</Code></Error>")
        return self._answer(200, self.objects[self.path])

    def do_DELETE(self) -> None:
        if not self._authorised(b""):
            return self._answer(403)
        self.objects.pop(self.path, None)
        return self._answer(204)


@pytest.fixture
def store() -> Iterator[str]:
    FakeS3.objects = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeS3)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_files_go_to_come_from_and_leave_the_bucket(store):
    s3 = S3Storage(store, "hotline", region="cn-test-1", access_key=ACCESS, secret_key=SECRET)
    s3.put("202612/a b.pdf", b"%PDF-1.4")
    assert FakeS3.objects == {"/hotline/202612/a%20b.pdf": b"%PDF-1.4"}
    assert s3.read("202612/a b.pdf") == b"%PDF-1.4"
    s3.delete("202612/a b.pdf")
    with pytest.raises(FileNotFoundError):
        s3.read("202612/a b.pdf")
    wrong = S3Storage(store, "hotline", region="cn-test-1", access_key=ACCESS, secret_key="not-the-secret")
    with pytest.raises(StorageUnavailable):
        wrong.put("x.pdf", b"%PDF")


def test_an_order_photo_is_kept_in_the_configured_bucket(api, world, monkeypatch, store):
    for name, value in {"attachment_s3_endpoint": store, "attachment_s3_bucket": "hotline",
                        "attachment_s3_region": "cn-test-1", "attachment_s3_access_key": ACCESS,
                        "attachment_s3_secret_key": SECRET}.items():
        monkeypatch.setattr(get_settings(), name, value)
    assert isinstance(service.storage(), S3Storage)
    number = dispatched(api, world, title="对象存储件")
    handler = api("handler")
    made = upload(handler, number, "现场.jpg", photo_with_gps())
    assert made.status_code == 201, made.text
    assert len(FakeS3.objects) == 2  # the photo and its thumbnail
    assert handler.get(made.json()["url"]).content in FakeS3.objects.values()


def test_an_unreachable_store_refuses_the_upload_with_503_and_records_nothing(api, world, monkeypatch):
    for name, value in {"attachment_s3_endpoint": "http://127.0.0.1:9", "attachment_s3_bucket": "hotline",
                        "attachment_s3_access_key": ACCESS, "attachment_s3_secret_key": SECRET}.items():
        monkeypatch.setattr(get_settings(), name, value)
    number = dispatched(api, world, title="对象存储不可用件")
    handler = api("handler")
    refused = upload(handler, number, "现场.jpg", photo_with_gps())
    assert refused.status_code == 503, refused.text
    assert handler.get(f"/api/v1/work-orders/{number}/attachments").json() == []


@pytest.mark.parametrize("settings", [
    {"attachment_s3_endpoint": "http://127.0.0.1:9"},  # no bucket, no keys
    {"attachment_s3_endpoint": "ftp://store", "attachment_s3_bucket": "hotline", "attachment_s3_access_key": ACCESS,
     "attachment_s3_secret_key": SECRET},
])
def test_a_store_configured_by_halves_refuses_with_503_not_a_server_error(api, world, monkeypatch, settings):
    for name, value in settings.items():
        monkeypatch.setattr(get_settings(), name, value)
    number = dispatched(api, world, title="对象存储配置不全件")
    handler = api("handler")
    refused = upload(handler, number, "现场.jpg", photo_with_gps())
    assert refused.status_code == 503 and "对象存储" in refused.json()["message"]
    assert handler.get(f"/api/v1/work-orders/{number}/attachments").json() == []
