def test_world_builds_and_admin_sees_units(api):
    admin = api("admin")
    response = admin.get("/api/v1/units")
    assert response.status_code == 200
    assert response.json()["total"] == 9
