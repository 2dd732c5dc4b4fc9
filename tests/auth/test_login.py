from sqlalchemy import func, select

from hotline.audit.models import AuditEvent
from hotline.auth.models import LoginAttempt
from tests.factories import PASSWORD


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_sets_a_session_cookie_and_returns_the_csrf_token(client, world):
    response = login(client, "agent", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "agent" and body["csrf_token"]
    assert "hotline_session" in response.cookies
    assert client.get("/api/v1/me").json()["username"] == "agent"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, world):
    wrong = login(client, "agent", "not-the-password1")
    unknown = login(client, "nobody", "not-the-password1")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "hotline_session" not in wrong.cookies


def test_control_characters_in_the_username_are_a_plain_failed_login(client, world):
    # PostgreSQL refuses NUL in text: the login must still answer 401, never 500.
    response = login(client, "\x00agent\x1b", "not-the-password1")
    assert response.status_code == 401
    assert login(client, "agent\x00", PASSWORD).status_code == 200


def test_failed_logins_are_recorded_and_audited(client, db, world):
    login(client, "agent", "wrong-password-1")
    attempts = db.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == "agent"))
    assert attempts == 1
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed")).one()
    assert event.actor_name == "agent" and event.detail == {"reason": "bad_credentials"}


def test_five_failures_hold_the_address_back_a_minute_even_for_the_right_password(client, world, travel):
    for _ in range(5):
        assert login(client, "agent", "wrong-password-1").status_code == 401
    assert login(client, "agent", PASSWORD).status_code == 429
    travel.shift(61)
    assert login(client, "agent", PASSWORD).status_code == 200


def test_a_success_resets_the_failure_count(client, world):
    for _ in range(4):
        login(client, "agent", "wrong-password-1")
    assert login(client, "agent", PASSWORD).status_code == 200
    for _ in range(4):
        login(client, "agent", "wrong-password-1")
    assert login(client, "agent", PASSWORD).status_code == 200


def test_service_accounts_cannot_log_in_with_a_password(client, world):
    assert login(client, "ivr", "").status_code == 422
    assert login(client, "ivr", "anything-123").status_code == 401


def test_cookie_sessions_need_the_csrf_token_for_writes(client, world):
    token = login(client, "admin", PASSWORD).json()["csrf_token"]
    body = {"code": "990103", "name": "西城区"}
    assert client.post("/api/v1/regions", json=body).status_code == 403
    assert client.post("/api/v1/regions", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/v1/regions", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_bearer_tokens_work_without_csrf_and_revocation_stops_them(client, world, api):
    ivr = api("ivr")
    assert ivr.get("/api/v1/me").json()["username"] == "ivr"
    admin = api("admin")
    tokens = admin.get(f"/api/v1/users/{world.user_ids['ivr']}/tokens").json()
    assert admin.delete(f"/api/v1/users/{world.user_ids['ivr']}/tokens/{tokens[0]['id']}").status_code == 204
    response = ivr.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_issued_token_is_shown_once_and_stored_only_as_a_hash(api, world, db):
    from hotline.auth.models import ApiToken

    admin = api("admin")
    issued = admin.post(f"/api/v1/users/{world.user_ids['ivr']}/tokens", json={"name": "crm", "days": 30})
    assert issued.status_code == 201
    plaintext = issued.json()["token"]
    stored = db.get(ApiToken, issued.json()["id"])
    assert plaintext not in (stored.token_hash, stored.prefix) and plaintext.startswith(stored.prefix)
    listed = admin.get(f"/api/v1/users/{world.user_ids['ivr']}/tokens").json()
    assert all("token" not in t for t in listed)


def test_tokens_are_only_for_service_accounts(api, world):
    response = api("admin").post(f"/api/v1/users/{world.user_ids['agent']}/tokens", json={"name": "x"})
    assert response.status_code == 422 and response.json()["field"] == "user_id"


def test_logout_ends_the_session(client, world):
    token = login(client, "agent", PASSWORD).json()["csrf_token"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_an_expired_session_is_refused(client, world, travel):
    login(client, "agent", PASSWORD)
    travel.shift(9 * 3600)
    assert client.get("/api/v1/me").status_code == 401


def test_changing_ones_password_checks_the_current_one_and_the_policy(api, world):
    agent = api("agent")
    wrong = agent.post("/api/v1/me/password", json={"current_password": "nope-12345", "new_password": "new-pass-456"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    weak = agent.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422 and weak.json()["field"] == "new_password"
    ok = agent.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "new-pass-456"})
    assert ok.status_code == 204


def test_a_new_account_must_choose_its_own_password_first(api, client, world):
    admin = api("admin")
    created = admin.post("/api/v1/users", json={"username": "newbie", "display_name": "新人", "role": "agent",
                                                "unit_id": world.units["C-990100"], "password": "first-pass-1"})
    assert created.json()["must_change_password"] is True
    token = login(client, "newbie", "first-pass-1").json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    blocked = client.get("/api/v1/units")
    assert blocked.status_code == 403 and blocked.json()["error"] == "password_change_required"
    assert client.get("/", follow_redirects=False).headers["location"] == "/me?required=1"
    changed = client.post("/api/v1/me/password", json={"current_password": "first-pass-1",
                                                       "new_password": "my-own-pass-2"})
    assert changed.status_code == 204
    assert client.get("/api/v1/units").status_code == 200


def test_responses_carry_security_headers(client, world):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
