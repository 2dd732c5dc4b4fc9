"""Every role against linkage (联动): the register of lines (read by centre staff and
administrators, written by the region's administrators), transfers and outcomes (centre staff
who register appeals, on orders they see; others get 403 or 404), linkage records (whoever may
read the order), utility keys (administrators of the unit's region) and the statistics (centre
staff). Refs are random: nothing is reachable by counting."""

import pytest

from tests.auth.test_access_matrix import expect
from tests.integration.linkage.conftest import API
from tests.workorder.test_api_flow import new_order, post

READERS = {"admin": 200, "city_admin": 200, "other_admin": 200, "agent": 200, "dispatcher": 200, "supervisor": 200}
CENTRE = {"agent": 200, "dispatcher": 200, "supervisor": 200}


@pytest.fixture
def line(api):
    response = api("city_admin").post(f"{API}/lines", json={"name": "青川 110", "number": "110", "kind": "emergency",
                                                            "service": "police"})
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def order(api, world):
    number = new_order(api)["number"]
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    return number


@pytest.fixture
def record(api, line, order):
    return post(api("agent"), f"/api/v1/work-orders/{order}/linkage", {"line": line["ref"], "scope": "partial"}, 201)


@pytest.mark.parametrize(("role", "status"), expect(READERS, 403))
def test_who_reads_the_register(api, line, role, status):
    client = api(role)
    assert client.get(f"{API}/lines").status_code == status
    assert client.get(f"{API}/lines/{line['ref']}").status_code == (404 if role == "other_admin" else status)


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201, "city_admin": 201}, 403))
def test_who_registers_a_line_of_the_city(api, role, status):
    body = {"name": "青川 119", "number": "119", "kind": "emergency", "service": "fire", "region_code": "990100"}
    assert api(role).post(f"{API}/lines", json=body).status_code == status


@pytest.mark.parametrize(("role", "status"),
                         expect({"admin": 200, "city_admin": 200, "other_admin": 404, **{r: 403 for r in CENTRE}}, 403))
def test_who_changes_a_line(api, line, role, status):
    assert api(role).patch(f"{API}/lines/{line['ref']}", json={"name": "改名"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 201, "dispatcher": 201, "supervisor": 201,
                                                     "handler": 403, "manager": 403}, 404))
def test_who_transfers_an_order(api, line, order, role, status):
    body = {"line": line["ref"], "scope": "partial"}
    assert api(role).post(f"/api/v1/work-orders/{order}/linkage", json=body).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**CENTRE, "handler": 200, "manager": 200}, 404))
def test_who_reads_a_linkage_record(api, record, order, role, status):
    client = api(role)
    assert client.get(f"{API}/records/{record['ref']}").status_code == status
    assert client.get(f"/api/v1/work-orders/{order}/linkage").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**CENTRE, "handler": 403, "manager": 403}, 404))
def test_who_records_an_outcome(api, record, role, status):
    response = api(role).patch(f"{API}/records/{record['ref']}", json={"outcome": "accepted"})
    assert response.status_code == status


def test_a_guessed_record_or_line_ref_is_404(api, record, line):
    agent = api("agent")
    for path in (f"{API}/records/{'0' * 32}", f"{API}/records/1", f"{API}/lines/{'0' * 32}", f"{API}/lines/1"):
        assert agent.get(path).status_code == 404


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201, "city_admin": 201, "other_admin": 422}, 403))
def test_who_issues_a_utility_key(api, role, status):
    assert api(role).post(f"{API}/keys", json={"unit": "990100-wat"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "city_admin": 200, "other_admin": 200}, 403))
def test_who_lists_utility_keys(api, role, status):
    assert api(role).get(f"{API}/keys").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(CENTRE, 403))
def test_who_reads_the_statistics(api, role, status):
    assert api(role).get(f"{API}/stats").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(READERS, 403))
def test_who_opens_the_register_page(api, role, status):
    assert api(role).get("/linkage").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(CENTRE, 403))
def test_who_opens_the_statistics_page(api, role, status):
    assert api(role).get("/linkage/stats").status_code == status
