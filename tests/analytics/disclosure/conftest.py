import pytest

from hotline.auth import service as auth_service
from hotline.auth.models import Role
from tests.factories import PASSWORD

API = "/api/v1/disclosure"
ORDERS = "/api/v1/work-orders"
#: An order full of personal data: the public must see none of it.
PERSONAL = {
    "name": "欧阳建国", "phone": "13912345678", "id_number": "110105194912310021",
    "address": "东城区幸福路18号幸福家园3栋2单元501", "plate": "川A12345", "plate_ev": "粤B·D12345",
    "enterprise": "青川安居家电维修有限公司", "uscc": "91110108MA0100000W",
    "landline": "021-87654321", "other_name": "李秀英", "email": "oy.jianguo@example.com", "estate": "幸福家园",
    "house": "3栋2单元501", "street": "东华街道", "card": "6222020012345678901",
}
INTAKE = {
    "channel": "phone", "appeal_type": "complaint", "category_code": "010101", "region_code": "990102001",
    "title": f"{PERSONAL['estate']}门口车辆{PERSONAL['plate']}长期占道",
    "content": (f"市民{PERSONAL['name']}（身份证{PERSONAL['id_number']}，电话{PERSONAL['phone']}，"
                f"座机{PERSONAL['landline']}，"
                f"邮箱{PERSONAL['email']}）反映：家住{PERSONAL['street']}{PERSONAL['address']}，"
                f"车牌{PERSONAL['plate']}和{PERSONAL['plate_ev']}的车辆长期占用消防通道；"
                f"{PERSONAL['enterprise']}（统一社会信用代码{PERSONAL['uscc']}）拖欠维修款，"
                f"邻居{PERSONAL['other_name']}也可作证，退款请打到卡号{PERSONAL['card']}。欧阳建国希望尽快处理。"),
    "phone": PERSONAL["phone"], "name": PERSONAL["name"], "address": PERSONAL["address"],
    "is_enterprise": False, "enterprise_name": PERSONAL["enterprise"], "uscc": PERSONAL["uscc"],
}
REPLY = (f"经核实，{PERSONAL['plate']}车主已挪车；已约谈{PERSONAL['enterprise']}负责人，"
         f"并电话{PERSONAL['phone']}告知{PERSONAL['name']}先生处理结果，{PERSONAL['house']}住户表示认可。")


def post(client, path, body=None, status=200):
    response = client.post(path, json=body or {})
    assert response.status_code == status, response.text
    return response.json()


def closed_order(api, world, **change) -> str:
    """An order taken, dispatched, handled, reviewed and closed by a satisfied callback."""
    number = post(api("agent"), ORDERS, {**INTAKE, **change}, 201)["number"]
    post(api("dispatcher"), f"{ORDERS}/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    post(api("handler"), f"{ORDERS}/{number}/sign")
    post(api("handler"), f"{ORDERS}/{number}/reply", {"result": "resolved", "text": REPLY})
    post(api("dispatcher"), f"{ORDERS}/{number}/review", {"accept": True})
    post(api("agent"), f"{ORDERS}/{number}/callback", {"reached": True, "resolved": True, "verdict": "satisfied"})
    return number


@pytest.fixture
def second_supervisor(db, world):
    """Another centre supervisor of the city (the reviewer: four eyes)."""
    user = auth_service.create_user(db, world.p("admin"), username="supervisor2", display_name="第二值班长",
                                    role=Role.centre_supervisor, unit_id=world.units["C-990100"], password=PASSWORD,
                                    phone="13700000001")
    user.must_change_password = False
    db.commit()
    return "supervisor2"


def published_case(api, world, reviewer: str, **choose) -> dict:
    number = closed_order(api, world)
    case = post(api("supervisor"), f"{API}/cases", {"order": number, **choose}, 201)
    post(api("supervisor"), f"{API}/cases/{case['ref']}/submit", {"version": case["version"]})
    return post(api(reviewer), f"{API}/cases/{case['ref']}/review", {"approve": True, "version": case["version"] + 1})
