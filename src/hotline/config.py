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
    #: Login throttling (docs/adr/0015-login-throttling.md). Failures of one account from one
    #: client address before that pair is slowed down; the first wait, doubled with each further
    #: failure up to the cap; how long a failure is remembered.
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_backoff_seconds: int = Field(default=60, ge=1, le=3600)
    login_backoff_max_minutes: int = Field(default=60, ge=1, le=24 * 60)
    login_failure_memory_hours: int = Field(default=24, ge=1, le=24 * 30)
    #: Failures from one client address, whatever the accounts, within the window: past it the
    #: address is throttled (password spraying).
    login_client_max_failures: int = Field(default=20, ge=1, le=10000)
    login_client_window_minutes: int = Field(default=60, ge=1, le=24 * 60)
    #: Failures of one account from all addresses within the window that mean a distributed
    #: attack: addresses without a recent success for the account then back off after one failure.
    login_attack_failures: int = Field(default=30, ge=2, le=100000)
    login_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    #: An address from which the account logged in within these days keeps the normal rule.
    login_trusted_days: int = Field(default=30, ge=1, le=365)
    #: Passwords (MLPS level 3): days before a password must be changed again (0 = never) and
    #: how many earlier passwords may not be chosen again.
    password_max_age_days: int = Field(default=90, ge=0, le=3650)
    password_history_count: int = Field(default=5, ge=0, le=24)
    #: Largest request body (bytes): JSON and forms; uploads (multipart: Excel imports, attachments).
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    #: Attachments (docs/daily-work.md): the largest file, the folder (default: <data_dir>/attachments)
    #: and a virus scanner run on every file (the file on its stdin; exit 0 clean, 1 infected).
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    attachment_dir: Path | None = None
    attachment_scan_command: str | None = None
    #: Or an S3-compatible object store (MinIO, Ceph RGW, a cloud's object storage): set the
    #: endpoint (``https://oss.example.gov.cn``), the bucket and the keys; path-style requests
    #: signed with AWS Signature Version 4.
    attachment_s3_endpoint: str | None = None
    attachment_s3_bucket: str | None = None
    attachment_s3_region: str = "us-east-1"
    attachment_s3_access_key: str | None = None
    attachment_s3_secret_key: str | None = None
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
    #: Reads of the citizen register per account (each unmasked profile view, each phone
    #: search, each revealed contact) per window: past the limit → 429; at the alert count an
    #: audit alert ``citizen.bulk_read_alert`` is recorded, once per window.
    citizen_read_limit: int = Field(default=60, ge=1)
    citizen_read_alert_at: int = Field(default=30, ge=1)
    citizen_read_window_seconds: int = Field(default=600, ge=1)
    #: Refused accesses (``access.denied``) per account per window that raise the audit alert
    #: ``access.denied_alert``, once per window.
    access_denied_alert_at: int = Field(default=10, ge=1)
    access_denied_window_seconds: int = Field(default=600, ge=1)
    due_soon_hours: int = Field(default=4, ge=1, le=72)
    #: A catalogue appeal repeating an open direct-dispatched order of the same entry and place
    #: registered within this many hours joins that order instead of being dispatched again
    #: (0: never; docs/adr/0014-merging-catalogue-duplicates.md).
    duplicate_merge_hours: int = Field(default=24, ge=0, le=720)
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
    #: The gateway delivers a message once per ``Idempotency-Key`` (it answers a repeat with the
    #: first message's id): the relay may then record a batch's outcomes together (ADR 0034).
    sms_gateway_dedupes: bool = False
    #: The public door (docs/adr/0016-public-door.md): appeals per client address, SMS codes per
    #: phone, tracking per client address and wrong guesses per order number before it is locked.
    public_submissions_per_10min: int = Field(default=5, ge=1)
    public_submissions_per_day: int = Field(default=20, ge=1)
    public_codes_per_phone_hour: int = Field(default=3, ge=1)
    public_codes_per_phone_day: int = Field(default=5, ge=1)
    public_lookups_per_10min: int = Field(default=10, ge=1)
    public_number_failures_per_hour: int = Field(default=5, ge=1)
    public_code_minutes: int = Field(default=10, ge=1, le=60)
    public_code_attempts: int = Field(default=5, ge=1, le=10)
    #: Demo only (``hotline demo`` sets it): with the "log" SMS adapter nothing reaches a phone,
    #: so the public pages and API show the code they would have texted. Ignored with "http".
    public_demo_codes: bool = False
    #: Demo only (``hotline demo`` sets it): the receiver page standing in for a department's
    #: system, ``/demo/receiver`` (hotline.demo.webhooks). Off, its routes answer 404.
    demo_receiver: bool = False
    #: Telephony (docs/cti.md): the IVR digits → queue name map (a call that chose the digits
    #: and was never reported queued counts in that queue; the queue of digit "1" is the
    #: enterprise line), and the minutes after its last event that a call without ``ended``
    #: is closed by the platform as ``timeout``.
    cti_ivr_queues: dict[str, str] = Field(default_factory=lambda: {"1": "enterprise"})
    cti_call_timeout_minutes: int = Field(default=240, ge=1, le=7 * 24 * 60)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'hotline.db').resolve()}"

    def ensure_keys(self) -> None:
        """Fill missing keys from ``<data_dir>/keys.json``, creating it on first use.

        This keeps the demo a one-command affair; a deployment passes keys in the environment
        and never relies on the file. Keys are never generated for a database that already
        holds encrypted data (:class:`hotline.kit.keyguard.StartupRefused` instead).
        """
        if self.secret_key and self.pii_keys and self.pii_index_key:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "keys.json"
        if path.exists():
            stored = json.loads(path.read_text(encoding="utf-8"))
        else:
            if not (self.pii_keys and self.pii_index_key):
                self._refuse_keys_over_data(path)
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

    def _refuse_keys_over_data(self, path: Path) -> None:
        """New personal-data keys are never made for a database that already holds encrypted
        data or a key canary: they could not read it, and what they wrote could not be read
        with the real keys (issue 18, item 11)."""
        from hotline.kit import keyguard

        if keyguard.holds_encrypted_data(self.resolved_database_url):
            raise keyguard.StartupRefused(
                f"密钥文件 {path} 不存在，但数据库中已有加密的个人信息或密钥校验值：不会生成新密钥。"
                f"{keyguard.KEYS_HELP}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.ensure_keys()
    return settings
