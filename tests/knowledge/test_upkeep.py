"""The 7-working-day rule of policy documents and expiry, under time travel."""

import datetime as dt

import pytest
from sqlalchemy import select

import hotline.tasks  # noqa: F401  (registers the job handlers)
from hotline.kit import jobs
from hotline.kit.errors import Conflict, InvalidInput
from hotline.kit.workcalendar import WorkCalendar
from hotline.knowledge import lifecycle
from hotline.knowledge import service as kb
from hotline.knowledge.models import PolicyDocument, VersionStatus
from hotline.supervision import service as supervision
from hotline.supervision.models import LedgerEntry, LedgerKind, UnitDayStats
from tests.knowledge.helpers import published, search
from tests.supervision.helpers import cst


def test_seven_working_days_skip_the_national_day_holiday_and_count_the_adjusted_saturday():
    calendar = WorkCalendar({})
    # Issued Wednesday 30 September 2026: 1–7 October are off, Thursday 8 and Friday 9 work,
    # Saturday 10 is an adjusted working day (调休), then 12, 13, 14 and 15 October.
    assert lifecycle.publish_due(calendar, dt.date(2026, 9, 30)) == dt.date(2026, 10, 15)
    # An ordinary week: issued Tuesday 1 December, due Thursday 10 December.
    assert lifecycle.publish_due(calendar, dt.date(2026, 12, 1)) == dt.date(2026, 12, 10)


def test_document_numbers_are_checked_and_normalised():
    assert lifecycle.doc_number("国办发[2022]30号") == "国办发〔2022〕30号"
    assert lifecycle.doc_number(" 示政办发（2026）18号 ") == "示政办发〔2026〕18号"
    for bad in ("2022年30号", "国办发〔22〕30号", "国办发〔2022〕", ""):
        with pytest.raises(ValueError):
            lifecycle.doc_number(bad)


def _document(db, world, issued=dt.date(2026, 9, 30), number="青住建发〔2026〕12号"):
    return kb.register_document(db, world.p("handler"), title="关于调整住房公积金贷款政策的通知",
                                doc_number=number, issued_on=issued)


def _counts(db, unit_id, day):
    row = db.get(UnitDayStats, (unit_id, day))
    return (row.kb_due, row.kb_on_time) if row else (0, 0)


def test_items_published_in_time_count_for_the_unit(db, world, travel):
    travel.move_to(cst(2026, 10, 12))
    doc = _document(db, world)
    assert doc.due_on == dt.date(2026, 10, 15)
    travel.move_to(cst(2026, 10, 15, 20))  # the last day, in the evening
    published(db, world, document_id=doc.id)
    assert doc.on_time is True and doc.settled_at is not None
    assert _counts(db, doc.owner_unit_id, doc.due_on) == (1, 1)
    assert not db.execute(select(LedgerEntry).where(LedgerEntry.policy_document_id == doc.id)).first()


def test_a_late_document_goes_on_the_ledger_counts_against_the_unit_and_clears_when_published(db, world, travel):
    travel.move_to(cst(2026, 10, 12))
    doc = _document(db, world)
    travel.move_to(cst(2026, 10, 15, 23))
    assert kb.settle_overdue_documents(db) == 0  # still the due day
    travel.move_to(cst(2026, 10, 16, 9))
    assert kb.settle_overdue_documents(db) == 1
    assert kb.settle_overdue_documents(db) == 0  # settled once
    assert doc.on_time is False
    assert _counts(db, doc.owner_unit_id, doc.due_on) == (1, 0)
    entry = db.execute(select(LedgerEntry).where(LedgerEntry.policy_document_id == doc.id)).scalar_one()
    assert entry.kind == LedgerKind.knowledge_late and entry.cleared_at is None
    assert entry.unit_id == world.units["990100-zj"] and entry.centre_unit_id == world.units["C-990100"]
    rows, _ = supervision.ledger_rows(db, world.p("supervisor"), supervision.ledger_filter(
        kind=LedgerKind.knowledge_late))
    assert [(r.number, r.document_id) for r in rows] == [("青住建发〔2026〕12号", doc.id)]
    unit_rows, _ = supervision.ledger_rows(db, world.p("handler"), supervision.ledger_filter(
        kind=LedgerKind.knowledge_late))
    assert [r.document_id for r in unit_rows] == [doc.id]  # the unit sees its own late document
    other_rows, _ = supervision.ledger_rows(db, world.p("other_handler"), supervision.ledger_filter(
        kind=LedgerKind.knowledge_late))
    assert other_rows == []
    published(db, world, document_id=doc.id)
    db.refresh(entry)
    assert entry.cleared_at is not None
    assert _counts(db, doc.owner_unit_id, doc.due_on) == (1, 0)  # late stays late


def test_knowledge_upkeep_enters_the_units_evaluation(db, world, travel):
    travel.move_to(cst(2026, 10, 12))
    late = _document(db, world)
    in_time = _document(db, world, number="青住建发〔2026〕13号")
    published(db, world, document_id=in_time.id)
    travel.move_to(cst(2026, 10, 20))
    kb.settle_overdue_documents(db)
    results = dict(supervision.evaluation(db, dt.date(2026, 10, 1), dt.date(2026, 11, 1)))
    rates = results[world.units["990100-zj"]].rates
    assert rates["knowledge_upkeep_rate"] == 0.5
    assert late.on_time is False and in_time.on_time is True


def test_a_document_number_is_registered_once(db, world):
    _document(db, world)
    with pytest.raises(Conflict):
        _document(db, world, number="青住建发[2026]12号")
    with pytest.raises(InvalidInput) as exc:
        _document(db, world, issued=dt.date(2099, 1, 1), number="青住建发〔2026〕14号")
    assert exc.value.field == "issued_on"


def test_an_item_stops_answering_on_its_expiry_date_and_the_job_expires_it(db, world, factory, travel):
    travel.move_to(cst(2026, 12, 1))
    item = published(db, world, expires_on=dt.date(2026, 12, 3), question="2026年小微企业所得税优惠怎么享受？")
    assert search(db, "小微企业所得税")
    travel.move_to(cst(2026, 12, 2, 23))
    assert search(db, "小微企业所得税")
    travel.move_to(cst(2026, 12, 3, 0))
    assert search(db, "小微企业所得税") == []  # never answers past its date, job or not
    with pytest.raises(InvalidInput):
        kb.answering_version(db, item.id)
    db.commit()
    jobs.drain(factory)
    db.expire_all()
    assert item.published_version_id is None
    assert item.latest_version.status == VersionStatus.expired


def test_two_upkeep_runs_settle_a_document_once(db, world, travel):
    travel.move_to(cst(2026, 10, 12))
    doc = _document(db, world)
    travel.move_to(cst(2026, 10, 20))
    assert kb.settle_overdue_documents(db) + kb.settle_overdue_documents(db) == 1
    assert db.execute(select(PolicyDocument).where(PolicyDocument.id == doc.id)).scalar_one().on_time is False
