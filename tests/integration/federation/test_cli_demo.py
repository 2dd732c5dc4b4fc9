"""``hotline federation peer …`` (the key exchange from the command line, list, set, remove)
and ``hotline demo --city CODE --no-serve`` (a second demo city in its own data directory,
peered with the first)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.integration.federation.models import Peer
from hotline.kit.db import make_engine


def test_peers_are_added_listed_changed_and_removed_from_the_command_line(hotline, capsys):
    assert hotline(["federation", "peer", "add", "--name", "luzhou", "--url", "http://127.0.0.1:9",
                    "--display-name", "泸州市", "--contact", "full", "--categories", "01"]) == 0
    out = capsys.readouterr().out
    key_id = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("key_id="))
    secret = next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("secret="))
    assert key_id.startswith("fk_") and secret.startswith("fks_")
    assert hotline(["federation", "peer", "add", "--name", "yibin", "--url", "http://127.0.0.1:10",
                    "--key-id", "fk_0011223344556677", "--secret", "fks_" + "z" * 40]) == 0
    assert "配对完成" in capsys.readouterr().out
    assert hotline(["federation", "peer", "add", "--name", "bad name", "--url", "http://x"]) == 2
    assert "name" in capsys.readouterr().err
    assert hotline(["federation", "peer", "set", "--name", "luzhou", "--disable", "--categories", "01,02"]) == 0
    capsys.readouterr()
    assert hotline(["federation", "peer", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["luzhou"]["state"] == "disabled" and rows["luzhou"]["category_codes"] == ["01", "02"]
    assert rows["yibin"]["key_id"] == "fk_0011223344556677"
    assert hotline(["federation", "peer", "remove", "--name", "yibin"]) == 0
    assert hotline(["federation", "peer", "check", "--name", "luzhou"]) == 1  # nobody listens there
    engine = make_engine(hotline.url)
    try:
        with Session(engine) as session:
            stored = session.execute(select(Peer)).scalars().all()
            assert [p.name for p in stored] == ["luzhou"] and stored[0].secret == secret
    finally:
        engine.dispose()


def test_a_second_demo_city_is_built_in_its_own_data_dir_and_peered_with_the_first(hotline, capsys, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HOTLINE_DEMO_CALL_STREAM", "0")
    assert hotline(["demo", "--city", "yunling", "--port", "8123", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "已与第一个演示城市" in out
    city_db = tmp_path / "cities" / "yunling" / "hotline.db"
    assert city_db.exists()
    first, second = make_engine(hotline.url), make_engine(f"sqlite:///{city_db}")
    try:
        with Session(first) as s1, Session(second) as s2:
            [a] = s1.execute(select(Peer)).scalars().all()
            [b] = s2.execute(select(Peer)).scalars().all()
            assert (a.name, a.side, a.url) == ("yunling", "a", "http://127.0.0.1:8123")
            assert (b.name, b.side) == ("qingchuan", "b") and b.key_id == a.key_id and b.secret == a.secret
            assert len(b.category_codes) == 14
    finally:
        first.dispose()
        second.dispose()
    # again: nothing doubled, the pair kept
    assert hotline(["demo", "--city", "yunling", "--port", "8123", "--no-serve"]) == 0
