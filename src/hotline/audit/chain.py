"""Pure rules of the audit chain: the canonical form of a row and its SM3 link."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hotline.kit.crypto import sm3

GENESIS = "0" * 64


def canonical(
    *,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str | None,
    object_id: str | None,
    detail: dict[str, Any],
    ip: str | None,
) -> bytes:
    at_utc = at.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    body = [seq, at_utc, actor_id, actor_name, action, object_type, object_id, detail, ip]
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def link(prev_hash: str, row: bytes) -> str:
    """``SM3(prev_hash || canonical(row))``."""
    return sm3(prev_hash.encode("ascii") + row)
