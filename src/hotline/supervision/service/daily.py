"""Overdue letters and the daily emergency ledger, and knowledge upkeep: the 7-working-day rule
of policy documents."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.kit import clock
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.supervision import repository
from hotline.supervision.models import LETTER_NAMES, DailyLedgerReport, LedgerKind
from hotline.workorder.models import WorkOrder

if TYPE_CHECKING:
    from hotline.knowledge.models import PolicyDocument


def ledger_overdue_letters(session: Session, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Put every order whose supervision letter is past its response deadline, unanswered,
    on the ledger of overdue letters (once per order)."""
    now = now or clock.now()
    done = 0
    for letter in repository.letters_past_due_not_on_ledger(session, now, limit):
        order = session.get(WorkOrder, letter.work_order_id)
        if order is None:
            continue
        repository.enter_ledger(session, {
            "kind": LedgerKind.letter_overdue, "work_order_id": order.id, "unit_id": letter.unit_id,
            "centre_unit_id": letter.centre_unit_id, "region_id": order.region_id, "category_id": order.category_id,
            "entered_at": now, "reason": f"{LETTER_NAMES[letter.kind]} {letter.number} 逾期未回复"[:200],
        })
        done += 1
    return done


#: The hour (China time) from which the previous day's emergency ledger goes out.
DAILY_REPORT_HOUR = 8


def send_daily_reports(session: Session, now: dt.datetime | None = None) -> int:
    """Each morning from 08:00 China time, tell every provincial sector department (a
    department with a sector viewer account) how many emergency and stability entries of
    its sectors, in its region, entered the ledger the day before, with a text to its contact
    phone. Once per department and day: re-runs and concurrent workers send nothing twice."""
    from hotline.auth import repository as auth_repository

    now = now or clock.now()
    local = now.astimezone(clock.CST)
    if local.hour < DAILY_REPORT_HOUR:
        return 0
    day = local.date() - dt.timedelta(days=1)
    since = dt.datetime.combine(day, dt.time(), tzinfo=clock.CST).astimezone(dt.UTC)
    until = since + dt.timedelta(days=1)
    sent = 0
    for unit in repository.sector_departments(session):
        if repository.daily_report_sent(session, unit.id, day):
            continue
        counts = repository.daily_counts(session, region_prefix=region_prefix(unit.region.code),
                                         category_ids=auth_repository.sector_category_ids(session, unit.id),
                                         since=since, until=until)
        if not repository.claim_daily_report(session, unit.id, day, counts[LedgerKind.emergency],
                                             counts[LedgerKind.stability], now):
            continue  # another worker got there first
        audit.record(session, None, "supervision.daily_ledger_sent", object_type="unit", object_id=unit.id,
                     detail={"day": day.isoformat(), "emergency": counts[LedgerKind.emergency],
                             "stability": counts[LedgerKind.stability]}, actor_name="system")
        notify.notify_unit(session, template="sector_daily_ledger", phone=unit.contact_phone,
                           body=notify.render("sector_daily_ledger", day=f"{day.month}月{day.day}日",
                                              emergency=counts[LedgerKind.emergency],
                                              stability=counts[LedgerKind.stability]), unit_id=unit.id)
        sent += 1
    return sent


def count_knowledge_deadline(session: Session, doc: PolicyDocument, *, on_time: bool) -> None:
    """A policy document's deadline is settled: it counts for its unit on the due day (the
    knowledge-upkeep rate of the evaluation), and a late one goes on the ledger of the centre
    of its region (cleared once an item is published)."""
    repository.add_counts(session, {(doc.owner_unit_id, doc.due_on): {"kb_due": 1, "kb_on_time": int(on_time)}})
    if on_time:
        return
    centre = org_repository.cached_centre_for_region(session, doc.region)
    if centre is None:
        return
    now = clock.now()
    repository.enter_document_ledger(session, {
        "kind": LedgerKind.knowledge_late, "work_order_id": None, "policy_document_id": doc.id,
        "unit_id": doc.owner_unit_id, "centre_unit_id": centre.id, "region_id": doc.region_id, "category_id": None,
        "entered_at": now, "cleared_at": doc.first_published_at,
        "reason": f"{doc.doc_number}（{doc.issued_on:%Y-%m-%d} 印发）应于 {doc.due_on:%Y-%m-%d} 前发布知识点"[:200],
    })


def clear_knowledge_ledger(session: Session, doc: PolicyDocument, *, at: dt.datetime) -> None:
    """The document's first item is published: its late entry, if any, is cleared."""
    repository.clear_document_ledger(session, doc.id, at)


def daily_reports(session: Session, actor: Principal) -> list[DailyLedgerReport]:
    """The daily emergency ledgers sent to the caller's department (sector viewers)."""
    access.require(actor, Cap.view_orders)
    return repository.daily_reports(session, actor.unit_id)
