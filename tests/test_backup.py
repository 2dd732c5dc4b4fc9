"""Issue 18, item 12: ``hotline backup`` takes a consistent copy while orders are being written,
and ``hotline restore`` brings it back into a fresh place where the audit chain verifies and
every order acknowledged before the backup began is present."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from hotline import cli
from hotline.app import create_app
from hotline.config import get_settings
from hotline.kit import backup, crypto
from hotline.kit.db import is_sqlite
from tests.conftest import fresh_database_url


@pytest.fixture
def hotline(monkeypatch) -> Iterator:  # type: ignore[type-arg]
    """``hotline(argv, url, data_dir)`` runs the command as an operator would, with the
    database and data folder in its environment; returns the exit code."""
    original = crypto.cipher()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def run(argv: list[str], url: str, data_dir: Path) -> int:
        monkeypatch.setenv("HOTLINE_DATABASE_URL", url)
        monkeypatch.setenv("HOTLINE_DATA_DIR", str(data_dir))
        get_settings.cache_clear()
        try:
            return cli.main(argv)
        finally:
            get_settings.cache_clear()

    yield run
    crypto._cipher = original
    root.handlers[:], root.level = handlers, level


def _numbers(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        found = set(conn.execute(sa.text("SELECT number FROM work_order")).scalars())
    engine.dispose()
    return found


def _drop_schema_of(url: str) -> None:
    """PostgreSQL: the source schema is lost (the dump restores under its own name first)."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def test_a_backup_under_write_load_restores_with_a_verified_chain_and_every_acknowledged_order(
        own_database, tmp_path, hotline, capsys):
    url, world = own_database
    source_dir, out, target_dir = tmp_path / "var", tmp_path / "backup", tmp_path / "restored"
    source_dir.mkdir()
    keys = {"secret_key": "0" * 64, "pii_keys": "t1:00112233445566778899aabbccddeeff", "pii_index_key": "11" * 32}
    (source_dir / "keys.json").write_text(json.dumps(keys), encoding="utf-8")  # as the demo leaves it

    app = create_app(get_settings().model_copy(update={"database_url": url}))
    acked: list[str] = []
    failures: list[str] = []
    stop = threading.Event()
    enough = threading.Semaphore(0)

    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {world.tokens['ivr']}"

        def write() -> None:
            i = 0
            while not stop.is_set():
                i += 1
                body = {"channel": "api", "appeal_type": "complaint", "title": "噪音扰民",
                        "content": f"楼下商铺音响太吵（第 {i} 次）", "phone": "13955550003",
                        "region_code": "990102001"}
                r = client.post("/api/v1/work-orders", json=body, headers={"Idempotency-Key": f"b-{i}"})
                if r.status_code != 201:
                    failures.append(r.text)
                    return
                acked.append(r.json()["number"])  # acknowledged = committed
                enough.release()

        writer = threading.Thread(target=write)
        writer.start()
        try:
            for _ in range(5):
                assert enough.acquire(timeout=60)
            acked_before = set(acked)
            assert hotline(["backup", "--out", str(out)], url, source_dir) == 0
            for _ in range(5):  # and the writes go on after it
                assert enough.acquire(timeout=60)
        finally:
            stop.set()
            writer.join(timeout=60)
    assert failures == []

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"] == ("sqlite" if is_sqlite(url) else "postgresql")
    assert manifest["keys"] == "keys.json" and manifest["alembic_revision"]
    assert manifest["row_counts"]["work_order"] >= len(acked_before)
    assert set(manifest["files"]) >= {"keys.json"}

    target_url, cleanup = fresh_database_url("restored")
    try:
        if not is_sqlite(url):
            _drop_schema_of(url)
        assert hotline(["restore", str(out)], target_url, target_dir) == 0
        assert hotline(["audit", "verify", "--json"], target_url, target_dir) == 0
        verified = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert verified["ok"] is True and verified["checked"] == manifest["row_counts"]["audit_event"]

        restored = _numbers(target_url)
        assert acked_before <= restored <= set(acked)
        assert len(restored) == manifest["row_counts"]["work_order"]
        assert json.loads((target_dir / "keys.json").read_text(encoding="utf-8")) == keys
        assert (target_dir / "keys.json").stat().st_mode & 0o077 == 0

        # A second restore into the same place would overwrite data: refused without --force.
        assert hotline(["restore", str(out)], target_url, target_dir) == 2
        assert "--force" in capsys.readouterr().err
        assert hotline(["restore", str(out), "--force"], target_url, target_dir) == 0
        assert _numbers(target_url) == restored
    finally:
        cleanup()  # type: ignore[operator]


def test_a_damaged_backup_is_refused_before_anything_is_restored(own_database, tmp_path, hotline, capsys):
    url, _world = own_database
    out, target_dir = tmp_path / "backup", tmp_path / "restored"
    assert hotline(["backup", "--out", str(out)], url, tmp_path / "var") == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["keys"] == "environment"  # the suite's keys live in the environment
    dump = out / ("hotline.db" if is_sqlite(url) else "database.dump")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))

    target_url, cleanup = fresh_database_url("damaged")
    try:
        assert hotline(["restore", str(out)], target_url, target_dir) == 2
        assert "校验和" in capsys.readouterr().err
        engine = sa.create_engine(target_url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
        engine.dispose()
    finally:
        cleanup()  # type: ignore[operator]


def test_a_backup_into_a_folder_that_holds_files_is_refused(own_database, tmp_path):
    url, _world = own_database
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    with pytest.raises(backup.BackupError):
        backup.create(url, tmp_path, tmp_path / "old")
