"""Where attachment files live: an adapter behind a small interface (put, read, delete by key).
``DiskStorage`` keeps them under a folder (the data directory's ``attachments/`` unless configured);
``S3Storage`` in a bucket of an S3-compatible object store, when one is configured
(``HOTLINE_ATTACHMENT_S3_*``, docs/daily-work.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

from hotline.kit.errors import HotlineError


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class DiskStorage:
    """Files under ``root``, written to a temporary name and renamed (never half a file)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or ".." in key or key.startswith("/"):
            raise ValueError(f"bad storage key {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".partial")
        with partial.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class StorageUnavailable(HotlineError):
    """The object store answered with an error or could not be reached: 503, nothing recorded."""

    status_code = 503
    code = "storage_unavailable"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign_v4(method: str, path: str, query: str, headers: dict[str, str], payload_sha256: str, *,
            access_key: str, secret_key: str, region: str, service: str = "s3") -> str:
    """The ``Authorization`` header of AWS Signature Version 4 for a request whose ``headers``
    (every one of them is signed) hold ``host`` and ``x-amz-date``. ``path`` is already
    URI-encoded; ``query`` is the canonical query string ("" for none)."""
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    names = sorted(signed)
    canonical = "\n".join([method, path, query, "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names),
                           payload_sha256])
    stamp = signed["x-amz-date"]
    scope = f"{stamp[:8]}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_key}".encode(), stamp[:8]), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope},SignedHeaders={';'.join(names)},Signature={signature}"


class S3Storage:
    """Objects in ``bucket`` of an S3-compatible store at ``endpoint`` (path-style URLs:
    ``{endpoint}/{bucket}/{key}``), each request signed (AWS Signature Version 4)."""

    def __init__(self, endpoint: str, bucket: str, *, region: str, access_key: str, secret_key: str,
                 timeout: float = 30.0) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("对象存储地址 attachment_s3_endpoint 须为 http(s):// 开头的地址")
        self.endpoint = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.host = parts.netloc
        self.prefix = parts.path.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.timeout = timeout

    def _request(self, method: str, key: str, body: bytes = b"") -> tuple[int, bytes]:
        if not key or ".." in key or key.startswith("/"):
            raise ValueError(f"bad storage key {key!r}")
        path = quote(f"{self.prefix}/{self.bucket}/{key}", safe="/")
        payload = hashlib.sha256(body).hexdigest()
        headers = {"host": self.host, "x-amz-content-sha256": payload,
                   "x-amz-date": dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")}
        headers["Authorization"] = sign_v4(method, path, "", headers, payload, access_key=self.access_key,
                                           secret_key=self.secret_key, region=self.region)
        request = urllib.request.Request(  # noqa: S310 (the configured endpoint: http or https)
            f"{urlsplit(self.endpoint).scheme}://{self.host}{path}", data=body if method == "PUT" else None,
            method=method, headers={k: v for k, v in headers.items() if k != "host"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise StorageUnavailable(f"对象存储无法访问：{exc}") from None

    def put(self, key: str, data: bytes) -> None:
        status, answer = self._request("PUT", key, data)
        if status != 200:
            raise StorageUnavailable(f"对象存储拒绝写入（HTTP {status}）：{answer[:200]!r}")

    def read(self, key: str) -> bytes:
        status, answer = self._request("GET", key)
        if status == 404:
            raise FileNotFoundError(key)
        if status != 200:
            raise StorageUnavailable(f"对象存储读取失败（HTTP {status}）")
        return answer

    def delete(self, key: str) -> None:
        status, _ = self._request("DELETE", key)
        if status not in (200, 204, 404):
            raise StorageUnavailable(f"对象存储删除失败（HTTP {status}）")
