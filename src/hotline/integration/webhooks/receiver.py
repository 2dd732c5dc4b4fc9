"""A receiver of pushes on 127.0.0.1, for tests, the benchmark and the demo: it checks each
request's signature as a real receiver should (docs/webhooks.md), records what arrived, and can
be told to fail a share of requests or to be down."""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from hotline.integration.webhooks import lifecycle
from hotline.kit import clock


@dataclass
class Received:
    event_id: str
    event_type: str
    payload: dict[str, Any]
    at: float  # the instant it was accepted, as Unix seconds


@dataclass
class Receiver:
    secret: str
    fail_ratio: float = 0.0
    seed: int = 1
    accepted: list[Received] = field(default_factory=list)
    refused_signatures: int = 0
    failed_on_purpose: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hook"

    def start(self, port: int = 0) -> Receiver:
        receiver, rng = self, random.Random(self.seed)  # noqa: S311 - failures on purpose, not a secret

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    timestamp = int(self.headers.get("X-Hotline-Timestamp") or "")
                except ValueError:
                    timestamp = 0
                ok = lifecycle.verify(receiver.secret, self.headers.get("X-Hotline-Signature") or "", timestamp, body,
                                      now=int(clock.now().timestamp()))
                with receiver._lock:
                    if not ok:
                        receiver.refused_signatures += 1
                        status = 401
                    elif rng.random() < receiver.fail_ratio:
                        receiver.failed_on_purpose += 1
                        status = 503
                    else:
                        payload = json.loads(body)
                        receiver.accepted.append(Received(self.headers.get("X-Hotline-Event-Id") or "",
                                                          payload.get("type", ""), payload,
                                                          clock.now().timestamp()))
                        status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", port or self._port), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True, name="webhook-receiver").start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until :meth:`start` again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> list[str]:
        with self._lock:
            return [r.event_id for r in self.accepted]
