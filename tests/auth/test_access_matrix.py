"""Every role against every kind of object: what it may see and change, and what it gets when
it may not (403 for an action its role never has, 404 for an object outside its scope)."""

import pytest

ROLES = ["admin", "city_admin", "other_admin", "agent", "dispatcher", "supervisor", "handler", "manager",
         "other_handler", "sector", "auditor", "ivr"]


def expect(table: dict[str, int], default: int) -> list[tuple[str, int]]:
    return [(role, table.get(role, default)) for role in ROLES]


@pytest.mark.parametrize(("role", "status"), expect({}, 200))
def test_every_staff_role_reads_the_unit_directory(api, role, status):
    assert api(role).get("/api/v1/units").status_code == status


@pytest.mark.parametrize(
    ("role", "status"), expect({"admin": 200, "city_admin": 200, "other_admin": 200, "manager": 200}, 403)
)
def test_who_may_list_accounts(api, role, status):
    assert api(role).get("/api/v1/users").status_code == status


@pytest.mark.parametrize(
    ("role", "visible"),
    [("admin", True), ("other_admin", True), ("other_handler", True), ("city_admin", False), ("manager", False),
     ("agent", False), ("handler", False), ("sector", False), ("auditor", False), ("ivr", False)],
)
def test_an_account_outside_the_scope_is_not_found(api, world, role, visible):
    response = api(role).get(f"/api/v1/users/{world.user_ids['other_handler']}")
    assert response.status_code == (200 if visible else 404)


@pytest.mark.parametrize(
    ("role", "status"),
    expect({"admin": 200, "city_admin": 200, "manager": 200, "other_admin": 404, "other_handler": 404,
            "agent": 404, "dispatcher": 404, "supervisor": 404, "handler": 404, "sector": 404, "auditor": 404,
            "ivr": 404}, 404),
)
def test_who_may_edit_a_handlers_account(api, world, role, status):
    response = api(role).patch(f"/api/v1/users/{world.user_ids['handler']}", json={"display_name": "改名"})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    expect({"admin": 201, "city_admin": 201, "manager": 201, "other_admin": 422}, 403),
)
def test_who_may_create_an_account_for_the_city_housing_bureau(api, world, role, status):
    body = {"username": f"new_{role}", "display_name": "新人", "role": "unit_handler",
            "unit_id": world.units["990100-zj"], "password": "start-pass-123"}
    assert api(role).post("/api/v1/users", json=body).status_code == status


def test_a_unit_manager_cannot_grant_centre_roles(api, world):
    body = {"username": "sneaky", "display_name": "x", "role": "admin", "unit_id": world.units["990100-zj"],
            "password": "start-pass-123"}
    response = api("manager").post("/api/v1/users", json=body)
    assert response.status_code == 422 and response.json()["field"] == "role"


def test_account_lists_hold_only_the_callers_scope(api):
    city = {u["username"] for u in api("city_admin").get("/api/v1/users?limit=500").json()["items"]}
    assert {"agent", "handler", "city_admin"} <= city
    assert not city & {"other_handler", "other_admin", "admin", "sector", "auditor"}
    unit = {u["username"] for u in api("manager").get("/api/v1/users").json()["items"]}
    assert unit == {"handler", "manager"}


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201, "city_admin": 201, "other_admin": 422}, 403))
def test_who_may_add_a_county_to_qingchuan(api, role, status):
    assert api(role).post("/api/v1/regions", json={"code": "990103", "name": "西城区"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "city_admin": 200}, 403))
def test_who_may_edit_the_city_housing_bureau(api, world, role, status):
    response = api(role).patch(f"/api/v1/units/{world.units['990100-zj']}", json={"contact_phone": "02112345678"})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201}, 403))
def test_only_a_province_admin_maintains_the_category_tree(api, role, status):
    assert api(role).post("/api/v1/categories", json={"name": "新分类"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 404))
def test_citizen_records_are_invisible_outside_the_centre(api, world, role, status):
    assert api(role).get(f"/api/v1/citizens/{world.citizen_ref}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 403))
def test_who_may_look_up_a_caller_by_phone(api, role, status):
    assert api(role).get("/api/v1/citizens", params={"phone": "13812348000"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"auditor": 200}, 403))
def test_only_auditors_read_the_audit_log(api, role, status):
    assert api(role).get("/api/v1/audit").status_code == status
    assert api(role).post("/api/v1/audit/verify").status_code == status


def test_a_missing_object_and_a_hidden_one_look_the_same(api, world):
    agent = api("handler")
    hidden = agent.get(f"/api/v1/citizens/{world.citizen_ref}")
    missing = agent.get("/api/v1/citizens/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
