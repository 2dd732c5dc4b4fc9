"""Every role against the order search, its export and saved searches: every staff role that
reads orders searches them (over its own scope); service accounts, administrators, auditors and
the CTI account get 403. Searching by phone is for centre staff only. A saved search is its
owner's alone: 404 for everyone else."""

import pytest

from tests.auth.test_access_matrix import expect

USERS = {"agent": 200, "dispatcher": 200, "supervisor": 200, "handler": 200, "manager": 200, "other_handler": 200,
         "sector": 200}
QUERY = "status=open&overdue=false"


@pytest.mark.parametrize(("role", "status"), expect(USERS, 403))
def test_who_searches_and_exports(api, role, status):
    client = api(role)
    assert client.get("/api/v1/work-orders/search?" + QUERY).status_code == status
    assert client.get("/api/v1/work-orders/search/export?" + QUERY).status_code == status
    assert client.get("/api/v1/saved-searches").status_code == status
    assert client.get("/api/v1/exports").status_code == status
    if role not in ("ivr", "pbx"):  # a service account has no pages
        assert client.get("/orders/search?run=1&" + QUERY).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 403))
def test_who_searches_by_phone(api, role, status):
    assert api(role).get("/api/v1/work-orders/search?phone=13812348000").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({role: 201 for role in USERS}, 403))
def test_who_saves_a_search(api, role, status):
    response = api(role).post("/api/v1/saved-searches", json={"name": f"{role} 查询", "query": QUERY})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"dispatcher": 200}, 404))
def test_only_the_owner_reads_and_deletes_a_saved_search(api, role, status):
    saved = api("dispatcher").post("/api/v1/saved-searches", json={"name": "派单员的查询", "query": QUERY}).json()
    client = api(role)
    refused = 403 if role in ("admin", "city_admin", "other_admin", "auditor", "kb_editor", "kb_reviewer", "pbx",
                              "ivr") else status
    assert client.get(f"/api/v1/saved-searches/{saved['ref']}").status_code == refused
    assert client.delete(f"/api/v1/saved-searches/{saved['ref']}").status_code == (
        204 if role == "dispatcher" else refused)
