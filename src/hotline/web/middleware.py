"""Request context, structured access logs and Prometheus metrics."""

from __future__ import annotations

import logging
import secrets

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.kit import clock, context

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
