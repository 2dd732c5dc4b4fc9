"""Request bodies have a limit in the application itself: JSON and forms 1 MB, uploads
(multipart on import/attachment routes) 20 MB; over it → 413 with a Chinese message, whether
the body declares its length or arrives in chunks."""

from __future__ import annotations

import json

from tests.factories import login

MB = 1024 * 1024


def chunks(data: bytes, size: int = 64 * 1024):  # type: ignore[no-untyped-def]
    for i in range(0, len(data), size):
        yield data[i:i + size]


def big_json(size: int) -> bytes:
    return json.dumps({"username": "agent", "password": "x" * size}).encode()


def test_a_json_body_over_the_limit_is_refused_before_it_is_parsed(client, world):
    response = client.post("/api/v1/auth/login", content=big_json(2 * MB),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and "过大" in response.json()["message"]


def test_a_chunked_json_body_is_cut_off_once_it_passes_the_limit(client, world):
    response = client.post("/api/v1/auth/login", content=chunks(big_json(2 * MB)),
                           headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and "过大" in response.json()["message"]


def test_a_body_under_the_limit_is_handled_as_usual(client, world):
    response = client.post("/api/v1/auth/login", content=chunks(big_json(100), 16),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = "hotlineboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode()
    body = head + b"0" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_an_upload_may_be_larger_than_a_json_body_but_not_unlimited(client, world):
    login(client, "admin")
    body, content_type = _multipart(3 * MB)
    accepted = client.post("/api/v1/import/regions", content=body, headers={"Content-Type": content_type})
    assert accepted.status_code == 422  # got through to the importer: not an Excel file
    body, content_type = _multipart(21 * MB)
    assert client.post("/api/v1/import/regions", content=body,
                       headers={"Content-Type": content_type}).status_code == 413
    refused = client.post("/api/v1/import/regions", content=chunks(body, MB), headers={"Content-Type": content_type})
    assert refused.status_code == 413


def test_a_multipart_body_on_a_route_without_uploads_keeps_the_small_limit(client, world):
    login(client, "admin")
    body, content_type = _multipart(3 * MB)
    headers = {"Content-Type": content_type}
    assert client.post("/api/v1/regions", content=body, headers=headers).status_code == 413
    assert client.post("/api/v1/regions", content=chunks(body), headers=headers).status_code == 413


def test_a_page_form_over_the_limit_is_refused(client, world):
    response = client.post("/login", content=chunks(b"username=" + b"a" * (2 * MB)),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
