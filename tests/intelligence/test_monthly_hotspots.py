"""The month's top hotspots among a centre's orders, computed in the background, and a
hotspot handed to a lead unit as a 专题专办 list."""

from sqlalchemy import select

import hotline.tasks  # noqa: F401  (registers the job handlers)
from hotline.intelligence import service as intel
from hotline.kit import clock, jobs
from hotline.notify import service as notify
from hotline.notify.models import Notification, NotificationStatus
from hotline.org.models import Unit
from tests.intelligence.helpers import month_of_appeals

MONTH = clock.now().astimezone(clock.CST).strftime("%Y-%m")




def test_a_months_hotspots_are_computed_in_the_background_and_shown(db, world, factory, api):
    planted = month_of_appeals(db, world)
    supervisor = api("supervisor")
    db.commit()
    assert supervisor.get(f"/api/v1/intelligence/hotspots?month={MONTH}").json() is None  # not computed yet
    assert supervisor.post("/api/v1/intelligence/hotspots/compute", json={"month": MONTH}).status_code == 202
    jobs.drain(factory)
    body = supervisor.get(f"/api/v1/intelligence/hotspots?month={MONTH}").json()
    assert body["orders"] == len(planted) + 20
    top = body["hotspots"][0]
    assert top["rank"] == 1 and "翠湖花园" in top["label"]
    members = set(top["order_numbers"])
    assert len(members & {o.number for o in planted}) >= 8 and len(members) <= len(planted) + 1  # whole and pure
    assert api("handler").get(f"/api/v1/intelligence/hotspots?month={MONTH}").status_code == 403
    assert supervisor.get("/api/v1/intelligence/hotspots?month=2026-13").status_code == 422


def test_a_supervisor_turns_a_hotspot_into_a_special_list(db, world, factory, api):
    month_of_appeals(db, world)
    centre = db.get(Unit, world.units["C-990100"])
    intel.compute_hotspots(db, centre, MONTH)
    db.commit()
    body = {"month": MONTH, "rank": 1, "lead_unit_id": world.units["990000-sthj"]}
    assert api("dispatcher").post("/api/v1/intelligence/special-lists", json=body).status_code == 403
    assert api("supervisor").post("/api/v1/intelligence/special-lists",
                                  json={**body, "rank": 9}).status_code == 404
    r = api("supervisor").post("/api/v1/intelligence/special-lists", json={**body, "note": "请牵头整治"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["title"].startswith("专题专办：") and made["lead_unit"] == "示范省生态环境厅" and made["order_numbers"]
    assert [x["id"] for x in api("sector").get("/api/v1/intelligence/special-lists").json()] == [made["id"]]
    assert api("other_handler").get("/api/v1/intelligence/special-lists").json() == []


def test_a_lead_unit_without_a_contact_phone_gets_a_skipped_row_for_the_administrator(db, world):
    month_of_appeals(db, world)
    intel.compute_hotspots(db, db.get(Unit, world.units["C-990100"]), MONTH)
    lead = db.get(Unit, world.units["990000-sthj"])
    assert not lead.contact_phone
    made = intel.create_special_list(db, world.p("supervisor"), month=MONTH, rank=1, lead_unit_id=lead.id)
    [text] = db.scalars(select(Notification).where(Notification.template == "unit_special_list")).all()
    assert (text.unit_id, text.status, text.last_error) == (lead.id, NotificationStatus.skipped, notify.NO_UNIT_PHONE)
    assert made.title in text.body
    assert lead.id in [u.unit_id for u in notify.units_without_contact(db, region_prefix="99")]
