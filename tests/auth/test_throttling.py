"""Login throttling (docs/adr/0015-login-throttling.md): per account and client address with a
growing back-off, per client address across accounts, and a distributed attack on one account —
never a lock that an attacker can put on the real user's own address. State lives in the
database, so every process and host shares it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from hotline.auth import service
from hotline.auth.models import LoginAttempt
from hotline.config import get_settings
from hotline.kit import clock
from tests.factories import PASSWORD

WRONG = "wrong-Password-1"


def attempt(db, username, password, ip):  # type: ignore[no-untyped-def]
    outcome = service.login(db, username=username, password=password, ip=ip)
    db.flush()
    return outcome


def fail(db, username, ip, times=1):  # type: ignore[no-untyped-def]
    for _ in range(times):
        outcome = attempt(db, username, WRONG, ip)
        assert not outcome.ok and outcome.retry_after is None


def audits(db, action):  # type: ignore[no-untyped-def]
    db.commit()  # audit events reach their table at commit (a savepoint here)
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_an_attacker_address_is_throttled_while_the_real_user_logs_in_from_another(app, world, travel):
    travel.move_to(clock.now(), tick=False)  # the clock stands still: the first wait is exactly a minute
    attacker = TestClient(app, client=("203.0.113.7", 4000))
    user = TestClient(app, client=("10.1.2.3", 5000))
    for _ in range(5):
        assert attacker.post("/api/v1/auth/login", json={"username": "agent", "password": WRONG}).status_code == 401
    refused = attacker.post("/api/v1/auth/login", json={"username": "agent", "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert refused.json()["error"] == "too_many_requests" and "请" in refused.json()["message"]
    assert "hotline_session" not in refused.cookies
    assert user.post("/api/v1/auth/login", json={"username": "agent", "password": PASSWORD}).status_code == 200
    attacker.close()
    user.close()


def test_the_wait_doubles_with_each_further_failure_up_to_the_cap(db, world, travel, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_backoff_max_minutes", 3)
    ip = "198.51.100.1"
    fail(db, "agent", ip, times=5)
    waits = []
    for _ in range(4):
        refused = attempt(db, "agent", PASSWORD, ip)
        assert not refused.ok and refused.retry_after is not None
        waits.append(refused.retry_after)
        travel.shift(refused.retry_after + 1)
        fail(db, "agent", ip)
    assert 55 <= waits[0] <= 60
    assert 115 <= waits[1] <= 120
    assert waits[2] == waits[3] and 175 <= waits[2] <= 180  # doubled to 240 s, capped at 3 min


def test_attempts_refused_while_waiting_are_recorded_but_do_not_lengthen_the_wait(db, world, travel):
    ip = "198.51.100.2"
    fail(db, "agent", ip, times=5)
    for _ in range(3):
        assert attempt(db, "agent", PASSWORD, ip).retry_after is not None
    throttled = db.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.throttled.is_(True)))
    assert throttled == 3
    travel.shift(61)
    assert attempt(db, "agent", PASSWORD, ip).ok


def test_a_success_from_the_address_starts_its_count_again(db, world):
    ip = "198.51.100.3"
    fail(db, "agent", ip, times=4)
    assert attempt(db, "agent", PASSWORD, ip).ok
    fail(db, "agent", ip, times=4)
    assert attempt(db, "agent", PASSWORD, ip).ok


def test_a_password_sprayer_is_throttled_across_accounts_and_reported(db, world):
    ip = "203.0.113.50"
    limit = get_settings().login_client_max_failures
    for i in range(limit):
        fail(db, f"user{i:03d}", ip)
    refused = attempt(db, "agent", PASSWORD, ip)
    assert not refused.ok and refused.retry_after is not None and refused.retry_after > 60
    assert attempt(db, "agent", PASSWORD, "10.9.9.9").ok
    alerts = audits(db, "security.password_spraying")
    assert len(alerts) == 1 and alerts[0].detail["failures"] == limit


def test_a_distributed_attack_slows_strange_addresses_but_never_the_users_own(db, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "login_attack_failures", 8)
    home = "10.0.0.8"
    assert attempt(db, "agent", PASSWORD, home).ok
    for i in range(8):  # a botnet: one try from each address
        fail(db, "agent", f"203.0.113.{100 + i}")
    fail(db, "agent", "203.0.113.200")
    assert attempt(db, "agent", PASSWORD, "203.0.113.200").retry_after is not None  # one failure is enough now
    fail(db, "agent", home, times=2)  # the user's own typos
    assert attempt(db, "agent", PASSWORD, home).ok
    alerts = audits(db, "security.account_under_attack")
    assert len(alerts) == 1 and alerts[0].detail["account"] == "agent"


def test_unknown_account_names_are_throttled_alike_so_throttling_reveals_nothing(client, world):
    answers = []
    for name in ("ghost", "agent"):
        for _ in range(5):
            client.post("/api/v1/auth/login", json={"username": name, "password": WRONG})
        answers.append(client.post("/api/v1/auth/login", json={"username": name, "password": WRONG}))
    assert [a.status_code for a in answers] == [429, 429]
    assert answers[0].json()["message"] == answers[1].json()["message"]


def test_the_login_page_tells_a_throttled_user_in_chinese_how_long_to_wait(client, world):
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": "agent", "password": WRONG})
    page = client.get("/login")
    csrf = client.cookies.get("hotline_login_csrf")
    response = client.post("/login", data={"username": "agent", "password": PASSWORD, "login_csrf": csrf})
    assert page.status_code == 200 and response.status_code == 429
    assert "登录失败次数过多" in response.text and response.headers["retry-after"]


def test_throttling_holds_in_another_process_sharing_the_database(own_database):
    url, _ = own_database
    settings = get_settings().model_copy(update={"database_url": url})
    from hotline.app import create_app

    with TestClient(create_app(settings), client=("203.0.113.9", 1)) as attacker:
        for _ in range(5):
            attacker.post("/api/v1/auth/login", json={"username": "agent", "password": WRONG})
    script = (
        "import json, sys\n"
        "from sqlalchemy.orm import Session\n"
        "from hotline.config import get_settings\n"
        "from hotline.kit import crypto\n"
        "from hotline.kit.db import make_engine\n"
        "from hotline.auth import service\n"
        "s = get_settings(); crypto.configure(s.pii_keys, s.pii_index_key)\n"
        "engine = make_engine(sys.argv[1])\n"
        "out = {}\n"
        "for ip in ('203.0.113.9', '10.2.2.2'):\n"
        "    with Session(engine) as db:\n"
        "        o = service.login(db, username='agent', password=sys.argv[2], ip=ip)\n"
        "        db.commit()\n"
        "        out[ip] = [o.ok, o.retry_after]\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    run = subprocess.run([sys.executable, "-c", script, url, PASSWORD], capture_output=True, text=True, env=env,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["203.0.113.9"][0] is False and out["203.0.113.9"][1] > 0
    assert out["10.2.2.2"] == [True, None]


def test_throttling_is_logged_as_a_warning_without_the_password(client, world, caplog):
    for _ in range(5):
        client.post("/api/v1/auth/login", json={"username": "agent", "password": WRONG})
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "throttled" in r.getMessage()]
    assert warnings and all(WRONG not in r.getMessage() for r in caplog.records)
