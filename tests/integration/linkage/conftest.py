import pytest

from tests.integration.webhooks.conftest import loopback, receiver  # noqa: F401 (fixtures)

API = "/api/v1/linkage"


@pytest.fixture
def lines(api):
    """The province's 119 and 120, the city's 110 and the water company's service line."""
    admin, city = api("admin"), api("city_admin")
    made = {}
    for client, body in (
        (admin, {"name": "119 消防救援", "number": "119", "kind": "emergency", "service": "fire"}),
        (admin, {"name": "120 急救中心", "number": "120", "kind": "emergency", "service": "ambulance"}),
        (city, {"name": "青川市 110 指挥中心", "number": "110", "kind": "emergency", "service": "police"}),
        (city, {"name": "青川自来水 96688", "number": "96688", "kind": "utility", "service": "water",
                "unit_code": "990100-wat"}),
    ):
        response = client.post(f"{API}/lines", json=body)
        assert response.status_code == 201, response.text
        made[body["number"]] = response.json()
    return made
