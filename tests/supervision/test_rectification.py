"""The rectification and referral chain: a second dissatisfied callback through the unit's
fault brings a rectification letter and a notice to the business-environment authority;
left unanswered past its deadline, the order goes to the discipline commission with a case file."""

import io

from docx import Document
from sqlalchemy import select

from hotline.notify import service as notify
from hotline.notify.models import Notification, NotificationStatus
from hotline.org import service as org
from hotline.org.models import UnitKind
from hotline.supervision import service
from hotline.supervision.models import LedgerEntry, LedgerKind, LetterKind, SupervisionLetter
from hotline.workorder import service as wo
from hotline.workorder.models import ReplyResult, Verdict
from tests.supervision.helpers import cst, dispatched, project


def authorities(api, db, world):
    admin = world.p("admin")
    zw = org.create_unit(db, admin, code="990100-zw", name="青川市政务服务管理局", kind=UnitKind.department,
                         region_code="990100", contact_phone="01066668888")
    jw = org.create_unit(db, admin, code="990100-jw", name="青川市纪委监委", kind=UnitKind.department,
                         region_code="990100", contact_phone="01066669999")
    db.commit()
    client = api("city_admin")
    for kind, unit in (("business_environment", zw), ("discipline", jw)):
        r = client.put("/api/v1/supervision-authorities",
                       json={"region_code": "990100", "kind": kind, "unit_id": unit.id})
        assert r.status_code == 200, r.text
    return zw, jw


def dissatisfied_twice(db, world, *, unit_fault):
    order = dispatched(db, world)
    for _ in range(2):
        if order.status.value == "dispatched":
            wo.sign(db, world.p("handler"), order)
        wo.reply(db, world.p("handler"), order, result=ReplyResult.partly_resolved, text="已处理")
        wo.review_reply(db, world.p("dispatcher"), order, accept=True)
        wo.record_callback(db, world.p("agent"), order, reached=True, resolved=False,
                           verdict=Verdict.dissatisfied, unit_fault=unit_fault)
    assert order.supervision_flag
    return order


def test_unit_fault_brings_a_rectification_letter_and_a_notice(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    zw, _ = authorities(api, db, world)
    order = dissatisfied_twice(db, world, unit_fault=True)
    project(db)
    letters = db.scalars(select(SupervisionLetter).where(SupervisionLetter.work_order_id == order.id)).all()
    assert [x.kind for x in letters] == [LetterKind.rectification]
    assert letters[0].unit_id == world.units["990100-zj"] and "两次回访" in letters[0].body
    notice = db.scalar(select(Notification).where(Notification.template == "authority_rectification",
                                                  Notification.work_order_id == order.id))
    assert notice is not None and notice.unit_id == zw.id
    project(db)  # projecting again adds nothing
    assert len(db.scalars(select(SupervisionLetter).where(SupervisionLetter.work_order_id == order.id)).all()) == 1


def test_no_fault_of_the_unit_no_rectification(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    authorities(api, db, world)
    order = dissatisfied_twice(db, world, unit_fault=False)
    project(db)
    assert db.scalar(select(SupervisionLetter).where(SupervisionLetter.work_order_id == order.id)) is None


def test_an_unanswered_rectification_is_referred_with_a_case_file(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    _, jw = authorities(api, db, world)
    order = dissatisfied_twice(db, world, unit_fault=True)
    project(db)
    assert service.refer_overdue_rectifications(db, cst(2026, 11, 20)) == 0  # still within 5 working days
    assert service.refer_overdue_rectifications(db, cst(2026, 11, 25)) == 1
    assert service.refer_overdue_rectifications(db, cst(2026, 11, 26)) == 0  # once
    entry = db.scalar(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.referred,
                                                LedgerEntry.work_order_id == order.id))
    assert entry is not None and "纪委监委" in entry.reason
    assert db.scalar(select(Notification).where(Notification.template == "authority_referral",
                                                Notification.unit_id == jw.id)) is not None
    db.commit()
    r = api("supervisor").get(f"/api/v1/work-orders/{order.number}/case-file.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    cells = "\n".join(c.text for t in Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells)
    assert order.number in text and "整改函" in text and "已处理" in text
    assert "移交纪检监察机关" in cells and "13911112222" not in text + cells
    assert api("handler").get(f"/api/v1/work-orders/{order.number}/case-file.docx").status_code == 403


def test_a_supervisor_refers_once_and_only_after_a_rectification_letter(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    authorities(api, db, world)
    order = dispatched(db, world)
    db.commit()
    client = api("supervisor")
    assert client.post(f"/api/v1/work-orders/{order.number}/referral", json={}).status_code == 409
    client.post(f"/api/v1/work-orders/{order.number}/letters", json={"kind": "rectification", "reason": "推诿"})
    r = client.post(f"/api/v1/work-orders/{order.number}/referral", json={"reason": "整改不到位"})
    assert r.status_code == 201 and r.json()["commission"] == "青川市纪委监委"
    again = client.post(f"/api/v1/work-orders/{order.number}/referral", json={"reason": "再次移交"})
    assert again.status_code == 409  # once per order: no second text to the commission


def test_an_authority_must_lie_in_its_region(api, db, world):
    r = api("city_admin").put("/api/v1/supervision-authorities",
                              json={"region_code": "990100", "kind": "discipline", "unit_id": world.units["990200-zj"]})
    assert r.status_code == 422 and "unit_id" in r.text
    body = {"region_code": "990100", "kind": "discipline", "unit_id": world.units["990100-zj"]}
    r = api("other_admin").put("/api/v1/supervision-authorities", json=body)
    assert r.status_code == 403


def _skipped(db, template, unit_id):
    return db.scalars(select(Notification).where(Notification.template == template,
                                                 Notification.unit_id == unit_id)).all()


def test_an_authority_without_a_contact_phone_gets_skipped_rows_and_shows_on_the_admin_list(api, db, world, travel):
    travel.move_to(cst(2026, 11, 16, 9))
    zw, jw = authorities(api, db, world)
    zw.contact_phone = jw.contact_phone = None
    order = dissatisfied_twice(db, world, unit_fault=True)
    project(db)
    [notice] = _skipped(db, "authority_rectification", zw.id)
    assert (notice.status, notice.last_error, notice.work_order_id) == (NotificationStatus.skipped,
                                                                       notify.NO_UNIT_PHONE, order.id)
    assert service.refer_overdue_rectifications(db, cst(2026, 11, 25)) == 1  # the referral goes on
    [referral] = _skipped(db, "authority_referral", jw.id)
    assert (referral.status, referral.last_error) == (NotificationStatus.skipped, notify.NO_UNIT_PHONE)
    listed = {u.unit_id: u.skipped for u in notify.units_without_contact(db, region_prefix="9901")}
    assert listed[zw.id] == 1 and listed[jw.id] == 1
