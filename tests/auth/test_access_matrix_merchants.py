"""Every role against the service-merchant register: managers (centre supervisors and
administrators) keep the register of their region (404 for another region's merchant); the
centre's staff read it (contacts masked) and refer; call-back staff rate; everyone else 403
(404 for an order they may not see). The public list is open to all."""

import pytest

from tests.auth.test_access_matrix import ROLES, expect
from tests.integration.merchants.conftest import API, GOOD, USCC, admitted, order, post, to_callback

MANAGERS = {"admin": 200, "city_admin": 200, "supervisor": 200}
READERS = {**MANAGERS, "other_admin": 200, "agent": 200, "dispatcher": 200}


@pytest.fixture
def merchant(api):
    return admitted(api)


@pytest.fixture
def dispatched(api, world):
    number = order(api)
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    return number


@pytest.mark.parametrize(("role", "status"), expect(READERS, 403))
def test_who_lists_the_register(api, merchant, role, status):
    listed = api(role).get(API)
    assert listed.status_code == status
    if status == 200:
        assert (merchant["ref"] in [m["ref"] for m in listed.json()]) is (role != "other_admin")
    assert api(role).get("/merchants").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**READERS, "other_admin": 404}, 403))
def test_who_reads_a_merchant_and_sees_its_contact(api, merchant, role, status):
    response = api(role).get(f"{API}/{merchant['ref']}")
    assert response.status_code == status
    if status == 200:
        assert response.json()["contact_masked"] is (role not in MANAGERS)
    assert api(role).get(f"/merchants/{merchant['ref']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"admin": 201, "city_admin": 201, "supervisor": 201,
                                                     "other_admin": 422}, 403))
def test_who_registers_a_merchant(api, role, status):
    body = {**GOOD, "uscc": USCC[ROLES.index(role) % len(USCC)], "name": f"{role} 维修"}
    assert api(role).post(API, json=body).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**MANAGERS, "other_admin": 404}, 403))
def test_who_changes_a_merchants_status_and_reads_its_history(api, merchant, role, status):
    client = api(role)
    assert client.post(f"{API}/{merchant['ref']}/status", json={"action": "warn", "reason": "测试"}).status_code \
        == status
    assert client.get(f"{API}/{merchant['ref']}/history").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**MANAGERS, "other_admin": 200}, 403))
def test_who_reads_and_runs_the_adjustment_rule(api, role, status):
    assert api(role).get("/api/v1/merchant-proposals").status_code == status
    assert api(role).post("/api/v1/merchant-proposals/run").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 201, "dispatcher": 201, "supervisor": 201,
                                                     "handler": 403, "manager": 403}, 404))
def test_who_refers_a_caller_from_an_order(api, merchant, dispatched, role, status):
    response = api(role).post(f"/api/v1/work-orders/{dispatched}/referrals",
                              json={"merchant": merchant["ref"], "service_type": "appliance_repair"})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "supervisor": 200, "dispatcher": 403,
                                                     "handler": 403, "manager": 403}, 404))
def test_who_records_the_rating_at_callback(api, world, merchant, role, status):
    number = order(api)
    r = post(api("agent"), f"/api/v1/work-orders/{number}/referrals",
             {"merchant": merchant["ref"], "service_type": "appliance_repair"}, 201)
    to_callback(api, world, number)
    response = api(role).post(f"/api/v1/work-orders/{number}/referrals/{r['ref']}/rating",
                              json={"verdict": "satisfied"})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 201, "dispatcher": 201, "supervisor": 201,
                                                     "handler": 403, "manager": 403}, 404))
def test_who_marks_an_order_as_a_complaint_about_a_merchant(api, merchant, dispatched, role, status):
    response = api(role).post(f"/api/v1/work-orders/{dispatched}/merchant-complaints",
                              json={"merchant": merchant["ref"]})
    assert response.status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_public_list(api, merchant, role):
    assert api(role).get("/api/v1/public/merchants").status_code == 200


def test_a_guessed_merchant_ref_is_404(api, merchant):
    assert api("supervisor").get(f"{API}/{'0' * 32}").status_code == 404
    assert api("supervisor").get(f"{API}/1").status_code == 404
