"""The audit log is append-only and SM3-chained; ``verify`` finds altered and deleted rows."""

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from hotline.audit import service
from hotline.audit.models import AuditEvent


def bypass_triggers(db) -> None:
    """What an attacker with database access would do first (rolled back with the test)."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        db.execute(sa.text("DROP TRIGGER audit_event_no_delete"))
    else:
        db.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))


def seqs(db) -> list[int]:
    return list(db.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


def test_the_chain_of_a_working_system_verifies(db, world, api):
    api("agent").get(f"/api/v1/citizens/{world.citizen_ref}")
    result = service.verify(db)
    assert result.ok, result.problems
    assert result.checked == len(seqs(db)) > 10


def test_every_write_and_login_lands_in_the_log(api, db, world):
    admin = api("admin")
    admin.post("/api/v1/regions", json={"code": "990103", "name": "西城区"})
    actions = [e.action for e in db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(2))]
    assert actions == ["region.created", "login.succeeded"]


def test_a_rolled_back_write_leaves_no_audit_row(api, db, world):
    before = seqs(db)[-1]
    assert api("admin").post("/api/v1/regions", json={"code": "1", "name": "x"}).status_code == 422
    assert [e.action for e in db.scalars(select(AuditEvent).where(AuditEvent.seq > before))] == ["login.succeeded"]


def test_the_database_refuses_updates_and_deletes(db, world):
    with pytest.raises(sa.exc.DatabaseError), db.begin_nested():
        db.execute(sa.text("UPDATE audit_event SET actor_name = 'x' WHERE seq = 1"))
    with pytest.raises(sa.exc.DatabaseError), db.begin_nested():
        db.execute(sa.text("DELETE FROM audit_event WHERE seq = 1"))


def test_an_altered_row_is_found(db, world):
    bypass_triggers(db)
    db.execute(sa.text("UPDATE audit_event SET actor_name = 'mallory' WHERE seq = 3"))
    result = service.verify(db)
    assert not result.ok
    assert [(p["seq"], p["problem"]) for p in result.problems] == [(3, "altered")]


def test_a_deleted_row_is_found(db, world):
    bypass_triggers(db)
    db.execute(sa.text("DELETE FROM audit_event WHERE seq = 5"))
    result = service.verify(db)
    assert [(p["seq"], p["problem"]) for p in result.problems] == [(5, "missing")]


def test_a_deleted_tail_is_found(db, world):
    last = seqs(db)[-1]
    bypass_triggers(db)
    db.execute(sa.text("DELETE FROM audit_event WHERE seq = :s"), {"s": last})
    result = service.verify(db)
    assert [p["problem"] for p in result.problems] == ["truncated"]


def test_the_cli_exits_1_and_names_the_row(db, world, monkeypatch, capsys):
    from hotline import cli

    # The CLI opens its own sessions; hand it the test's (its commits become flushes).
    monkeypatch.setattr(cli, "_session_factory", lambda settings: lambda: _TestSession(db))
    assert cli.main(["audit", "verify"]) == 0
    assert "审计链完整" in capsys.readouterr().out
    bypass_triggers(db)
    db.execute(sa.text("UPDATE audit_event SET actor_name = 'mallory' WHERE seq = 2"))
    assert cli.main(["audit", "verify", "--json"]) == 1
    out = capsys.readouterr().out
    assert '"seq": 2' in out and '"altered"' in out


class _TestSession:
    def __init__(self, session):
        self._s = session

    def __getattr__(self, name):
        return getattr(self._s, name)

    def commit(self):
        self._s.flush()

    def rollback(self):
        pass

    def close(self):
        pass
