"""Call statistics and the wallboard against every role: the roles with ``view_calls`` (agent,
dispatcher, centre supervisor, administrators) read them, each for its own region; every other
role gets 403."""

import pytest

from tests.auth.test_access_matrix import ROLES, expect
from tests.telephony import stats_stream as s

VIEWERS = {"admin": 200, "city_admin": 200, "other_admin": 200, "agent": 200, "dispatcher": 200, "supervisor": 200}
PERIOD = {"from": "2026-11-10T09:00:00+08:00", "to": "2026-11-10T12:00:00+08:00"}
#: Offered calls each viewer sees of the stream (all in the city centre 990100).
SEEN = {"admin": 1, "city_admin": 1, "other_admin": 0, "agent": 1, "dispatcher": 1, "supervisor": 1}


@pytest.fixture
def one_call(api, world):
    response = api("pbx").post(s.URL, json=s.abandoned_call("m1", s.X, 60, queue="general", wait=8))
    assert response.status_code == 202


@pytest.mark.parametrize(("role", "status"), expect(VIEWERS, 403))
def test_who_may_read_call_statistics_and_of_which_region(api, one_call, role, status):
    response = api(role).get("/api/v1/cti/stats", params=PERIOD)
    assert response.status_code == status
    if status == 200:
        assert response.json()["offered"] == SEEN[role]


@pytest.mark.parametrize(("role", "status"), expect(VIEWERS, 403))
def test_who_may_read_the_wallboard_api(api, role, status):
    assert api(role).get("/api/v1/cti/wallboard").status_code == status


@pytest.mark.parametrize(("role", "status"), expect(VIEWERS, 403))
@pytest.mark.parametrize("path", ["/cti/stats", "/cti/wallboard", "/cti/wallboard/panel", "/cti/stats/export.xlsx"])
def test_who_may_open_the_statistics_pages(api, role, status, path):
    assert api(role).get(path).status_code == status


def test_the_matrix_covers_every_role():
    assert set(VIEWERS) | {"handler", "manager", "other_handler", "sector", "auditor", "kb_editor", "kb_reviewer",
                           "ivr", "pbx"} == set(ROLES)
