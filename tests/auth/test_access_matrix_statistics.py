"""Every role against the statistics workbench and its saved views: every role that reads
orders uses it (over its own scope); administrators, auditors and the CTI account get 403.
A saved view is its owner's alone: 404 for everyone else."""

import pytest

from tests.auth.test_access_matrix import expect

USERS = {"agent": 200, "dispatcher": 200, "supervisor": 200, "handler": 200, "manager": 200, "other_handler": 200,
         "sector": 200, "ivr": 200}
STATE = "measure=received&dimension=channel&period=month&date=2026-11-15"


@pytest.mark.parametrize(("role", "status"), expect(USERS, 403))
def test_who_uses_the_workbench(api, role, status):
    client = api(role)
    assert client.get("/api/v1/statistics?" + STATE).status_code == status
    assert client.get("/api/v1/statistics/orders?measure=received&" + STATE).status_code == status
    assert client.get("/api/v1/statistics/views").status_code == status
    if role != "ivr":  # a service account has no pages
        assert client.get("/statistics?" + STATE).status_code == status
        assert client.get("/statistics/export.xlsx?" + STATE).status_code == status
        assert client.get("/statistics/orders?cell=received&" + STATE).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({role: 201 for role in USERS}, 403))
def test_who_saves_a_view(api, role, status):
    assert api(role).post("/api/v1/statistics/views", json={"name": f"{role} 视图", "query": STATE}).status_code \
        == status


@pytest.mark.parametrize(("role", "status"), expect({"dispatcher": 200}, 404))
def test_only_the_owner_reads_and_deletes_a_saved_view(api, role, status):
    view = api("dispatcher").post("/api/v1/statistics/views", json={"name": "派单员的视图", "query": STATE}).json()
    client = api(role)
    refused = 403 if role in ("admin", "city_admin", "other_admin", "auditor", "kb_editor", "kb_reviewer",
                              "pbx") else status
    assert client.get(f"/api/v1/statistics/views/{view['ref']}").status_code == refused
    assert client.delete(f"/api/v1/statistics/views/{view['ref']}").status_code == (
        204 if role == "dispatcher" else refused)
