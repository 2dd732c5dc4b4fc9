"""Every role against spot checks, their corrections and rectification lists: checkers (centre
supervisors, provincial departments' sector viewers) work on their own unit's or region's
checks and lists (404 for another issuer's); the responsible unit sees and answers only its
own corrections and items (404 for another unit's); everyone else 403."""

import pytest

from tests.auth.test_access_matrix import expect
from tests.spotcheck.conftest import CHECKS, LISTS, closed_order, draw_body, post

CHECKERS = {"supervisor": 200, "sector": 200}
UNITS = {"handler": 200, "manager": 200, "other_handler": 200}


@pytest.fixture
def seeded(db, world):
    """Two street-lamp orders (the city's) and one noise order (the department's sector)."""
    made = [closed_order(db, world), closed_order(db, world), closed_order(db, world, category="noise")]
    db.commit()
    return made


@pytest.fixture
def check(api, seeded):
    """The city supervisors' check with a problem found on one order (a correction for the
    city housing bureau)."""
    c = post(api("supervisor"), CHECKS, draw_body(size=1, category_code="01"), 201)
    item = c["items"][0]
    post(api("supervisor"), f"{CHECKS}/{c['ref']}/items/{item['ref']}/finding",
         {"finding": "problem", "problem_type": "perfunctory", "correction": "重新办理"})
    return c, item["ref"]


@pytest.fixture
def rect(api, check):
    c, _ = check
    lst = post(api("supervisor"), f"{LISTS}/from-spot-check", {"spot_check": c["ref"]}, 201)
    return lst, lst["items"][0]["ref"]


@pytest.mark.parametrize(("role", "status"), expect(CHECKERS, 403))
def test_who_lists_spot_checks_and_their_statistics(api, role, status):
    assert api(role).get(CHECKS).status_code == status
    assert api(role).get(f"{CHECKS}/statistics").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 201, "sector": 201}, 403))
def test_who_draws_a_spot_check(api, seeded, role, status):
    assert api(role).post(CHECKS, json=draw_body(size=1)).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200, "sector": 404}, 403))
def test_who_reads_a_check_and_records_findings_and_re_callbacks(api, check, role, status):
    c, item = check
    client = api(role)
    assert client.get(f"{CHECKS}/{c['ref']}").status_code == status
    assert client.get(f"{CHECKS}/{c['ref']}/items/{item}/contact").status_code == status
    assert client.post(f"{CHECKS}/{c['ref']}/items/{item}/recall", json={"verdict": "satisfied"}).status_code \
        == status
    assert client.post(f"{CHECKS}/{c['ref']}/items/{item}/finding",
                       json={"finding": "problem", "problem_type": "other", "correction": "x"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**CHECKERS, **UNITS}, 403))
def test_who_lists_corrections_and_sees_only_their_own(api, check, role, status):
    _, item = check
    listed = api(role).get(f"{CHECKS}/corrections")
    assert listed.status_code == status
    if status == 200:
        assert (item in [c["ref"] for c in listed.json()]) is (role in ("supervisor", "handler", "manager"))


@pytest.mark.parametrize(("role", "status"), expect({"handler": 200, "manager": 200, "other_handler": 404,
                                                     "sector": 404}, 403))
def test_only_the_responsible_unit_answers_a_correction(api, check, role, status):
    _, item = check
    assert api(role).post(f"{CHECKS}/corrections/{item}/answer", json={"text": "已整改"}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200, "sector": 404, "handler": 403,
                                                     "manager": 403, "other_handler": 403}, 403))
def test_only_the_checker_accepts_an_answer(api, check, role, status):
    c, item = check
    post(api("handler"), f"{CHECKS}/corrections/{item}/answer", {"text": "已整改"})
    assert api(role).post(f"{CHECKS}/{c['ref']}/items/{item}/decision", json={"accept": True}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 201, "sector": 404}, 403))
def test_who_builds_a_rectification_list_from_a_check(api, check, role, status):
    c, _ = check
    assert api(role).post(f"{LISTS}/from-spot-check", json={"spot_check": c["ref"]}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**CHECKERS, **UNITS}, 403))
def test_who_lists_rectification_lists_and_items(api, rect, role, status):
    lst, _ = rect
    listed = api(role).get(LISTS)
    assert listed.status_code == status
    assert api(role).get("/api/v1/rectification-items").status_code == status
    if status == 200:
        assert (lst["ref"] in [x["ref"] for x in listed.json()]) is (role in ("supervisor", "handler", "manager"))


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200, "handler": 200, "manager": 200,
                                                     "other_handler": 404, "sector": 404}, 403))
def test_who_reads_a_rectification_list(api, rect, role, status):
    lst, _ = rect
    assert api(role).get(f"{LISTS}/{lst['ref']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"handler": 200, "manager": 200, "other_handler": 404,
                                                     "sector": 404}, 403))
def test_only_the_responsible_unit_reports_on_an_item(api, rect, role, status):
    _, item = rect
    assert api(role).post(f"/api/v1/rectification-items/{item}/progress",
                          json={"text": "已完成", "done": True}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200, "sector": 404, "handler": 403,
                                                     "manager": 403, "other_handler": 404}, 403))
def test_only_the_issuer_confirms_an_item(api, rect, role, status):
    _, item = rect
    post(api("handler"), f"/api/v1/rectification-items/{item}/progress", {"text": "已完成", "done": True})
    assert api(role).post(f"/api/v1/rectification-items/{item}/decision", json={"confirm": True}).status_code \
        == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200, "sector": 200, "handler": 200,
                                                     "manager": 200, "other_handler": 200},
                                                    403))
def test_who_opens_the_pages(api, role, status):
    client = api(role)
    assert client.get("/spot-checks").status_code == status
    assert client.get("/rectification-lists").status_code == status


def test_guessed_refs_are_404(api, check):
    for path in (f"{CHECKS}/{'0' * 32}", f"{CHECKS}/1", f"{LISTS}/{'0' * 32}", f"{LISTS}/1"):
        assert api("supervisor").get(path).status_code == 404
    assert api("handler").post(f"{CHECKS}/corrections/{'0' * 32}/answer", json={"text": "x"}).status_code == 404
