"""The ledger and the notice built from it blame the unit named in the event, not whoever
holds the order when the projector reads it (issue 18 item 13)."""

from hotline.org import service as org
from hotline.org.models import UnitKind
from hotline.supervision.models import LedgerEntry, LedgerKind
from hotline.workorder import service as wo
from tests.supervision.helpers import dispatched, project


def _city_management(db, world):
    unit = org.create_unit(db, world.p("admin"), code="990100-cg", name="青川市城管局", kind=UnitKind.department,
                           region_code="990100")
    return unit


def _returned_twice_then_redispatched(db, world):
    city_management = _city_management(db, world)
    order = dispatched(db, world)
    wo.return_order(db, world.p("handler"), order, reason="不属于本单位职责")
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=world.units["990100-zj"])
    wo.return_order(db, world.p("handler"), order, reason="仍不属于本单位职责")
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=city_management.id)
    return order, city_management


def test_two_returns_by_the_housing_bureau_put_the_housing_bureau_on_the_buck_passing_ledger(api, db, world):
    order, city_management = _returned_twice_then_redispatched(db, world)
    project(db)  # the projector reads the returns after the re-dispatch to city management

    entries = db.query(LedgerEntry).filter_by(work_order_id=order.id, kind=LedgerKind.buck_passing).all()
    assert [e.unit_id for e in entries] == [world.units["990100-zj"]]
    rows = api("supervisor").get("/api/v1/ledgers", params={"kind": "buck_passing"}).json()
    assert [(r["number"], r["unit"]) for r in rows] == [(order.number, "青川市住建局")]
    assert order.lead_unit_id == city_management.id


def test_a_public_notice_built_from_the_ledger_names_the_bureau_that_passed_the_buck(api, db, world):
    order, _ = _returned_twice_then_redispatched(db, world)
    project(db)
    supervisor = api("supervisor")
    r = supervisor.post("/api/v1/notices", json={"title": "关于推诿扯皮问题的通报", "body": "通报如下。",
                                                 "items": [{"order_number": order.number}]})
    assert r.status_code == 201, r.text
    assert supervisor.post(f"/api/v1/notices/{r.json()['id']}/publish").status_code == 200
    public = supervisor.get(f"/api/v1/public/notices/{r.json()['id']}").json()
    assert [i["unit"] for i in public["items"]] == ["青川市住建局"]


def test_a_rejected_reply_is_blamed_on_the_unit_that_wrote_it_even_after_a_transfer_of_hands(api, db, world):
    city_management = _city_management(db, world)
    order = dispatched(db, world)
    wo.sign(db, world.p("handler"), order)
    wo.reply(db, world.p("handler"), order, result=wo.ReplyResult.resolved, text="已处理")
    wo.review_reply(db, world.p("dispatcher"), order, accept=False, reason="答复敷衍")
    wo.return_order(db, world.p("handler"), order, reason="不属于本单位职责")
    wo.dispatch(db, world.p("dispatcher"), order, lead_unit_id=city_management.id)
    project(db)
    entries = db.query(LedgerEntry).filter_by(work_order_id=order.id, kind=LedgerKind.perfunctory).all()
    assert [e.unit_id for e in entries] == [world.units["990100-zj"]]
