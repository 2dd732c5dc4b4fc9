"""Password rules (MLPS level 3): strength, complexity, no demo password, no reuse, periodic
change; and one's own password is changed only with the current one."""

from __future__ import annotations

import itertools

import pytest

from hotline.auth import passwords, service
from hotline.config import get_settings
from hotline.kit.errors import InvalidInput
from tests.factories import PASSWORD, login, user_of


@pytest.mark.parametrize(("password", "reason"), [
    ("          1a", "空格"),
    ("Strong-pass-99  ", "空格"),
    ("password12", "三类"),
    ("hotline2026", "演示密码"),
    ("Hotline2026", "演示密码"),
    ("short-1A", "长度"),
    ("Password123", "猜中"),
    ("Qwertyuiop1", "猜中"),
])
def test_weak_passwords_are_refused_naming_the_reason(password, reason):
    with pytest.raises(InvalidInput) as caught:
        passwords.check(password)
    assert caught.value.field == "password" and reason in caught.value.reason


def test_a_password_built_from_the_users_own_data_is_refused():
    with pytest.raises(InvalidInput, match="用户名"):
        passwords.check("Zhangwei-2026!", username="zhangwei")
    with pytest.raises(InvalidInput, match="猜中"):
        passwords.check("13912345678-Ab", username="li", phone="13912345678")


def test_a_strong_password_passes():
    passwords.check("Maple-river-47", username="agent", display_name="话务员", phone="13700000000")


def test_an_administrator_cannot_reset_their_own_password_without_the_current_one(api, world):
    admin = api("admin")
    response = admin.post(f"/api/v1/users/{world.user_ids['admin']}/password", json={"password": "Maple-river-47"})
    assert response.status_code == 403 and "/me/password" in response.json()["message"]
    other = admin.post(f"/api/v1/users/{world.user_ids['agent']}/password", json={"password": "Maple-river-47"})
    assert other.status_code == 204


def test_the_published_demo_password_cannot_be_chosen(api, world):
    agent = api("agent")
    response = agent.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "hotline2026"})
    assert response.status_code == 422 and response.json()["field"] == "new_password"
    assert "演示密码" in response.json()["reason"]


def test_the_same_password_is_refused_at_the_forced_first_change(api, client, world):
    api("admin").post("/api/v1/users", json={"username": "newbie", "display_name": "新人", "role": "agent",
                                             "unit_id": world.units["C-990100"], "password": "Maple-river-47"})
    login(client, "newbie", "Maple-river-47")
    same = client.post("/api/v1/me/password", json={"current_password": "Maple-river-47",
                                                    "new_password": "Maple-river-47"})
    assert same.status_code == 422 and same.json()["field"] == "new_password"


def test_the_last_passwords_cannot_be_chosen_again(db, world, monkeypatch):
    monkeypatch.setattr(get_settings(), "password_history_count", 2)
    agent = world.p("agent")
    chain = [PASSWORD, "Maple-river-47", "Cedar-lake-58", "Birch-hill-69"]
    for current, new in itertools.pairwise(chain):
        service.change_own_password(db, agent, current=current, new=new)
    for old in ("Maple-river-47", "Cedar-lake-58"):  # the last two before the current one
        with pytest.raises(InvalidInput, match="最近 2 次"):
            service.change_own_password(db, agent, current="Birch-hill-69", new=old)
    service.change_own_password(db, agent, current="Birch-hill-69", new=PASSWORD)  # forgotten by now


def test_an_administrator_cannot_reset_a_password_to_the_current_one(db, world):
    user = user_of(db, "agent")
    with pytest.raises(InvalidInput, match="当前密码相同"):
        service.reset_password(db, world.p("admin"), user, password=PASSWORD)


def test_an_expired_password_must_be_changed_before_anything_else(api, world, travel, monkeypatch):
    monkeypatch.setattr(get_settings(), "password_max_age_days", 30)
    travel.shift(31 * 86400)
    agent = api("agent")
    assert agent.get("/api/v1/me").json()["must_change_password"] is True
    blocked = agent.get("/api/v1/units")
    assert blocked.status_code == 403 and blocked.json()["error"] == "password_change_required"
    assert "有效期" in agent.get("/me").text
    changed = agent.post("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "Maple-river-47"})
    assert changed.status_code == 204
    assert agent.get("/api/v1/units").status_code == 200


def test_passwords_never_expire_when_the_period_is_zero(api, world, travel, monkeypatch):
    monkeypatch.setattr(get_settings(), "password_max_age_days", 0)
    travel.shift(400 * 86400)
    assert api("agent").get("/api/v1/units").status_code == 200
