"""Every role against telephony administration (seats, queues, CTI keys, the admin page):
administrators (manage_telephony) only, each within their region — another city's seat is a
404 and is not listed; every other role gets 403."""

import pytest
from sqlalchemy import select

from hotline.kit import clock
from hotline.org.models import Region
from hotline.telephony.models import CtiQueue, Seat
from tests.auth.test_access_matrix import expect

ADMINS = {"admin": 200, "city_admin": 200, "other_admin": 200}
CREATED = {"admin": 201, "city_admin": 201, "other_admin": 201}


def _seat(db, code: str = "M001", region: str = "990100") -> Seat:
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    seat = Seat(code=code, region_id=region_id, created_at=clock.now())
    db.add(seat)
    db.flush()
    return seat


def _queue(db, name: str = "matrix-q", region: str = "990100") -> CtiQueue:
    region_id = db.execute(select(Region.id).where(Region.code == region)).scalar_one()
    queue = CtiQueue(region_id=region_id, name=name, kind="general", created_at=clock.now())
    db.add(queue)
    db.flush()
    return queue


@pytest.mark.parametrize(("role", "status"), expect(ADMINS, 403))
def test_who_lists_seats_queues_and_keys(api, role, status):
    client = api(role)
    for path in ("/api/v1/cti/seats", "/api/v1/cti/queues", "/api/v1/cti/keys"):
        assert client.get(path).status_code == status, path


@pytest.mark.parametrize(("role", "status"), expect(ADMINS, 403))
def test_who_opens_the_telephony_admin_page(api, role, status):
    assert api(role).get("/cti/admin").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(CREATED, 403))
def test_who_adds_a_seat(api, db, role, status):
    region = {"other_admin": "990200"}.get(role, "990100")
    response = api(role).post("/api/v1/cti/seats", json={"code": "N001", "kind": "general", "region": region})
    assert response.status_code == status, response.text
    db.expire_all()
    assert (db.execute(select(Seat).where(Seat.code == "N001")).scalar_one_or_none() is not None) == (status == 201)


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "city_admin": 200, "other_admin": 404}, 403))
def test_who_changes_a_seat_of_the_city(api, db, role, status):
    seat = _seat(db)
    db.commit()
    response = api(role).patch(f"/api/v1/cti/seats/{seat.ref}", json={"operator": "某外包公司"})
    assert response.status_code == status, response.text
    db.refresh(seat)
    assert (seat.operator == "某外包公司") == (status == 200)


@pytest.mark.parametrize(("role", "visible"), [("admin", True), ("city_admin", True), ("other_admin", False)])
def test_an_admin_lists_only_the_seats_of_their_region(api, db, role, visible):
    _seat(db)
    db.commit()
    codes = [s["code"] for s in api(role).get("/api/v1/cti/seats").json()]
    assert ("M001" in codes) is visible


@pytest.mark.parametrize(("role", "status"), expect({**ADMINS, "other_admin": 404}, 403))
def test_who_maps_a_queue_of_qingchuans_pbx(api, db, role, status):
    queue = _queue(db)
    db.commit()
    response = api(role).patch(f"/api/v1/cti/queues/{queue.id}", json={"kind": "enterprise"})
    assert response.status_code == status, response.text
    db.refresh(queue)
    assert (queue.kind == "enterprise") == (status == 200)
    if status == 200:  # by its name: in the administrator's own region, or the one named
        by_name = api(role).patch(f"/api/v1/cti/queues/{queue.name}", params={"region": "990100"},
                                  json={"label": "矩阵"})
        assert by_name.status_code == 200 and by_name.json()["region"] == "990100"


@pytest.mark.parametrize(("role", "visible"), [("admin", True), ("city_admin", True), ("other_admin", False)])
def test_an_admin_lists_only_the_queues_of_their_region(api, db, role, visible):
    _queue(db)
    _queue(db, "matrix-far", region="990200")
    db.commit()
    listed = {(q["region"], q["name"]) for q in api(role).get("/api/v1/cti/queues").json()}
    assert (("990100", "matrix-q") in listed) is visible
    assert (("990200", "matrix-far") in listed) is (role != "city_admin")


@pytest.mark.parametrize(("role", "status"), expect(CREATED, 403))
def test_who_issues_a_cti_key(api, role, status):
    response = api(role).post("/api/v1/cti/keys", json={"name": "矩阵测试"})
    assert response.status_code == status, response.text
    assert ("key" in response.json()) == (status == 201)


@pytest.mark.parametrize(("role", "status"), expect({"admin": 200, "city_admin": 200, "other_admin": 404}, 403))
def test_who_revokes_the_city_centres_cti_key(api, app, world, role, status):
    from fastapi.testclient import TestClient

    from tests.factories import login

    with TestClient(app) as admin:
        login(admin, "city_admin")
        created = admin.post("/api/v1/cti/keys", json={"name": "青川市中心"}).json()
    response = api(role).post(f"/api/v1/cti/keys/{created['id']}/revoke")
    assert response.status_code == status, response.text
    with TestClient(app) as pbx:
        posted = pbx.post("/api/v1/cti/events", headers={"Authorization": f"Bearer {created['key']}"}, json=[])
    assert posted.status_code == (401 if status == 200 else 202)
