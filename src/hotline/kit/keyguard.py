"""Start-up guards: the personal-data keys match the database, the audit log is append-only.

* **Key canary.** The first time a database meets its keys, a known value is stored encrypted
  with the current SM4 key, beside its keyed HMAC-SM3 hash (the phone index). Every start
  (``hotline serve``, ``worker``, ``demo``, every command that opens the database, and the web
  application itself) decrypts it and recomputes the hash; if either disagrees the process
  refuses to start and says how to get the real keys back. Without this, a lost ``keys.json``
  used to be replaced by new keys under the same key id: every page showing a citizen failed,
  whatever was written meanwhile was unreadable with the real keys, and phone lookups stopped
  matching.
* **Never new keys over old data.** :func:`holds_encrypted_data` tells the settings that a
  database already holds a canary or an encrypted value, so keys are not generated for it.
* **Append-only audit.** The triggers that refuse ``UPDATE`` and ``DELETE`` on ``audit_event``
  (first migration) must exist and be enabled, or the process refuses to start.

A database from before the canary gets one at its first start, after one of its encrypted
values has decrypted with the configured keys (docs/adr/0012-key-canary-and-backup.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hotline.kit import clock, crypto
from hotline.kit.db import Base, EncryptedString, UTCDateTime, is_sqlite
from hotline.kit.errors import HotlineError

log = logging.getLogger(__name__)

#: The value encrypted and hashed into the canary. Not secret: GCM makes a known plaintext harmless.
CANARY_PLAINTEXT = "hotline-key-canary:12345"
CANARY_ID = 1

#: The triggers of the first migration that keep ``audit_event`` append-only, per database.
AUDIT_TRIGGERS = {"sqlite": {"audit_event_no_update", "audit_event_no_delete"},
                  "postgresql": {"audit_event_append_only"}}

KEYS_HELP = ("请恢复原来的密钥文件 keys.json（数据目录中，或从备份中取回），"
             "或把 HOTLINE_PII_KEYS 与 HOTLINE_PII_INDEX_KEY 设为原来的密钥后再启动；切勿换用新密钥")


class KeyCanary(Base):
    """The key canary (密钥校验值): a known value encrypted with the personal-data key and
    hashed with the index key when the database first met its keys. One row."""

    __tablename__ = "key_canary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ciphertext: Mapped[str] = mapped_column(String(200))
    index_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StartupRefused(HotlineError):
    """The process must not start: its keys do not open this database, or the database is
    not the one the platform expects (unmigrated, audit triggers missing)."""

    status_code = 503
    code = "startup_refused"


def encrypted_columns() -> list[sa.Column[str]]:
    """Every column of the metadata stored encrypted (the caller has imported ``hotline.models``)."""
    return [column for table in Base.metadata.tables.values() for column in table.columns
            if isinstance(column.type, EncryptedString)]


def _raw(column: sa.Column[str]) -> sa.ColumnElement[str]:
    """The stored ciphertext of an encrypted column, not decrypted on the way out."""
    return sa.type_coerce(column, String())


def holds_encrypted_data(url: str) -> bool:
    """Whether the database at ``url`` holds a key canary or any encrypted value: then keys
    made now could not read it, and must not be made. A database that does not exist yet (no
    SQLite file) holds nothing; one that cannot be reached is assumed to hold data."""
    if is_sqlite(url):
        path = sa.make_url(url).database
        if not path or path == ":memory:" or not Path(path).exists():
            return False
    import hotline.models  # noqa: F401 - every table, so that every encrypted column is looked at

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
            if KeyCanary.__tablename__ in present and conn.execute(select(KeyCanary.id)).first():
                return True
            for column in encrypted_columns():
                if column.table.name in present and conn.execute(
                        select(sa.literal(1)).select_from(column.table).where(column.is_not(None)).limit(1)).first():
                    return True
    except sa.exc.OperationalError as error:
        raise StartupRefused(f"无法连接数据库，不能确认其中没有加密数据，因此不生成新密钥：{error.orig}") from None
    finally:
        engine.dispose()
    return False


def check_audit_triggers(engine: Engine) -> None:
    """Refuse to start unless ``audit_event`` exists with its append-only triggers enabled."""
    kind = "sqlite" if is_sqlite(engine) else "postgresql"
    with engine.connect() as conn:
        if kind == "sqlite":
            table = sa.text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='audit_event'")
            if not conn.execute(table).first():
                raise StartupRefused("数据库尚未迁移（没有 audit_event 表）：请先运行 hotline db upgrade")
            found = set(conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_event'")).scalars())
        else:
            if conn.execute(sa.text("SELECT to_regclass('audit_event')")).scalar() is None:
                raise StartupRefused("数据库尚未迁移（没有 audit_event 表）：请先运行 hotline db upgrade")
            found = set(conn.execute(sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass('audit_event') "
                "AND NOT tgisinternal AND tgenabled <> 'D'")).scalars())
    missing = sorted(AUDIT_TRIGGERS[kind] - found)
    if missing:
        raise StartupRefused(f"审计表 audit_event 缺少防篡改触发器（{'、'.join(missing)}，或已停用），拒绝启动："
                             "审计记录可能已被改动。请用 hotline audit verify 核验，并按首个迁移重建触发器")


def _decrypts(cipher: crypto.PiiCipher, token: str) -> bool:
    try:
        return cipher.decrypt(token) == CANARY_PLAINTEXT
    except Exception:  # wrong key, unknown key id, tampered value: all mean "not these keys"
        return False


def _sample_value(session: Session) -> str | None:
    """One stored ciphertext, for a database that holds data but predates the canary."""
    for column in encrypted_columns():
        token = session.execute(select(_raw(column)).where(column.is_not(None)).limit(1)).scalar()
        if token is not None:
            return str(token)
    return None


def check_keys(engine: Engine, cipher: crypto.PiiCipher, *, check_index: bool = True) -> None:
    """Refuse to start unless ``cipher`` opens this database: the canary decrypts to the known
    value and (with ``check_index``) its keyed hash is recomputed equal. The first time, the
    canary is written — after one existing encrypted value, if any, has decrypted."""
    for _attempt in range(2):
        with Session(engine) as session, session.begin():
            canary = session.get(KeyCanary, CANARY_ID)
            if canary is not None:
                _verify(canary, cipher, check_index=check_index)
                return
            sample = _sample_value(session)
            if sample is not None:
                try:
                    cipher.decrypt(sample)
                except Exception:  # any failure means these keys did not write this data
                    raise StartupRefused(
                        f"个人信息密钥与数据库不符：库中已有加密数据（密钥编号 {cipher.key_id_of(sample)}），"
                        f"当前密钥无法解密，拒绝启动。{KEYS_HELP}") from None
            now = clock.now()
            session.add(KeyCanary(id=CANARY_ID, ciphertext=cipher.encrypt(CANARY_PLAINTEXT),
                                  index_hash=cipher.blind_index(CANARY_PLAINTEXT), created_at=now, updated_at=now))
            try:
                session.flush()
            except IntegrityError:  # another process wrote it first: check theirs
                session.rollback()
                continue
            log.info("key canary written with key %s", cipher.current_key_id)
            return


def _verify(canary: KeyCanary, cipher: crypto.PiiCipher, *, check_index: bool) -> None:
    key_id = cipher.key_id_of(canary.ciphertext)
    if not _decrypts(cipher, canary.ciphertext):
        held = "、".join(k for k, _ in cipher.keyring)
        raise StartupRefused(
            f"个人信息密钥与数据库不符：密钥校验值（密钥编号 {key_id}）无法用当前密钥（{held}）解密，"
            f"拒绝启动，以免写入无法读取的数据。{KEYS_HELP}")
    if check_index and not crypto.constant_time_equal(cipher.blind_index(CANARY_PLAINTEXT), canary.index_hash):
        raise StartupRefused(
            "检索密钥与数据库不符：HOTLINE_PII_INDEX_KEY 算出的校验哈希与库中不同，按电话号码查找将全部落空，"
            f"拒绝启动。{KEYS_HELP}（有意更换检索密钥时，先运行 hotline pii rotate）")


def rewrite_canary(session: Session, cipher: crypto.PiiCipher) -> None:
    """After ``hotline pii rotate``: the canary re-encrypted with the current key and hashed
    with the current index key, so that the old key can leave the keyring."""
    canary = session.get(KeyCanary, CANARY_ID)
    now = clock.now()
    if canary is None:
        session.add(KeyCanary(id=CANARY_ID, ciphertext=cipher.encrypt(CANARY_PLAINTEXT),
                              index_hash=cipher.blind_index(CANARY_PLAINTEXT), created_at=now, updated_at=now))
        return
    canary.ciphertext = cipher.encrypt(CANARY_PLAINTEXT)
    canary.index_hash = cipher.blind_index(CANARY_PLAINTEXT)
    canary.updated_at = now


def startup_checks(engine: Engine, cipher: crypto.PiiCipher, *, check_index: bool = True) -> None:
    """Everything a process checks before it serves or works: audit triggers, then keys."""
    check_audit_triggers(engine)
    check_keys(engine, cipher, check_index=check_index)
