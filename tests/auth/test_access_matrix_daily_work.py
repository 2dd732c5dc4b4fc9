"""Every role against the daily-work objects: its own workbench and inbox (everyone), the
region's messages (administrators), SMS templates (the province administrator), an order's notes
(whoever may see the order; 404 for everyone else)."""

import pytest

from tests.auth.test_access_matrix import ROLES, expect
from tests.workbench.test_workbench import dispatched

ADMINS = {"admin": 200, "city_admin": 200, "other_admin": 200}
SEES_ORDER = {"agent": 200, "dispatcher": 200, "supervisor": 200, "handler": 200, "manager": 200}


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_their_own_workbench_and_inbox(api, role):
    client = api(role)
    assert client.get("/api/v1/workbench").status_code == 200
    assert client.get("/api/v1/inbox").status_code == 200
    assert client.post(f"/api/v1/inbox/{'0' * 32}/read").status_code == 404


@pytest.mark.parametrize(("role", "status"), expect(ADMINS, 403))
def test_who_reads_the_regions_messages(api, role, status):
    assert api(role).get("/api/v1/messages").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200}, 403))
def test_who_rewords_sms_templates(api, role, status):
    assert api(role).get("/api/v1/sms-templates").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(SEES_ORDER, 404))
def test_who_reads_an_orders_notes_and_messages(api, world, role, status):
    number = dispatched(api, world, title="备注权限件")
    client = api(role)
    assert client.get(f"/api/v1/work-orders/{number}/notes").status_code == status
    assert client.get(f"/api/v1/work-orders/{number}/messages").status_code == status


INTAKE_PEOPLE = {"agent": 201, "dispatcher": 201, "supervisor": 201}


@pytest.mark.parametrize(("role", "status"), expect(INTAKE_PEOPLE, 403))
def test_who_keeps_intake_drafts_and_nobody_reads_anothers(api, role, status):
    client = api(role)
    made = client.post("/api/v1/intake-drafts", json={"title": "草稿权限件", "phone": "13911112222"})
    assert made.status_code == status, made.text
    assert client.get("/api/v1/intake-drafts").status_code == (200 if status == 201 else 403)
    others = api("agent").post("/api/v1/intake-drafts", json={"title": "话务员的草稿"}).json()["ref"]
    if role != "agent":
        assert client.get(f"/api/v1/intake-drafts/{others}").status_code in ((404,) if status == 201 else (403,))
        assert client.delete(f"/api/v1/intake-drafts/{others}").status_code in ((404,) if status == 201 else (403,))


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "city_admin": 200}, 404))
def test_who_hands_over_a_leavers_work(api, world, role, status):
    response = api(role).post(f"/api/v1/users/{world.user_ids['agent']}/hand-over",
                              json={"to_user_id": world.user_ids["dispatcher"]})
    assert response.status_code == status, response.text
