import pytest

API = "/api/v1/merchants"
USCC = ["91110108MA0100000W", "91110108MA01000010", "91110108MA01000023", "91110108MA01000036",
        "91110108MA01000049", "91110108MA0100005C"]
GOOD = {"name": "青川安居家电维修有限公司", "uscc": USCC[0], "service_types": ["appliance_repair", "plumbing_electric"],
        "area_codes": ["990102"], "business_phone": "02187654321", "contact_name": "李师傅",
        "contact_phone": "13912345678", "address": "东城区幸福路 8 号", "description": "空调、冰箱、洗衣机上门维修"}
INTAKE = {"channel": "phone", "appeal_type": "help", "title": "家里空调坏了，想找维修",
          "content": "空调不制冷，想找靠谱的维修师傅", "phone": "13911112222", "name": "王五",
          "category_code": "010101", "region_code": "990102001"}


def post(client, path, body=None, status=200):
    response = client.post(path, json=body or {})
    assert response.status_code == status, response.text
    return response.json()


def admitted(api, **change) -> dict:
    """A merchant registered by the supervisor and admitted by the city's administrator."""
    m = post(api("supervisor"), API, {**GOOD, **change}, 201)
    return post(api("city_admin"), f"{API}/{m['ref']}/review", {"admit": True})


def order(api, **change) -> str:
    return post(api("agent"), "/api/v1/work-orders", {**INTAKE, **change}, 201)["number"]


def to_callback(api, world, number: str) -> None:
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    post(api("handler"), f"/api/v1/work-orders/{number}/sign")
    post(api("handler"), f"/api/v1/work-orders/{number}/reply", {"result": "resolved", "text": "已转介维修企业"})
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/review", {"accept": True})


@pytest.fixture
def merchant(api):
    return admitted(api)
