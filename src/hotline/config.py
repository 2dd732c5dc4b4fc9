"""Configuration from the environment (prefix ``HOTLINE_``) or a ``.env`` file.

``HOTLINE_DATA_DIR`` (default ``var``) holds the SQLite database and, in development only, a
generated key file. Production sets ``HOTLINE_DATABASE_URL``, ``HOTLINE_SECRET_KEY``,
``HOTLINE_PII_KEYS`` and ``HOTLINE_PII_INDEX_KEY`` explicitly (see docs/operations.md).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str | None = None
    #: Signs nothing secret-bearing today but seeds CSRF tokens; 32+ random bytes in hex.
    secret_key: str | None = None
    #: SM4 keyring "id:hex32,id:hex32"; the first key encrypts, all decrypt (rotation).
    pii_keys: str | None = None
    #: HMAC-SM3 key (hex) for the searchable phone index.
    pii_index_key: str | None = None

    session_hours: int = 8
    cookie_secure: bool = False
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_lockout_minutes: int = 15
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456

    log_level: str = "INFO"
    log_json: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    metrics_enabled: bool = True
    #: Run a worker thread inside ``hotline serve``; unset means "yes on SQLite, no on
    #: PostgreSQL" (where ``hotline worker`` processes share the queue).
    inprocess_worker: bool | None = None
    #: Web processes of ``hotline serve`` (one per core is a good start; on SQLite they share
    #: the database file's single write lock).
    web_workers: int = Field(default=1, ge=1, le=64)
    #: The deadline sweep warns the lead unit this many working days before the deadline
    #: (hour-based deadlines — direct dispatch, emergencies — this many hours before).
    due_soon_working_days: int = Field(default=1, ge=0, le=10)
    due_soon_hours: int = Field(default=4, ge=1, le=72)
    #: Weights of the unit evaluation's indicators (points; see supervision.rules.INDICATORS),
    #: e.g. ``{"satisfaction_rate": 40, "on_time_close_rate": 30}``; unnamed ones keep their default.
    evaluation_weights: dict[str, float] = Field(default_factory=dict)
    #: A unit is ranked (好差评榜单) only with at least this many orders dispatched to it in the
    #: period; the others are listed apart, unranked (a unit with no orders must not top the list).
    ranking_min_orders: int = Field(default=5, ge=1, le=10_000)
    #: Threads per web process writing intakes in batches (PostgreSQL; SQLite has one writer).
    intake_writers: int = Field(default=1, ge=1, le=16)
    #: Python's GIL switch interval in the web processes (see hotline.app.serving_app).
    gil_switch_interval_ms: float = Field(default=0.5, gt=0, le=100)
    #: SMS: "log" writes a masked log line and sends nothing (development, demo); "http" posts
    #: {"phone","text","sign"} to sms_url with "Authorization: Bearer <sms_api_key>".
    sms_adapter: Literal["log", "http"] = "log"
    sms_url: str | None = None
    sms_api_key: str | None = None
    sms_sign: str = "【12345热线】"
    sms_timeout_seconds: float = 5.0

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotline.db').resolve()}"

    def ensure_keys(self) -> None:
        """Fill missing keys from ``<data_dir>/keys.json``, creating it on first use.

        This keeps the demo a one-command affair; a deployment passes keys in the environment
        and never relies on the file.
        """
        if self.secret_key and self.pii_keys and self.pii_index_key:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "keys.json"
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
        else:
            stored = {
                "secret_key": secrets.token_hex(32),
                "pii_keys": f"k1:{secrets.token_hex(16)}",
                "pii_index_key": secrets.token_hex(32),
            }
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(stored, fh)
            log.warning("generated development keys in %s; set HOTLINE_PII_KEYS in production", path)
        self.secret_key = self.secret_key or stored["secret_key"]
        self.pii_keys = self.pii_keys or stored["pii_keys"]
        self.pii_index_key = self.pii_index_key or stored["pii_index_key"]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.ensure_keys()
    return settings
