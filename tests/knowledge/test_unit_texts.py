"""Texts to units about knowledge (issue 18 item 30): a unit without a contact phone is never
left in silence — its text is recorded as skipped with the reason, and the unit shows on the
administrator's list of units without a contact."""

import datetime as dt

from sqlalchemy import select

from hotline.kit import clock
from hotline.knowledge import service as kb
from hotline.notify import service as notify
from hotline.notify.models import Notification, NotificationStatus
from hotline.org.models import Unit
from tests.knowledge.helpers import draft
from tests.supervision.helpers import cst


def _texts(db, template):
    return db.scalars(select(Notification).where(Notification.template == template).order_by(Notification.id)).all()


def _listed(db, world):
    return [u.unit_id for u in notify.units_without_contact(db, region_prefix="9901")]


def test_a_late_document_of_a_unit_without_a_contact_phone_leaves_a_skipped_row(db, world, travel):
    assert not db.get(Unit, world.units["990100-zj"]).contact_phone
    travel.move_to(cst(2026, 10, 12))
    kb.register_document(db, world.p("handler"), title="关于调整住房公积金贷款政策的通知",
                         doc_number="青住建发〔2026〕12号", issued_on=dt.date(2026, 9, 30))
    travel.move_to(cst(2026, 10, 16, 9))
    assert kb.settle_overdue_documents(db) == 1
    [text] = _texts(db, "unit_knowledge_late")
    assert (text.unit_id, text.status, text.last_error) == (world.units["990100-zj"], NotificationStatus.skipped,
                                                           notify.NO_UNIT_PHONE)
    assert "青住建发〔2026〕12号" in text.body
    assert world.units["990100-zj"] in _listed(db, world)


def test_a_rejection_to_a_unit_without_a_contact_phone_leaves_a_skipped_row(db, world):
    item = draft(db, world)
    kb.submit(db, world.p("handler"), item)
    kb.reject(db, world.p("supervisor"), item, reason="请写明申报期限")
    [text] = _texts(db, "unit_knowledge_rejected")
    assert (text.unit_id, text.status, text.last_error) == (world.units["990100-zj"], NotificationStatus.skipped,
                                                           notify.NO_UNIT_PHONE)
    assert world.units["990100-zj"] in _listed(db, world)


def test_a_collection_texts_the_units_with_a_phone_and_records_the_others_as_skipped(db, world):
    db.get(Unit, world.units["990100-zj"]).contact_phone = "01012345678"
    kb.create_collection(db, world.p("supervisor"), topic="暴雨内涝应急", description="请提供积水点位与应对措施",
                         due_at=clock.now() + dt.timedelta(days=2),
                         unit_ids=[world.units["990100-zj"], world.units["990100-wat"]])
    texts = {t.unit_id: t for t in _texts(db, "unit_knowledge_collection")}
    assert texts.keys() == {world.units["990100-zj"], world.units["990100-wat"]}
    assert (texts[world.units["990100-zj"]].status, texts[world.units["990100-zj"]].recipient) == (
        NotificationStatus.pending, "01012345678")
    skipped = texts[world.units["990100-wat"]]
    assert (skipped.status, skipped.last_error) == (NotificationStatus.skipped, notify.NO_UNIT_PHONE)
    assert "暴雨内涝应急" in skipped.body
    listed = _listed(db, world)
    assert world.units["990100-wat"] in listed and world.units["990100-zj"] not in listed
