"""Every role against quality inspection (质检): the checklist, figures, samples, inspections
(pending, scored, appealed), appeals, decisions, monthly reports and the pages. 403 for a role
that never has the action, 404 for an inspection outside the caller's scope."""

import datetime as dt

import pytest

from hotline.kit import clock
from hotline.telephony.quality import service as quality
from tests.auth.test_access_matrix import expect
from tests.telephony.quality_world import ITEMS, call, seat

API = "/api/v1/cti/quality"
ADMINS = {"admin": 200, "city_admin": 200, "other_admin": 200}
SCORES = {"greeting": 10, "registration": 30, "attitude": 50}


@pytest.fixture
def objects(db, world):
    """A checklist of city 990100 and three inspections of the agent's calls: pending, scored
    and appealed."""
    quality.save_checklist(db, world.p("city_admin"), items=ITEMS)
    s = seat(db, "QA-M1", "乙外包")
    now = clock.now()
    calls = [call(db, agent_id=world.user_ids["agent"], seat=s, answered=now - dt.timedelta(minutes=10 * n),
                  talk=60) for n in range(1, 5)]
    sup = world.p("supervisor")
    pending, scored, appealed = (quality.pick(db, sup, call_ref=c.ref) for c in calls[:3])
    for inspection in (scored, appealed):
        quality.score(db, sup, inspection, scores=SCORES, feedback="好")
    quality.appeal(db, world.p("agent"), appealed, reason="有异议")
    db.commit()
    return {"pending": pending.ref, "scored": scored.ref, "appealed": appealed.ref, "free_call": calls[3].ref}


@pytest.mark.parametrize(("role", "status"), expect({"city_admin": 200, "agent": 200, "supervisor": 200,
                                                     "admin": 404, "other_admin": 404}, 403))
def test_who_reads_the_checklist(api, objects, role, status):
    assert api(role).get(f"{API}/checklist").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "supervisor": 200}, 403))
def test_who_saves_a_checklist_version_and_lists_the_versions(api, objects, role, status):
    client = api(role)
    assert client.put(f"{API}/checklist", json={"items": ITEMS}).status_code == status
    assert client.get(f"{API}/checklist/versions").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "supervisor": 200}, 403))
def test_who_reads_agents_figures_and_monthly_reports(api, objects, role, status):
    client = api(role)
    assert client.get(f"{API}/figures").status_code == status
    assert client.get(f"{API}/monthly").status_code == status
    assert client.get(f"{API}/monthly.xlsx").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 201}, 403))
def test_who_draws_a_sample(api, objects, role, status):
    assert api(role).post(f"{API}/samples", json={"share": 0.05, "seed": 1}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 201}, 403))
def test_who_picks_a_call_by_hand(api, objects, role, status):
    assert api(role).post(f"{API}/inspections", json={"call_ref": objects["free_call"]}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200, "supervisor": 200}, 403))
def test_who_lists_inspections_and_reads_a_scored_one(api, objects, role, status):
    client = api(role)
    assert client.get(f"{API}/inspections").status_code == status
    assert client.get(f"{API}/inspections/{objects['scored']}").status_code == status
    assert client.get(f"/cti/quality/inspections/{objects['scored']}").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200, "agent": 404}, 403))
def test_a_pending_inspection_is_the_inspectors_alone(api, objects, role, status):
    client = api(role)
    assert client.get(f"{API}/inspections/{objects['pending']}").status_code == status
    assert client.post(f"{API}/inspections/{objects['pending']}/score",
                       json={"scores": SCORES}).status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"agent": 200}, 403))
def test_only_the_inspected_agent_appeals(api, objects, role, status):
    response = api(role).post(f"{API}/inspections/{objects['scored']}/appeal", json={"reason": "复核"})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({"supervisor": 200}, 403))
def test_only_an_inspector_decides_an_appeal(api, objects, role, status):
    response = api(role).post(f"{API}/inspections/{objects['appealed']}/decision",
                              json={"upheld": False, "note": "维持"})
    assert response.status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "agent": 200, "supervisor": 200}, 403))
def test_who_opens_the_quality_pages(api, objects, role, status):
    client = api(role)
    assert client.get("/cti/quality").status_code == status
    assert client.get("/cti/quality/checklist").status_code == status


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "supervisor": 200}, 403))
def test_who_opens_the_figures_and_monthly_pages(api, objects, role, status):
    client = api(role)
    assert client.get("/cti/quality/figures").status_code == status
    assert client.get("/cti/quality/monthly").status_code == status
    assert client.get("/cti/quality/monthly.xlsx").status_code == status


def test_an_agent_sees_only_their_own_inspections(api, db, world, objects):
    from hotline.auth.models import Role
    from tests.telephony.quality_world import add_user

    add_user(db, world, "agent_b", Role.agent, "C-990100")
    db.commit()
    other = api("agent_b")
    assert other.get(f"{API}/inspections/{objects['scored']}").status_code == 404
    assert other.post(f"{API}/inspections/{objects['scored']}/appeal", json={"reason": "x"}).status_code == 404
    assert other.get(f"{API}/inspections").json()["total"] == 0
    assert api("agent").get(f"{API}/inspections").json()["total"] == 2  # scored and appealed, not pending
