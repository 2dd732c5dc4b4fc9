"""Backup and restore of the whole platform: the database, the key file and a manifest.

A backup is a folder:

* ``hotline.db`` — SQLite, copied with SQLite's online backup API in one step, so it is one
  consistent snapshot however many writers are busy meanwhile; or ``database.dump`` —
  PostgreSQL, ``pg_dump --format=custom`` of the platform's schema, taken in the snapshot that
  the manifest's row counts were read in;
* ``keys.json`` — the data folder's generated key file, when there is one (a deployment whose
  keys live in its environment keeps them in its secret store; the manifest says so);
* ``manifest.json`` — written last, so a folder without one is not a backup: format, version,
  time, database kind (and PostgreSQL schema), Alembic revision, the row count of every table
  and the SHA-256 of every file.

``restore`` checks every checksum before it touches anything, refuses a target database that
holds tables (or a different key file) unless forced, and compares the restored row counts
with the manifest's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hotline.kit import clock
from hotline.kit.db import is_sqlite
from hotline.kit.errors import HotlineError

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "hotline.db"
PG_FILE = "database.dump"
KEYS_FILE = "keys.json"


class BackupError(HotlineError):
    """A backup or restore that cannot go ahead; nothing was changed."""

    status_code = 409
    code = "backup_refused"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path:
    database = sa.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("只能备份、恢复文件形式的 SQLite 数据库")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for pg_dump/pg_restore (the password passed in the environment)."""
    parsed = sa.make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _counts(conn: sa.Connection, tables: list[str]) -> dict[str, int]:
    return {name: int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one())
            for name in sorted(tables)}


def _revision(conn: sa.Connection, tables: list[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端（postgresql-client）")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[-800:]}")


# --- backup --------------------------------------------------------------------------------


def create(url: str, data_dir: Path, out: Path) -> dict[str, Any]:
    """Back up the database at ``url`` and ``data_dir``'s key file into the new folder ``out``;
    returns the manifest. Safe while the platform runs."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不是空目录")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)  # the copy holds (encrypted) personal data
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": clock.now().isoformat()}
    from hotline import __version__

    manifest["hotline_version"] = __version__
    if is_sqlite(url):
        manifest.update(_backup_sqlite(url, out))
    else:
        manifest.update(_backup_postgresql(url, out))
    keys = data_dir / KEYS_FILE
    if keys.exists():
        fd = os.open(out / KEYS_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(keys.read_bytes())
        manifest["keys"] = KEYS_FILE
    else:
        manifest["keys"] = "environment"
    for path in out.iterdir():
        path.chmod(0o600)
    manifest["files"] = {path.name: {"sha256": _sha256(path), "bytes": path.stat().st_size}
                         for path in sorted(out.iterdir())}
    partial = out / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.chmod(0o600)
    partial.replace(out / MANIFEST)  # the manifest appears only once everything is written
    return manifest


def _backup_sqlite(url: str, out: Path) -> dict[str, Any]:
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"数据库文件 {source_path} 不存在")
    target_path = out / SQLITE_FILE
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)  # all pages in one step: one read transaction, one consistent snapshot
    finally:
        target.close()
        source.close()
    engine = sa.create_engine(f"sqlite:///{target_path}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {"database": "sqlite", "alembic_revision": _revision(conn, tables),
                    "row_counts": _counts(conn, tables)}
    finally:
        engine.dispose()


def _backup_postgresql(url: str, out: Path) -> dict[str, Any]:
    pg_dump = _tool("pg_dump")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    uri, env = _libpq(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            # The counts and pg_dump read the same snapshot, held until the dump is done.
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
            tables = sa.inspect(conn).get_table_names(schema=schema)
            manifest = {"database": "postgresql", "schema": schema, "alembic_revision": _revision(conn, tables),
                        "row_counts": _counts(conn, tables)}
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--schema={schema}",
                  f"--file={out / PG_FILE}", f"--dbname={uri}"], env)
            return manifest
    finally:
        engine.dispose()


# --- restore -------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup in ``source``, after every file's checksum has matched."""
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} 中没有 {MANIFEST}：不是完整的备份")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式 {manifest.get('format')!r}")
    for name, expected in manifest["files"].items():
        file = source / name
        if not file.is_file():
            raise BackupError(f"备份缺少文件 {name}")
        if _sha256(file) != expected["sha256"]:
            raise BackupError(f"备份文件 {name} 的校验和不符：文件已损坏或被改动，未恢复任何内容")
    return manifest


def restore(source: Path, url: str, data_dir: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore the backup in ``source`` into the database at ``url`` and ``data_dir``'s key
    file. Refuses a target database that holds tables, or a different key file already in
    ``data_dir``, unless ``force`` (a replaced key file is kept beside as
    ``keys.json.replaced-<time>``). Returns the manifest."""
    manifest = read_manifest(source)
    kind = "sqlite" if is_sqlite(url) else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"这是 {manifest['database']} 数据库的备份，目标数据库是 {kind}")
    keys_target = data_dir / KEYS_FILE
    keys_source = source / KEYS_FILE if manifest.get("keys") == KEYS_FILE else None
    replace_keys = (keys_source is not None and keys_target.exists()
                    and keys_target.read_bytes() != keys_source.read_bytes())
    if replace_keys and not force:
        raise BackupError(f"{keys_target} 已存在且与备份中的密钥不同：未恢复任何内容（确认要替换请加 --force）")
    if kind == "sqlite":
        _restore_sqlite(source / SQLITE_FILE, url, force=force)
    else:
        _restore_postgresql(source / PG_FILE, manifest["schema"], url, force=force)
    if keys_source is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        if replace_keys:
            stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
            keys_target.replace(data_dir / f"{KEYS_FILE}.replaced-{stamp}")
        if not keys_target.exists():
            fd = os.open(keys_target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(keys_source.read_bytes())
    restored = _restored_counts(url)
    if restored != manifest["row_counts"]:
        differ = sorted(name for name in set(restored) | set(manifest["row_counts"])
                        if restored.get(name) != manifest["row_counts"].get(name))
        raise BackupError(f"恢复后的行数与备份清单不符：{'、'.join(differ)}")
    return manifest


def _restored_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return _counts(conn, sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def _restore_sqlite(dump: Path, url: str, *, force: bool) -> None:
    target_path = _sqlite_path(url)
    if target_path.exists():
        with sqlite3.connect(target_path) as probe:
            tables = probe.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0]
        probe.close()
        if tables and not force:
            raise BackupError(f"目标数据库 {target_path} 已有数据：未恢复任何内容"
                              "（确认要覆盖请先停止服务并加 --force）")
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)  # page by page into the target, through SQLite: its WAL stays consistent
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path, source_schema: str, url: str, *, force: bool) -> None:
    """Restore into the schema of ``url``'s search path. The dump names its objects with the
    schema it was taken from; when the target schema has another name it is renamed to that
    one for the restore and back after, so that name must not be taken in the target database."""
    pg_restore = _tool("pg_restore")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    uri, env = _libpq(url)
    try:
        with engine.connect() as conn:
            target = conn.execute(sa.text("SELECT current_schema()")).scalar()
            if target is None:
                raise BackupError("目标数据库的 search_path 指向的模式不存在：请先建立它")
            quoted = conn.dialect.identifier_preparer.quote
            tables = conn.execute(sa.text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"),
                                  {"s": target}).scalar_one()
            if tables and not force:
                raise BackupError(f"目标模式 {target} 已有数据：未恢复任何内容（确认要覆盖请先停止服务并加 --force）")
            if source_schema != target and conn.execute(
                    sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": source_schema}).first():
                raise BackupError(f"备份来自模式 {source_schema}，目标数据库中已有同名模式：请恢复到另一个数据库")
            if tables:
                conn.execute(sa.text(f"DROP SCHEMA {quoted(target)} CASCADE"))
                conn.execute(sa.text(f"CREATE SCHEMA {quoted(target)}"))
            listing = subprocess.run([pg_restore, "--list", str(dump)], env=env, capture_output=True,  # noqa: S603
                                     text=True, check=True).stdout
            # The schema itself exists already: restore what is in it, not the CREATE SCHEMA.
            entries = [line for line in listing.splitlines() if " SCHEMA - " not in line]
            fd, name = tempfile.mkstemp(prefix="hotline-restore-", suffix=".list")
            os.close(fd)
            list_file = Path(name)
            if source_schema != target:
                conn.execute(sa.text(f"ALTER SCHEMA {quoted(target)} RENAME TO {quoted(source_schema)}"))
            try:
                list_file.write_text("\n".join(entries) + "\n", encoding="utf-8")
                _run([pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                      f"--use-list={list_file}", f"--dbname={uri}", str(dump)], env)
            finally:
                list_file.unlink(missing_ok=True)
                if source_schema != target:
                    conn.execute(sa.text(f"ALTER SCHEMA {quoted(source_schema)} RENAME TO {quoted(target)}"))
    finally:
        engine.dispose()
