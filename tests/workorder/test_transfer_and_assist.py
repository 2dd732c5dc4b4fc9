"""转办 and 协办 through the API: a centre passes a registered order down a level or, city to
city, across the province (the receiving centre is told); an assisting unit hands in its part.
Each refused to the wrong role, outside the caller's scope and to the wrong target."""

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.auth import service as auth_service
from hotline.auth.models import Role
from hotline.notify import service as notify
from hotline.notify.models import Notification, NotificationStatus
from hotline.org.models import Region, RegionLevel, Unit, UnitKind
from hotline.workorder.models import AssignmentRole, AssignmentState, WorkOrder
from tests.factories import PASSWORD

INTAKE = {"channel": "phone", "appeal_type": "complaint", "title": "小区路灯不亮",
          "content": "幸福路 12 号小区门口路灯坏了一个月", "phone": "13911112222",
          "category_code": "010101", "region_code": "990102001"}


def post(client, path, body=None, status=200):
    response = client.post(path, json=body or {})
    assert response.status_code == status, response.text
    return response.json()


def new_order(api):
    return post(api("agent"), "/api/v1/work-orders", INTAKE, 201)["number"]


def order(db, number):
    db.expire_all()
    return db.execute(select(WorkOrder).where(WorkOrder.number == number)).unique().scalar_one()


def transferred(db, o):
    return db.execute(select(AuditEvent).where(
        AuditEvent.object_type == "work_order", AuditEvent.object_id == str(o.id),
        AuditEvent.action == "work_order.transferred")).scalars().all()


def told(db, unit_id):
    return db.execute(select(Notification).where(Notification.template == "centre_transferred_in",
                                                 Notification.unit_id == unit_id)).scalars().all()


@pytest.fixture
def phones(db, world):
    """The centres that may receive an order have a duty phone; 云岭市's centre a dispatcher."""
    for code, phone in (("W-990102", "13700000102"), ("C-990200", "13700000200")):
        db.get(Unit, world.units[code]).contact_phone = phone
    user = auth_service.create_user(db, world.p("admin"), username="yl_dispatcher", display_name="云岭派单员",
                                    role=Role.dispatcher, unit_id=world.units["C-990200"], password=PASSWORD,
                                    phone="13700000201")
    user.must_change_password = False
    db.commit()


def test_a_city_centre_passes_an_order_down_to_its_county_workstation(api, db, world, phones):
    number = new_order(api)
    out = post(api("dispatcher"), f"/api/v1/work-orders/{number}/transfer",
               {"centre_unit_id": world.units["W-990102"], "note": "属地办理"})
    assert out["status"] == "registered" and out["centre_unit"] == "东城区工作站"
    o = order(db, number)
    assert [e.detail["unit"] for e in transferred(db, o)] == ["东城区工作站"]
    assert [n.work_order_id for n in told(db, world.units["W-990102"])] == [o.id]


def test_a_city_centre_passes_an_order_across_to_another_citys_centre_which_is_told(api, db, world, phones):
    number = new_order(api)
    assert api("yl_dispatcher").get(f"/api/v1/work-orders/{number}").status_code == 404  # not theirs yet
    out = post(api("dispatcher"), f"/api/v1/work-orders/{number}/transfer",
               {"centre_unit_id": world.units["C-990200"], "note": "事发地在云岭市"})
    assert out["centre_unit"] == "云岭市热线中心" and out["status"] == "registered"
    o = order(db, number)
    event = transferred(db, o)[0]
    assert event.detail["from_unit"] == "青川市热线中心" and event.detail["across"] is True
    texts = told(db, world.units["C-990200"])
    assert len(texts) == 1 and number in texts[0].body and "青川市热线中心" in texts[0].body
    receiving = api("yl_dispatcher")
    assert receiving.get(f"/api/v1/work-orders/{number}").status_code == 200  # now in their queue
    queue = receiving.get("/api/v1/work-orders", params={"status": "registered"}).json()
    assert number in [o["number"] for o in queue]
    assert api("dispatcher").post(f"/api/v1/work-orders/{number}/transfer",
                                  json={"centre_unit_id": world.units["W-990102"]}).status_code == 404


def test_a_receiving_centre_without_a_contact_phone_gets_a_skipped_row_for_the_administrator(api, db, world):
    assert not db.get(Unit, world.units["W-990102"]).contact_phone
    number = new_order(api)
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/transfer", {"centre_unit_id": world.units["W-990102"]})
    [text] = told(db, world.units["W-990102"])
    assert (text.work_order_id, text.status, text.last_error) == (order(db, number).id, NotificationStatus.skipped,
                                                                 notify.NO_UNIT_PHONE)
    assert world.units["W-990102"] in [u.unit_id for u in notify.units_without_contact(db, region_prefix="9901")]


def test_the_order_page_offers_the_other_citys_centre_for_a_transfer(api, world):
    number = new_order(api)
    page = api("dispatcher").get(f"/orders/{number}").text
    offered = page.split('id="f-centre"')[1].split("</select>")[0]
    assert f'value="{world.units["W-990102"]}"' in offered and f'value="{world.units["C-990200"]}"' in offered
    assert f'value="{world.units["C-990000"]}"' not in offered


def test_a_transfer_up_out_of_the_province_or_to_a_non_centre_is_refused_naming_the_field(api, db, world):
    # another province's city centre (set up as rows: this platform's admin cannot create it)
    province = Region(code="980000", name="邻省", level=RegionLevel.province)
    city = Region(code="980100", name="邻市", level=RegionLevel.city, parent=province)
    far = Unit(code="C-980100", name="邻市热线中心", kind=UnitKind.hotline_centre, level=RegionLevel.city, region=city)
    db.add_all([province, city, far])
    db.commit()
    number = new_order(api)
    dispatcher = api("dispatcher")
    for target in (world.units["C-990000"], far.id, world.units["990100-zj"], world.units["C-990100"], 999_999):
        r = dispatcher.post(f"/api/v1/work-orders/{number}/transfer", json={"centre_unit_id": target})
        assert r.status_code == 422 and r.json()["field"] == "centre_unit_id", (target, r.text)
    assert order(db, number).centre_unit_id == world.units["C-990100"]


def test_a_transfer_is_refused_to_the_wrong_role_outside_the_scope_and_once_dispatched(api, world, phones):
    number = new_order(api)
    body = {"centre_unit_id": world.units["C-990200"]}
    assert api("agent").post(f"/api/v1/work-orders/{number}/transfer", json=body).status_code == 403
    assert api("handler").post(f"/api/v1/work-orders/{number}/transfer", json=body).status_code == 404  # not its order
    assert api("yl_dispatcher").post(f"/api/v1/work-orders/{number}/transfer", json=body).status_code == 404
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    r = api("dispatcher").post(f"/api/v1/work-orders/{number}/transfer", json=body)
    assert r.status_code == 409 and r.json()["status"] == "dispatched"


def _with_assisting_unit(api, world):
    number = new_order(api)
    post(api("dispatcher"), f"/api/v1/work-orders/{number}/dispatch",
         {"lead_unit_id": world.units["990100-zj"], "assisting_unit_ids": [world.units["990200-zj"]]})
    return number


def test_an_assisting_unit_hands_its_part_to_the_lead_unit(api, db, world):
    number = _with_assisting_unit(api, world)
    out = post(api("other_handler"), f"/api/v1/work-orders/{number}/assist", {"text": "已排查云岭市段线路，无故障"})
    part = next(a for a in out["assignments"] if a["role"] == "assist")
    assert part["contribution"] == "已排查云岭市段线路，无故障" and part["state"] == AssignmentState.done.value
    o = order(db, number)
    assert next(a for a in o.assignments if a.role == AssignmentRole.assist).contributed_at is not None
    events = db.execute(select(AuditEvent).where(AuditEvent.object_id == str(o.id),
                                                 AuditEvent.action == "work_order.assist_submitted")).scalars().all()
    assert [e.detail["unit"] for e in events] == ["云岭市住建局"]
    again = api("other_handler").post(f"/api/v1/work-orders/{number}/assist", json={"text": "补充"})
    assert again.status_code == 403  # its part is handed in: no active assignment left


def test_assisting_is_refused_to_the_lead_unit_to_centre_staff_outside_the_scope_and_when_empty(api, world):
    number = _with_assisting_unit(api, world)
    body = {"text": "协办意见"}
    assert api("handler").post(f"/api/v1/work-orders/{number}/assist", json=body).status_code == 403  # the lead
    assert api("dispatcher").post(f"/api/v1/work-orders/{number}/assist", json=body).status_code == 403
    alone = new_order(api)
    post(api("dispatcher"), f"/api/v1/work-orders/{alone}/dispatch", {"lead_unit_id": world.units["990100-zj"]})
    assert api("other_handler").post(f"/api/v1/work-orders/{alone}/assist", json=body).status_code == 404
    r = api("other_handler").post(f"/api/v1/work-orders/{number}/assist", json={"text": "  "})
    assert r.status_code == 422 and r.json()["field"] == "text"
