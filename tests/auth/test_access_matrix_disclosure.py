"""Every role against public disclosure: centre supervisors publish months and choose, edit,
review and withdraw typical cases of their region (404 for another region's); every other
role 403 (404 for an order it may not see). The public pages and feeds are open to all."""

import pytest

from hotline.auth import service as auth_service
from hotline.auth.models import Role
from tests.analytics.disclosure.conftest import API, closed_order, post
from tests.auth.test_access_matrix import ROLES, expect
from tests.factories import PASSWORD

EDITORS = {"supervisor": 200}


@pytest.fixture
def case(api, world):
    return post(api("supervisor"), f"{API}/cases", {"order": closed_order(api, world)}, 201)


@pytest.mark.parametrize(("role", "status"), expect(EDITORS, 403))
def test_who_lists_months_and_cases(api, role, status):
    client = api(role)
    assert client.get(f"{API}/months").status_code == status
    assert client.get(f"{API}/cases").status_code == status
    assert client.get("/disclosure").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 201}, 403))
def test_who_chooses_an_order_as_a_typical_case(api, world, role, status):
    number = closed_order(api, world)
    assert api(role).post(f"{API}/cases", json={"order": number}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect(EDITORS, 403))
def test_who_reads_and_edits_a_case(api, case, role, status):
    client = api(role)
    assert client.get(f"{API}/cases/{case['ref']}").status_code == status
    body = {k: case[k] for k in ("title", "appeal", "handling", "result")}
    assert client.put(f"{API}/cases/{case['ref']}", json=body).status_code == status
    assert client.get(f"/disclosure/cases/{case['ref']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 403}, 403))
def test_nobody_but_a_second_supervisor_approves(api, case, role, status):
    post(api("supervisor"), f"{API}/cases/{case['ref']}/submit")
    assert api(role).post(f"{API}/cases/{case['ref']}/review", json={"approve": True}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect(EDITORS, 403))
def test_who_withdraws_a_month(api, role, status, db, world):
    from hotline.analytics.disclosure.models import DisclosureMonth
    from hotline.kit import clock
    from hotline.org.models import Unit

    centre = db.get(Unit, world.units["C-990100"])
    month = DisclosureMonth(region_id=centre.region_id, period="2026-01", state="published", figures={},
                            published_by_id=world.user_ids["supervisor"], published_at=clock.now(), version=1)
    db.add(month)
    db.commit()
    response = api(role).post(f"{API}/months/{month.ref}/withdraw", json={"reason": "更正"})
    assert response.status_code == status


def test_a_supervisor_of_another_city_gets_404(api, case, db, world):
    user = auth_service.create_user(db, world.p("admin"), username="other_supervisor", display_name="云岭值班长",
                                    role=Role.centre_supervisor, unit_id=world.units["C-990200"], password=PASSWORD,
                                    phone="13700000002")
    user.must_change_password = False
    db.commit()
    other = api("other_supervisor")
    assert other.get(f"{API}/cases/{case['ref']}").status_code == 404
    assert other.get(f"/disclosure/cases/{case['ref']}").status_code == 404
    assert case["ref"] not in other.get(f"{API}/cases").text
    assert other.post(f"{API}/cases", json={"order": case["order"]}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_public_disclosure(api, role):
    client = api(role)
    assert client.get("/api/v1/public/disclosure").status_code == 200
    assert client.get("/public/disclosure").status_code == 200
    assert client.get("/public/disclosure/rss.xml").status_code == 200


def test_a_guessed_case_ref_is_404(api, case):
    assert api("supervisor").get(f"{API}/cases/{'0' * 32}").status_code == 404
    assert api("supervisor").get(f"{API}/cases/1").status_code == 404
    assert api("supervisor").get(f"/public/disclosure/cases/{'0' * 32}").status_code == 404
