"""Issue 18, item 11: keys are never regenerated over existing data, a process whose keys do
not open the database (or whose audit log lost its append-only triggers) refuses to start, and
one undecryptable value shows as unreadable instead of failing the page."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.config import Settings, get_settings
from hotline.kit import crypto, keyguard, migrate
from hotline.kit.db import UNDECRYPTABLE, UnreadableValue, is_sqlite, make_engine
from tests.conftest import fresh_database_url

SUITE_KEYS = "t1:00112233445566778899aabbccddeeff"
SUITE_INDEX = "11" * 32
OTHER_KEYS = "t1:ffeeddccbbaa99887766554433221100"  # same key id, other key: the regenerated-keys case
OTHER_INDEX = "22" * 32


@pytest.fixture
def migrated() -> Iterator[str]:
    """A migrated database of the test's own, with no data and no canary yet."""
    url, cleanup = fresh_database_url("keys")
    migrate.upgrade(url)
    yield url
    cleanup()  # type: ignore[operator]


@pytest.fixture
def suite_cipher() -> Iterator[crypto.PiiCipher]:
    original = crypto.cipher()
    yield crypto.configure(SUITE_KEYS, SUITE_INDEX)
    crypto._cipher = original


def _cipher(keys: str, index: str) -> crypto.PiiCipher:
    return crypto.PiiCipher(crypto.parse_keyring(keys), bytes.fromhex(index))


def _checks(url: str, cipher: crypto.PiiCipher, **kw: bool) -> None:
    engine = make_engine(url)
    try:
        keyguard.startup_checks(engine, cipher, **kw)
    finally:
        engine.dispose()


def _bare_settings(tmp_path: Path, url: str) -> Settings:
    """Settings as a deployment without keys in its environment would have them."""
    return Settings(data_dir=tmp_path, database_url=url, secret_key=None, pii_keys=None, pii_index_key=None)


def test_the_first_start_writes_a_canary_that_later_starts_check(migrated):
    cipher = _cipher(SUITE_KEYS, SUITE_INDEX)
    _checks(migrated, cipher)
    engine = sa.create_engine(migrated)
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT ciphertext, index_hash FROM key_canary")).one()
    engine.dispose()
    assert row.ciphertext.startswith("t1:") and keyguard.CANARY_PLAINTEXT not in row.ciphertext
    assert cipher.decrypt(row.ciphertext) == keyguard.CANARY_PLAINTEXT
    _checks(migrated, cipher)  # the same keys start again


def test_keys_are_not_generated_when_keys_json_is_missing_beside_a_database_with_a_canary(tmp_path, migrated):
    first = _bare_settings(tmp_path, migrated)
    first.ensure_keys()  # an empty database: the one-command demo still makes its keys
    assert first.pii_keys and first.pii_index_key
    _checks(migrated, _cipher(first.pii_keys, first.pii_index_key))
    (tmp_path / "keys.json").unlink()

    with pytest.raises(keyguard.StartupRefused) as refused:
        _bare_settings(tmp_path, migrated).ensure_keys()
    assert "keys.json" in refused.value.message and "HOTLINE_PII_KEYS" in refused.value.message
    assert not (tmp_path / "keys.json").exists()


def test_keys_are_not_generated_for_a_database_holding_encrypted_data_but_no_canary(tmp_path, own_database):
    url, _world = own_database  # citizens and phones written before any canary existed
    with pytest.raises(keyguard.StartupRefused):
        _bare_settings(tmp_path, url).ensure_keys()
    assert not (tmp_path / "keys.json").exists()


def test_a_start_with_other_keys_under_the_same_key_id_is_refused_with_what_to_do(migrated, suite_cipher):
    _checks(migrated, _cipher(SUITE_KEYS, SUITE_INDEX))
    with pytest.raises(keyguard.StartupRefused) as refused:
        _checks(migrated, _cipher(OTHER_KEYS, SUITE_INDEX))
    assert "keys.json" in refused.value.message and "HOTLINE_PII_KEYS" in refused.value.message
    with pytest.raises(keyguard.StartupRefused):
        create_app(get_settings().model_copy(update={"database_url": migrated, "pii_keys": OTHER_KEYS}))


def test_a_start_with_another_index_key_is_refused_because_phone_lookups_would_miss(migrated):
    _checks(migrated, _cipher(SUITE_KEYS, SUITE_INDEX))
    with pytest.raises(keyguard.StartupRefused) as refused:
        _checks(migrated, _cipher(SUITE_KEYS, OTHER_INDEX))
    assert "HOTLINE_PII_INDEX_KEY" in refused.value.message


def test_a_database_from_before_the_canary_is_refused_when_its_data_does_not_decrypt(own_database):
    url, _world = own_database
    with pytest.raises(keyguard.StartupRefused):
        _checks(url, _cipher(OTHER_KEYS, SUITE_INDEX))
    _checks(url, _cipher(SUITE_KEYS, SUITE_INDEX))  # the real keys: the canary is written now
    with pytest.raises(keyguard.StartupRefused):
        _checks(url, _cipher(OTHER_KEYS, SUITE_INDEX))


def test_rotation_rewrites_the_canary_so_the_old_key_can_leave_the_keyring(migrated, suite_cipher):
    _checks(migrated, suite_cipher)
    both = crypto.configure("t2:0f0e0d0c0b0a09080706050403020100," + SUITE_KEYS, OTHER_INDEX)
    _checks(migrated, both, check_index=False)  # the old key still decrypts; `pii rotate` runs
    engine = make_engine(migrated)
    with Session(engine) as session, session.begin():
        keyguard.rewrite_canary(session, both)
    engine.dispose()
    _checks(migrated, _cipher("t2:0f0e0d0c0b0a09080706050403020100", OTHER_INDEX))
    with pytest.raises(keyguard.StartupRefused):
        _checks(migrated, _cipher(SUITE_KEYS, SUITE_INDEX))


def test_a_start_is_refused_when_the_audit_log_lost_an_append_only_trigger(migrated):
    cipher = _cipher(SUITE_KEYS, SUITE_INDEX)
    _checks(migrated, cipher)
    engine = sa.create_engine(migrated)
    with engine.begin() as conn:
        if is_sqlite(migrated):
            conn.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
        else:
            conn.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    engine.dispose()
    with pytest.raises(keyguard.StartupRefused) as refused:
        _checks(migrated, cipher)
    assert "audit_event" in refused.value.message


def test_a_start_on_an_unmigrated_database_says_to_migrate():
    url, cleanup = fresh_database_url("bare")
    try:
        with pytest.raises(keyguard.StartupRefused) as refused:
            _checks(url, _cipher(SUITE_KEYS, SUITE_INDEX))
        assert "hotline db upgrade" in refused.value.message
    finally:
        cleanup()  # type: ignore[operator]


def test_the_worker_command_refuses_to_start_with_the_wrong_keys(migrated, monkeypatch, capsys):
    from hotline import cli

    _checks(migrated, _cipher(SUITE_KEYS, SUITE_INDEX))
    monkeypatch.setenv("HOTLINE_DATABASE_URL", migrated)
    monkeypatch.setenv("HOTLINE_PII_KEYS", OTHER_KEYS)
    original = crypto.cipher()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level  # the command configures logging for the process
    get_settings.cache_clear()
    try:
        assert cli.main(["worker", "--once"]) == 2
    finally:
        get_settings.cache_clear()
        crypto._cipher = original
        root.handlers[:], root.level = handlers, level
    assert "HOTLINE_PII_KEYS" in capsys.readouterr().err


def _corrupt_phone(db: Session, citizen_id: int) -> None:
    """The citizen's phone as written by other keys under the same key id."""
    foreign = _cipher(OTHER_KEYS, SUITE_INDEX).encrypt("13812348000")
    db.execute(sa.text("UPDATE citizen SET phone = :p WHERE id = :id"), {"p": foreign, "id": citizen_id})
    db.commit()
    db.expire_all()


def test_one_undecryptable_value_shows_as_unreadable_with_an_alert_instead_of_failing_the_page(
        api, db, world, caplog):
    _corrupt_phone(db, world.citizen_id)
    before = UNDECRYPTABLE._value.get()
    with caplog.at_level(logging.ERROR, logger="hotline.kit.db"):
        page = api("agent").get(f"/citizens/{world.citizen_ref}")
        body = api("agent").get(f"/api/v1/citizens/{world.citizen_ref}")
        masked = api("dispatcher").get(f"/api/v1/citizens/{world.citizen_ref}")
    assert page.status_code == 200 and crypto.UNREADABLE in page.text and "张三丰" in page.text
    assert body.status_code == 200 and body.json()["phone"] == crypto.UNREADABLE
    assert body.json()["name"] == "张三丰"
    assert masked.status_code == 200 and masked.json()["phone"] == crypto.UNREADABLE
    assert UNDECRYPTABLE._value.get() > before
    alerts = [r for r in caplog.records if getattr(r, "alert", None) == "pii_undecryptable"]
    assert alerts and all("13812348000" not in r.getMessage() and "t1:" not in r.getMessage()[30:]
                          for r in alerts)


def test_key_rotation_stops_at_an_unreadable_value_instead_of_saving_the_marker_over_it(db, world):
    from hotline.citizen import service

    _corrupt_phone(db, world.citizen_id)
    stored = db.execute(sa.text("SELECT phone FROM citizen WHERE id = :id"), {"id": world.citizen_id}).scalar()
    with pytest.raises(sa.exc.StatementError) as failed:
        service.rotate_keys(db)
    assert isinstance(failed.value.orig, UnreadableValue)
    db.rollback()
    assert db.execute(sa.text("SELECT phone FROM citizen WHERE id = :id"),
                      {"id": world.citizen_id}).scalar() == stored
