"""Every role against the call-event interface: only the CTI (PBX) account may post events;
every other role gets 403 and nothing is written."""

import pytest
from sqlalchemy import func, select

from hotline.telephony.models import Call
from tests.auth.test_access_matrix import expect

EVENT = {"call_id": "matrix-1", "seq": 1, "type": "offered", "at": "2026-12-06T09:00:00+08:00",
         "caller": "13812348000"}


@pytest.mark.parametrize(("role", "status"), expect({"pbx": 202}, 403))
def test_only_the_cti_account_posts_call_events(api, db, role, status):
    response = api(role).post("/api/v1/cti/events", json=[EVENT])
    assert response.status_code == status, response.text
    db.expire_all()
    assert db.execute(select(func.count()).select_from(Call)).scalar_one() == (1 if status == 202 else 0)


def test_an_anonymous_caller_gets_401(client):
    assert client.post("/api/v1/cti/events", json=[EVENT]).status_code == 401
