"""The projector that keeps ledgers and unit statistics current from the work-order events, and
the ledgers read, filtered and exported."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Row
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.kit import clock, excel, validate
from hotline.kit.errors import InvalidInput
from hotline.supervision import repository, rules
from hotline.supervision.models import LEDGER_NAMES, LedgerEntry, LedgerKind
from hotline.supervision.service.rectification import rectify
from hotline.workorder.lifecycle import STATUS_NAMES
from hotline.workorder.models import WorkOrder
from hotline.workorder.service.citizen import order_text

PROJECTOR = "supervision"
PROJECT_BATCH = 2000


def _stamp(at: dt.datetime | None) -> str | None:
    return at.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M") if at else None


def project(session: Session, limit: int = PROJECT_BATCH) -> int:
    """Read the work-order events after the cursor and fold them into the unit-day counters
    and the ledgers. The cursor row is locked, so one worker projects at a time; the cursor
    moves in the same transaction as the counts, so a crash re-reads the batch and counts
    nothing twice. Returns how many events were read."""
    cursor = repository.lock_cursor(session, PROJECTOR)
    events = repository.work_order_events_after(session, cursor.last_seq, limit)
    if not events:
        return 0
    facts = repository.order_facts(session, (int(e.object_id) for e in events if e.object_id))
    counts: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    behind: list[dict[str, Any]] = []
    for event in events:
        order = facts.get(int(event.object_id)) if event.object_id else None
        if order is not None:
            _fold(session, event, order, counts, behind)
    repository.add_counts(session, counts)
    repository.add_evaluation_facts(session, behind)
    cursor.last_seq = events[-1].seq
    return len(events)


#: The counts a dispatched order takes back when it is merged into another (并案).
MERGED_AWAY = ("assigned", "signed", "signed_on_time")


def _withdraw(session: Session, order_id: int, names: tuple[str, ...],
              counts: dict[tuple[int, dt.date], dict[str, int]], behind: list[dict[str, Any]]) -> None:
    """Take back an order's counts ``names``: those of this projection batch, not yet
    written, and those already in the tables."""
    for fact in [f for f in behind if f["work_order_id"] == order_id and f["counter"] in names]:
        counts[(fact["unit_id"], fact["day"])][fact["counter"]] -= 1
        behind.remove(fact)
    repository.withdraw_facts(session, order_id, names)


def _fold(session: Session, event: Row[Any], order: repository.OrderFacts,
          counts: dict[tuple[int, dt.date], dict[str, int]], behind: list[dict[str, Any]]) -> None:
    action = event.action.removeprefix("work_order.")
    detail: dict[str, Any] = dict(event.detail or {})
    day = event.at.astimezone(clock.CST).date()
    # Every fact carries the unit named in its event: the lead unit *now* may be another one
    # (two returns by one bureau, then a re-dispatch, must not blame the new unit). Only events
    # written before they named their unit fall back to the lead unit at projection time.
    named = detail.get("unit_id")
    unit_id: int | None = named if isinstance(named, int) else order.lead_unit_id

    def count(*names: str, unit: int | None = unit_id) -> None:
        if unit is not None:
            for name in names:
                counts[(unit, day)][name] += 1
                behind.append({"unit_id": unit, "day": day, "counter": name, "work_order_id": order.id})

    def ledger(kind: LedgerKind, reason: str) -> None:
        repository.enter_ledger(session, {
            "kind": kind, "work_order_id": order.id, "unit_id": unit_id,
            "centre_unit_id": order.centre_unit_id, "region_id": order.region_id,
            "category_id": order.category_id, "entered_at": event.at,
            "reason": reason[:200],
        })

    if action in ("dispatched", "direct_dispatched"):
        count("assigned")
    elif action == "signed":
        count("signed", *(("signed_on_time",) if detail.get("on_time", True) else ()))
    elif action == "replied":
        result = detail.get("result")
        extra = (result,) if result in ("resolved", "partly_resolved", "not_resolved") else ()
        count("replied", *(("replied_on_time",) if detail.get("on_time", True) else ()), *extra)
    elif action == "reply_rejected":
        count("reply_rejected")
        ledger(LedgerKind.perfunctory, "答复审核被退回：" + str(detail.get("note") or ""))
    elif action == "returned":
        count("returned")
        if int(detail.get("return_count", 0)) >= 2:
            ledger(LedgerKind.buck_passing, f"第 {detail.get('return_count')} 次退单：{detail.get('note') or ''}")
    elif action == "return_rejected":
        count("unjustified_returns")
    elif action == "callback_recorded":
        verdict = detail.get("verdict")
        extra = (verdict,) if verdict in ("satisfied", "basically_satisfied", "dissatisfied") else ()
        count("rated", *extra)
    elif action == "supervision_flagged":
        ledger(LedgerKind.dissatisfied_twice, str(detail.get("reason") or "两次回访不满意"))
        if detail.get("unit_fault"):
            full = session.get(WorkOrder, order.id)
            if full is not None:
                rectify(session, full)
    elif action == "rehandle":
        count("rehandled")
    elif action == "urged":
        ledger(LedgerKind.urged, f"群众催办（{detail.get('by') or '再次来电'}）")
    elif action == "overdue":
        count("overdue")
        ledger(LedgerKind.overdue, "超过办理期限未答复")
    elif action == "merged":
        # one matter, counted once: a duplicate merged into its main order is no longer an
        # order of its unit (the unit handles the main one); its ratings still count
        _withdraw(session, order.id, MERGED_AWAY, counts, behind)
    elif action == "handed_over":
        # handed over whole to an emergency or utility line (联动): no longer an order of its
        # unit, as a merged duplicate; its open ledger entries close (docs/linkage.md)
        _withdraw(session, order.id, MERGED_AWAY, counts, behind)
        repository.clear_ledgers(session, order.id, event.at)
    elif action == "closed" and detail.get("via") == "linkage":
        repository.clear_ledgers(session, order.id, event.at)  # closed by the line: no unit's close
    elif action == "closed" and order.merged_into_id is not None:
        pass  # closed with its main order's reply: the main order's closing counts for the unit
    elif action == "closed":
        on_time = order.replied_at is not None and (order.due_at is None or order.replied_at <= order.due_at)
        count("closed", *(("closed_on_time",) if on_time else ()))
        repository.clear_ledgers(session, order.id, event.at)
    elif action in ("answered", "withdrawn"):
        repository.clear_ledgers(session, order.id, event.at)
    elif action == "transferred":
        repository.move_ledgers(session, order.id, order.centre_unit_id)
    elif action == "coordination_decided":  # a late decision is still the end of the late coordination
        repository.clear_ledgers(session, order.id, event.at, LedgerKind.coordination_overdue)
    elif action == "registered":
        found = rules.classify(order.title, order.content)
        if found is not None:
            kind, term = found
            ledger(kind, f"命中关键词“{term}”")


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry as the ledger pages, the API and the Excel export show it."""

    kind: LedgerKind
    kind_name: str
    number: str
    title: str
    status: str
    unit: str | None
    region: str | None
    reason: str
    entered_at: dt.datetime
    cleared_at: dt.datetime | None
    document_id: int | None = None  # a policy document's entry (knowledge_late): no order


def ledger_filter(*, kind: LedgerKind | None = None, open_only: bool = False, unit_id: int | None = None,
                  region_code: str | None = None, since: dt.date | None = None,
                  until: dt.date | None = None, enterprise: bool | None = None) -> repository.LedgerFilter:
    """A checked ledger filter: a valid region code, a period that does not end before it
    starts. Dates are China dates; ``until`` is inclusive."""
    if region_code:
        region_code = validate.region_code(region_code, "region_code")
    if since and until and until < since:
        raise InvalidInput("until", "结束日期不能早于开始日期")
    return repository.LedgerFilter(
        kind=kind, open_only=open_only, unit_id=unit_id,
        region_prefix=region_prefix(region_code) if region_code else None,
        since=_day_start(since) if since else None,
        until=_day_start(until + dt.timedelta(days=1)) if until else None,
        enterprise=enterprise,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CST)


def ledger(session: Session, actor: Principal, f: repository.LedgerFilter, *, limit: int = 50,
           offset: int = 0) -> tuple[list[LedgerEntry], int]:
    """A ledger within the caller's scope: supervisors see their centre's region, sector
    viewers the orders of their sectors, units their own orders."""
    access.require(actor, Cap.view_orders)
    return repository.ledger(session, lambda s: access.ledger_scope(actor, s), f, limit=limit, offset=offset)


def ledger_rows(session: Session, actor: Principal, f: repository.LedgerFilter, *, limit: int = 50,
                offset: int = 0) -> tuple[list[LedgerRow], int]:
    entries, total = ledger(session, actor, f, limit=limit, offset=offset)
    orders = repository.ledger_orders(session, entries)
    docs = repository.ledger_documents(session, entries)
    rows = []
    for e in entries:
        if e.work_order_id is not None:
            order = orders[e.work_order_id]
            # a confidential report's title is masked for the units it may be about (ADR 0004)
            number, title, status = order.number, order_text(actor, order)[0], STATUS_NAMES[order.status]
        else:  # a policy document late with its knowledge items
            assert e.policy_document_id is not None
            doc = docs[e.policy_document_id]
            number, title = doc.doc_number, doc.title[:100]
            status = "已发布知识点" if doc.first_published_at else "未发布知识点"
        rows.append(LedgerRow(
            kind=e.kind, kind_name=LEDGER_NAMES[e.kind], number=number, title=title, status=status,
            unit=e.unit.name if e.unit else None, region=e.region.name if e.region else None, reason=e.reason,
            entered_at=e.entered_at, cleared_at=e.cleared_at, document_id=e.policy_document_id,
        ))
    return rows, total


def ledger_xlsx(session: Session, actor: Principal, f: repository.LedgerFilter) -> tuple[bytes, str]:
    """The ledger as an .xlsx file and its file name."""
    rows, _ = ledger_rows(session, actor, f, limit=excel.MAX_ROWS)
    data = excel.write("台账", ["台账", "工单号", "标题", "状态", "主办单位", "区划", "原因", "列入时间", "销账时间"], [
        (r.kind_name, r.number, r.title, r.status, r.unit, r.region, r.reason, _stamp(r.entered_at),
         _stamp(r.cleared_at)) for r in rows])
    name = "台账" + (f"-{LEDGER_NAMES[f.kind]}" if f.kind else "") + f"-{clock.now().astimezone(clock.CST):%Y%m%d}.xlsx"
    return data, quote(name)
