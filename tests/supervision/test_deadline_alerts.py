"""Deadline alerts reach people (issue 18 item 30): the centre's supervisors are told of an
overdue order, a text a unit cannot receive is recorded as skipped with the reason, and the
administrator's home page lists the units without a contact phone."""

from sqlalchemy import select

from hotline.notify.models import Notification, NotificationStatus
from hotline.org.models import Unit
from hotline.supervision import service
from tests.factories import user_of
from tests.supervision.helpers import cst, dispatched


def _texts(db, template):
    return db.scalars(select(Notification).where(Notification.template == template)
                      .order_by(Notification.id)).all()


def test_the_supervisor_of_the_centre_is_told_of_an_overdue_order(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    [text] = _texts(db, "supervisor_overdue")
    assert text.recipient_kind == "user" and text.recipient == "13700000000"
    assert text.status == NotificationStatus.pending and order.number in text.body and "青川市住建局" in text.body
    service.sweep_batch(db, cst(2026, 11, 25))  # once per order
    assert len(_texts(db, "supervisor_overdue")) == 1


def test_a_supervisor_without_a_phone_leaves_a_skipped_row(db, world, travel):
    user_of(db, "supervisor").phone = None
    travel.move_to(cst(2026, 11, 16, 9))
    dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    [text] = _texts(db, "supervisor_overdue")
    assert text.status == NotificationStatus.skipped and "supervisor" in text.last_error


def test_a_unit_without_a_contact_phone_gets_a_skipped_row_not_silence(db, world, travel):
    assert not db.get(Unit, world.units["990100-zj"]).contact_phone
    travel.move_to(cst(2026, 11, 16, 9))
    order = dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    [text] = _texts(db, "unit_overdue")
    assert (text.unit_id, text.work_order_id, text.status) == (world.units["990100-zj"], order.id,
                                                               NotificationStatus.skipped)
    assert text.last_error == "单位未登记联系电话"
    [new_order] = _texts(db, "unit_new_order")  # the dispatch text too
    assert new_order.status == NotificationStatus.skipped


def test_a_unit_with_a_contact_phone_is_texted(db, world, travel):
    db.get(Unit, world.units["990100-zj"]).contact_phone = "01012345678"
    travel.move_to(cst(2026, 11, 16, 9))
    dispatched(db, world)
    service.sweep_batch(db, cst(2026, 11, 24))
    [text] = _texts(db, "unit_overdue")
    assert text.status == NotificationStatus.pending and text.recipient == "01012345678"


def test_the_administrator_sees_the_units_without_a_contact_on_the_home_page(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    dispatched(db, world)
    db.commit()
    page = api("city_admin").get("/").text
    assert "未登记联系电话" in page and "青川市住建局" in page
    assert "青川市住建局" not in api("dispatcher").get("/").text  # the list is the administrator's
    assert "青川市住建局" not in api("other_admin").get("/").text  # another city's administrator

    db.get(Unit, world.units["990100-zj"]).contact_phone = "01012345678"
    db.commit()
    assert "青川市住建局" not in api("city_admin").get("/").text


def test_several_orders_going_overdue_at_once_make_one_text_to_the_supervisor(db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    orders = [dispatched(db, world) for _ in range(4)]
    service.sweep_batch(db, cst(2026, 11, 24))
    assert _texts(db, "supervisor_overdue") == []
    [text] = _texts(db, "supervisor_overdue_batch")
    assert text.body.startswith("4 件工单") and orders[0].number in text.body and orders[3].number not in text.body
