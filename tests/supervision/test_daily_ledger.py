"""The daily emergency and stability ledger goes to the provincial sector departments each
morning, once; supervision letters left unanswered past their deadline go on a ledger."""

from sqlalchemy import select

from hotline.notify import service as notify
from hotline.notify.models import Notification, NotificationStatus
from hotline.org.models import Unit
from hotline.supervision import service
from hotline.supervision.models import LedgerEntry, LedgerKind
from tests.supervision.helpers import cst, dispatched, new_order, project


def test_the_sector_department_gets_yesterdays_emergencies_in_its_sectors_once(api, db, world, travel):
    db.get(Unit, world.units["990000-sthj"]).contact_phone = "02888886666"
    travel.move_to(cst(2026, 12, 1, 10))
    noise = world.categories["noise"]
    from hotline.workorder import service as wo

    env, _ = wo.intake(db, world.p("agent"), wo.IntakeData(
        channel="phone", appeal_type="complaint", title="工地夜间施工", content="工地燃气泄漏味道很重",
        phone="13911112223", category_code=noise, region_code="990102001"))
    new_order(db, world, title="路灯杆倒了", content="昨夜暴雨路灯杆坍塌")  # urban: another sector's
    project(db)

    assert service.send_daily_reports(db, cst(2026, 12, 2, 7)) == 0  # before 08:00
    assert service.send_daily_reports(db, cst(2026, 12, 2, 8)) == 1
    assert service.send_daily_reports(db, cst(2026, 12, 2, 9)) == 0  # once a day
    db.commit()
    reports = api("sector").get("/api/v1/ledgers/daily-reports").json()
    assert [(r["day"], r["emergency"], r["stability"]) for r in reports] == [("2026-12-01", 1, 0)]
    text = db.scalars(select(Notification.body).where(Notification.unit_id == world.units["990000-sthj"])).one()
    assert text.startswith("12月1日突发事件台账 1 条、涉稳风险台账 0 条")
    ledger = api("sector").get("/api/v1/ledgers", params={"kind": "emergency"}).json()
    assert [e["number"] for e in ledger] == [env.number]


def test_an_unanswered_letter_past_its_deadline_goes_on_the_ledger_once(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    db.commit()
    api("supervisor").post(f"/api/v1/work-orders/{order.number}/letters", json={"kind": "reminder",
                                                                                 "working_days": 2})
    assert service.ledger_overdue_letters(db, cst(2026, 11, 18, 20)) == 0  # due end of Wednesday
    assert service.ledger_overdue_letters(db, cst(2026, 11, 19, 9)) == 1
    assert service.ledger_overdue_letters(db, cst(2026, 11, 19, 10)) == 0
    entry = db.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.letter_overdue)).one()
    assert entry.work_order_id == order.id and "逾期未回复" in entry.reason


def test_a_sector_department_without_a_contact_phone_gets_a_skipped_row(db, world, travel):
    travel.move_to(cst(2026, 12, 1, 10))
    assert not db.get(Unit, world.units["990000-sthj"]).contact_phone
    assert service.send_daily_reports(db, cst(2026, 12, 2, 8)) == 1  # the report is kept all the same
    [text] = db.scalars(select(Notification).where(Notification.template == "sector_daily_ledger")).all()
    assert (text.unit_id, text.status, text.last_error) == (world.units["990000-sthj"], NotificationStatus.skipped,
                                                           notify.NO_UNIT_PHONE)
    assert world.units["990000-sthj"] in [u.unit_id for u in notify.units_without_contact(db, region_prefix="99")]
