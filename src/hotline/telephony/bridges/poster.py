"""Posting call events to the platform's call-event interface (``POST /api/v1/cti/events``)
from outside it: the simulator and the PBX bridges.

A batch is retried with exponential back-off while the platform is unreachable, busy (429,
503) or failing (5xx) — resending is safe, the platform counts an event seen before as a
duplicate. A refusal that retrying cannot cure (401 revoked key, 403, 422 malformed batch)
is raised at once."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

PATH = "/api/v1/cti/events"


class Refused(Exception):
    """The platform refused the batch for good (status and its answer)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"HTTP {status}: {text[:300]}")
        self.status = status


@dataclass
class Totals:
    batches: int = 0
    posted: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    retries: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, answer: dict[str, Any], posted: int) -> None:
        self.batches += 1
        self.posted += posted
        self.accepted += int(answer.get("accepted", 0))
        self.duplicates += int(answer.get("duplicates", 0))
        rejected = answer.get("rejected", [])
        items = rejected if isinstance(rejected, list) else []
        self.rejected += len(items) if isinstance(rejected, list) else int(rejected or 0)
        for item in items:
            reason = str(item.get("reason", "?")) if isinstance(item, dict) else "?"
            self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class EventPoster:
    """Posts batches to ``url`` (the platform's base address) with the CTI ``key``."""

    def __init__(self, url: str, key: str, *, retries: int = 6, backoff: float = 0.5, max_backoff: float = 30.0,
                 timeout: float = 15.0, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.endpoint = url.rstrip("/") + PATH
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self.client = client or httpx.Client(timeout=timeout)
        self.headers = {"Authorization": f"Bearer {key}"}
        self.sleep = sleep
        self.totals = Totals()

    def post(self, events: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Post one batch; the platform's answer (``accepted``, ``duplicates``, ``rejected``)."""
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                response = self.client.post(self.endpoint, json=list(events), headers=self.headers)
            except httpx.TransportError:
                if attempt == self.retries:
                    raise
            else:
                if response.status_code == 202:
                    answer: dict[str, Any] = response.json()
                    self.totals.add(answer, len(events))
                    return answer
                if response.status_code not in (408, 429) and response.status_code < 500:
                    raise Refused(response.status_code, response.text)
                if attempt == self.retries:
                    raise Refused(response.status_code, response.text)
            self.totals.retries += 1
            self.sleep(delay)
            delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.client.close()
