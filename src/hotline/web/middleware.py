"""Request context, structured access logs and Prometheus metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.kit import cache, clock, context

log = logging.getLogger("hotline.request")

REQUESTS = Counter("hotline_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "hotline_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


#: Sent with every response, the API documentation page included (hotline.web.apidocs).
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
     b"frame-ancestors 'none'; form-action 'self'; base-uri 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


def route_label(scope: Scope) -> str:
    """The route template (``/api/v1/units/{unit_id}``), never the raw path: bounded label
    cardinality for metrics, and no identifiers or personal data in labels. Included routers
    keep their own relative paths, so the static prefix is recovered from the request path."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if route is None or template is None:
        return "unmatched"
    try:
        rendered = str(route.url_path_for(route.name, **scope.get("path_params", {})))
    except Exception:
        return template
    path = scope.get("path", "")
    prefix = path[: len(path) - len(rendered)] if path.endswith(rendered) else ""
    return prefix + template


class RequestContextMiddleware:
    """Pure ASGI middleware (no body buffering): request id, client IP, log line, metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        factory = getattr(getattr(scope.get("app"), "state", None), "version_factory", None)
        if factory is not None and cache.check_due():
            # reference rows another process changed: read in a thread, never waited for here
            # (the event loop must not wait for a connection; the caches catch up a moment later)
            asyncio.get_running_loop().run_in_executor(None, cache.read_version, factory)
        rid = secrets.token_hex(8)
        t_rid = context.request_id.set(rid)
        client = scope.get("client")
        t_ip = context.client_ip.set(client[0] if client else None)
        started = clock.monotonic()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode()),
                                      *SECURITY_HEADERS]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = clock.monotonic() - started
            route_path = route_label(scope)
            REQUESTS.labels(scope["method"], route_path, str(status)).inc()
            LATENCY.labels(scope["method"], route_path).observe(elapsed)
            principal = getattr(scope.get("state", {}).get("principal"), "user_id", None) \
                if isinstance(scope.get("state"), dict) else None
            log.info(
                "request", extra={
                    "method": scope["method"], "path": scope["path"], "status": status,
                    "duration_ms": round(elapsed * 1000, 1), "user_id": principal,
                },
            )
            context.request_id.reset(t_rid)
            context.client_ip.reset(t_ip)


#: Routes that take file uploads (Excel imports, attachments, a citizen's photos with an appeal
#: on the public form or from an Open311 client, a unit's with its reply or extension request on
#: the order page): the larger limit applies to
#: their multipart bodies. A new upload route must match this pattern.
UPLOAD_PATH = re.compile(r"/(import|attachments?)(/|$)|^/public$|^/open311/v2/requests\.(json|xml)$"
                         r"|^/orders/[^/]+/(reply|extension)$")


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a body passes its limit: FastAPI passes HTTP exceptions
    through body parsing untouched, and the error handlers answer 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求内容过大（上限 {_size(limit)}）")


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


class BodyLimitMiddleware:
    """Pure ASGI middleware refusing request bodies over their limit with 413: uploads
    (multipart bodies on upload routes) ``max_upload`` bytes, everything else (JSON, forms)
    ``max_body``. A declared ``Content-Length`` over the limit is refused before the
    application runs; a body without one (chunked) is counted as it arrives and cut off
    when it passes the limit. A proxy in front may limit too; the application does not
    rely on it."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    def limit_for(self, scope: Scope) -> int:
        content_type = b""
        for name, value in scope.get("headers", []):
            if name == b"content-type":
                content_type = value.lower()
        if content_type.startswith(b"multipart/form-data") and UPLOAD_PATH.search(scope["path"]):
            return self.max_upload
        return self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = json.dumps({"error": "too_large", "message": BodyTooLarge(limit).detail, "limit": limit},
                          ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})
