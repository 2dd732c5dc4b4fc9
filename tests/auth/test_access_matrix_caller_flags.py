"""Every role against marks on callers: centre staff who edit the register propose them, only
centre supervisors review and lift them, everyone else is refused; a mark on a caller outside
one's region is not found."""

import pytest

from tests.auth.test_access_matrix import expect


@pytest.mark.parametrize(("role", "status"), expect({"agent": 201, "supervisor": 201}, 403))
def test_who_proposes_a_mark(api, world, role, status):
    response = api(role).post(f"/api/v1/citizens/{world.citizen_ref}/flags", json={"reason": "骚扰", "days": 30})
    assert response.status_code in ((status,) if status != 403 else (403, 404))


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200}, 403))
def test_who_reviews_a_mark(api, world, role, status):
    flag = api("agent").post(f"/api/v1/citizens/{world.citizen_ref}/flags", json={"reason": "骚扰", "days": 30})
    ref = flag.json()["ref"]
    response = api(role).post(f"/api/v1/caller-flags/{ref}/review", json={"approve": True})
    assert response.status_code == status or (status == 403 and response.status_code == 404)


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "dispatcher": 200, "supervisor": 200}, 403))
def test_who_lists_marks_waiting_for_review(api, role, status):
    assert api(role).get("/api/v1/caller-flags").status_code == status
