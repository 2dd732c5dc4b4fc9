"""JSON API of spot checks (``/api/v1/spot-checks``) and rectification lists
(``/api/v1/rectification-lists``, ``/api/v1/rectification-items``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy.orm import Session

from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.spotcheck import repository, service
from hotline.spotcheck.models import RectificationItem, RectificationList, SpotCheck, SpotCheckItem
from hotline.spotcheck.schemas import (
    AnswerIn,
    CheckDetailOut,
    CheckOut,
    ConfirmIn,
    ContactOut,
    CorrectionOut,
    DecisionIn,
    DrawIn,
    FindingIn,
    FromCheckIn,
    FromLedgerIn,
    ItemOut,
    ListIn,
    ListOut,
    ProgressIn,
    RecallIn,
    RectItemOut,
    UnitStatsOut,
)
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.workorder import service as workorder
from hotline.workorder.models import WorkOrder

router = routing.router(tags=["spot-checks"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The role never checks (or never answers corrections)"},
    404: {"description": "No such check, item, list — or another issuer's / another unit's"},
    409: {"description": "Illegal transition (e.g. accepting an unanswered correction), stale version"},
    422: {"description": "Invalid field (named)"},
}


def _orders(db: Session, items: list[Any]) -> dict[int, WorkOrder]:
    return repository.orders(db, (i.work_order_id for i in items if i.work_order_id))


def item_out(principal: Principal, item: SpotCheckItem, order: WorkOrder | None, unit: str | None,
             now: dt.datetime) -> dict[str, Any]:
    return {"ref": item.ref, "number": order.number if order else "",
            "title": workorder.order_text(principal, order)[0] if order else "", "unit_id": item.unit_id,
            "unit": unit, "stratum": item.stratum, "finding": item.finding, "problem_type": item.problem_type,
            "finding_note": item.finding_note, "checked_at": item.checked_at, "recall_verdict": item.recall_verdict,
            "recall_at": item.recall_at, "correction_state": item.correction_state,
            "correction_required": item.correction_required, "correction_due_at": item.correction_due_at,
            "correction_answer": item.correction_answer, "correction_answered_at": item.correction_answered_at,
            "correction_decision_note": item.correction_decision_note,
            "correction_on_time": item.correction_on_time, "overdue": service.is_overdue(item, now),
            "version": item.version}


def stats_out(s: service.UnitStats) -> UnitStatsOut:
    return UnitStatsOut(unit_id=s.unit_id, unit=s.unit_name, sampled=s.sampled, checked=s.checked, correct=s.correct,
                        problems=s.problems, by_type=s.by_type, corrections=s.corrections, answered=s.answered,
                        accepted=s.accepted, on_time=s.on_time, overdue=s.overdue, recalled=s.recalled,
                        dissatisfied=s.dissatisfied, correct_rate=s.correct_rate, on_time_rate=s.on_time_rate)


def check_out(db: Session, check: SpotCheck) -> CheckOut:
    issuer = repository.units(db, [check.issuer_unit_id]).get(check.issuer_unit_id)
    return CheckOut(ref=check.ref, title=check.title, issuer=issuer.name if issuer else "", method=check.method,
                    stratify_by=check.stratify_by, period_start=check.period_start, period_end=check.period_end,
                    criteria=check.criteria, sample_size=check.sample_size, population=check.population,
                    seed=check.seed, correction_working_days=check.correction_working_days, status=check.status,
                    created_at=check.created_at, version=check.version)


def detail_out(db: Session, principal: Principal, check: SpotCheck) -> CheckDetailOut:
    items = service.check_items(db, check)
    orders = _orders(db, items)
    units = repository.units(db, (i.unit_id for i in items))
    now = clock.now()
    return CheckDetailOut(
        **check_out(db, check).model_dump(),
        items=[ItemOut(**item_out(principal, i, orders.get(i.work_order_id),
                                  units[i.unit_id].name if i.unit_id in units else None, now)) for i in items],
        statistics=[stats_out(s) for s in service.unit_statistics(db, items)])


def corrections_out(db: Session, principal: Principal, items: list[SpotCheckItem]) -> list[CorrectionOut]:
    orders = _orders(db, items)
    units = repository.units(db, (i.unit_id for i in items))
    checks = repository.checks_by_ids(db, (i.spot_check_id for i in items))
    now = clock.now()
    return [CorrectionOut(**item_out(principal, i, orders.get(i.work_order_id),
                                     units[i.unit_id].name if i.unit_id in units else None, now),
                          spot_check=checks[i.spot_check_id].ref, spot_check_title=checks[i.spot_check_id].title)
            for i in items]


def rect_items_out(db: Session, items: list[RectificationItem]) -> list[RectItemOut]:
    orders = _orders(db, items)
    units = repository.units(db, (i.unit_id for i in items))
    lists = repository.lists_by_ids(db, (i.list_id for i in items))
    now = clock.now()
    return [RectItemOut(ref=i.ref, list=lists[i.list_id].ref, list_title=lists[i.list_id].title, unit_id=i.unit_id,
                        unit=units[i.unit_id].name if i.unit_id in units else "", description=i.description,
                        due_at=i.due_at, status=i.status,
                        number=orders[i.work_order_id].number if i.work_order_id in orders else None,
                        source_kind=i.source_kind, progress=i.progress, progress_at=i.progress_at,
                        reported_at=i.reported_at, done_at=i.done_at, return_note=i.return_note,
                        overdue=service.item_overdue(i, now), version=i.version) for i in items]


def list_out(db: Session, principal: Principal, lst: RectificationList) -> ListOut:
    issuer = repository.units(db, [lst.issuer_unit_id]).get(lst.issuer_unit_id)
    check = db.get(SpotCheck, lst.spot_check_id) if lst.spot_check_id else None
    return ListOut(ref=lst.ref, title=lst.title, issuer=issuer.name if issuer else "", source=lst.source,
                   spot_check=check.ref if check else None, note=lst.note, created_at=lst.created_at,
                   items=rect_items_out(db, service.items_for(db, principal, lst)))


# --- spot checks ------------------------------------------------------------------------------


@router.get("/spot-checks", response_model=list[CheckOut], responses=ERRORS)
def list_checks(principal: CurrentPrincipal, db: Db) -> list[CheckOut]:
    """The checks of the caller's unit (a department) or of the centres in the caller's region."""
    return [check_out(db, c) for c in service.list_checks(db, principal)]


@router.post("/spot-checks", response_model=CheckDetailOut, status_code=201, responses=ERRORS)
def draw(body: DrawIn, principal: CurrentPrincipal, db: Db) -> CheckDetailOut:
    """Draw a sample of the orders in the caller's scope registered in the period: ``random``,
    or ``stratified`` by ``unit``, ``region`` or ``category`` in proportion to the strata. The
    ``seed`` is recorded (give it again to repeat the draw)."""
    check = service.draw(db, principal, service.DrawData(**body.model_dump()))
    return detail_out(db, principal, check)


@router.get("/spot-checks/statistics", response_model=list[UnitStatsOut], responses=ERRORS)
def statistics(principal: CurrentPrincipal, db: Db, since: dt.date | None = None,
               until: dt.date | None = None) -> list[UnitStatsOut]:
    """Per unit, over the caller's checks created in the period: sampled, correct, problems by
    type, corrections answered, accepted on time, overdue."""
    return [stats_out(s) for s in service.statistics_of(db, principal, since=since, until=until)]


@router.get("/spot-checks/corrections", response_model=list[CorrectionOut], responses=ERRORS)
def corrections(principal: CurrentPrincipal, db: Db,
                overdue: Annotated[bool, Query(description="Only open corrections past their deadline")] = False,
                ) -> list[CorrectionOut]:
    """A unit's own required corrections; for checkers, those of their checks."""
    return corrections_out(db, principal, service.corrections_for(db, principal, overdue_only=overdue))


@router.post("/spot-checks/corrections/{ref}/answer", response_model=CorrectionOut, responses=ERRORS)
def answer(ref: str, body: AnswerIn, principal: CurrentPrincipal, db: Db) -> CorrectionOut:
    """The responsible unit answers a required correction."""
    item, _ = service.access_correction(db, principal, ref)
    service.answer_correction(db, principal, item, text=body.text, version=body.version)
    return corrections_out(db, principal, [item])[0]


@router.get("/spot-checks/{ref}", response_model=CheckDetailOut, responses=ERRORS)
def get_check(ref: str, principal: CurrentPrincipal, db: Db) -> CheckDetailOut:
    return detail_out(db, principal, service.access_check(db, principal, ref))


@router.post("/spot-checks/{ref}/close", response_model=CheckOut, responses=ERRORS)
def close(ref: str, principal: CurrentPrincipal, db: Db) -> CheckOut:
    return check_out(db, service.close_check(db, principal, service.access_check(db, principal, ref)))


@router.post("/spot-checks/{ref}/items/{item}/finding", response_model=ItemOut, responses=ERRORS)
def finding(ref: str, item: str, body: FindingIn, principal: CurrentPrincipal, db: Db) -> ItemOut:
    """The finding on a sampled order; a ``problem`` needs its ``problem_type`` and the
    ``correction`` required of the order's lead unit (due in working days)."""
    check = service.access_check(db, principal, ref)
    row = service.access_item(db, principal, check, item)
    service.record_finding(db, principal, check, row, **body.model_dump())
    return _item(db, principal, row)


@router.get("/spot-checks/{ref}/items/{item}/contact", response_model=ContactOut | None, responses=ERRORS)
def contact(ref: str, item: str, principal: CurrentPrincipal, db: Db) -> ContactOut | None:
    """The citizen's contact for the re-callback, masked unless the role needs it (a centre
    supervisor; audited). None when there is no citizen or the reporter is confidential."""
    check = service.access_check(db, principal, ref)
    shown = service.recall_contact(db, principal, service.access_item(db, principal, check, item))
    return ContactOut(name=shown.name, phone=shown.phone, masked=shown.masked) if shown else None


@router.post("/spot-checks/{ref}/items/{item}/recall", response_model=ItemOut, responses=ERRORS)
def recall(ref: str, item: str, body: RecallIn, principal: CurrentPrincipal, db: Db) -> ItemOut:
    """The re-callback to the citizen, part of the check."""
    check = service.access_check(db, principal, ref)
    row = service.access_item(db, principal, check, item)
    service.record_recall(db, principal, check, row, verdict=body.verdict, note=body.note)
    return _item(db, principal, row)


@router.post("/spot-checks/{ref}/items/{item}/decision", response_model=ItemOut, responses=ERRORS)
def decide(ref: str, item: str, body: DecisionIn, principal: CurrentPrincipal, db: Db) -> ItemOut:
    """Accept the unit's answer, or send it back (``note`` required)."""
    check = service.access_check(db, principal, ref)
    row = service.access_item(db, principal, check, item)
    service.decide_correction(db, principal, check, row, accept=body.accept, note=body.note, version=body.version)
    return _item(db, principal, row)


def _item(db: Session, principal: Principal, row: SpotCheckItem) -> ItemOut:
    order = db.get(WorkOrder, row.work_order_id)
    unit = repository.units(db, [row.unit_id]).get(row.unit_id or 0)
    return ItemOut(**item_out(principal, row, order, unit.name if unit else None, clock.now()))


# --- rectification lists ----------------------------------------------------------------------


@router.get("/rectification-lists", response_model=list[ListOut], responses=ERRORS)
def rectification_lists(principal: CurrentPrincipal, db: Db) -> list[ListOut]:
    """An issuer's lists; a unit's: the lists with items of its own (only those items)."""
    return [list_out(db, principal, x) for x in service.lists_for(db, principal)]


@router.post("/rectification-lists", response_model=ListOut, status_code=201, responses=ERRORS)
def create_list(body: ListIn, principal: CurrentPrincipal, db: Db) -> ListOut:
    lst = service.create_list(db, principal, title=body.title, note=body.note,
                              items=[service.ItemData(unit_id=i.unit_id, description=i.description,
                                                      working_days=i.working_days) for i in body.items])
    return list_out(db, principal, lst)


@router.post("/rectification-lists/from-spot-check", response_model=ListOut, status_code=201, responses=ERRORS)
def from_check(body: FromCheckIn, principal: CurrentPrincipal, db: Db) -> ListOut:
    """One click: the check's problem findings not yet listed, as a list."""
    check = service.access_check(db, principal, body.spot_check)
    return list_out(db, principal, service.list_from_check(db, principal, check, title=body.title,
                                                           working_days=body.working_days))


@router.post("/rectification-lists/from-ledger", response_model=ListOut, status_code=201, responses=ERRORS)
def from_ledger(body: FromLedgerIn, principal: CurrentPrincipal, db: Db) -> ListOut:
    """Ledger entries (overdue, buck-passing, perfunctory …) in the caller's scope, as a list."""
    lst = service.list_from_ledger(db, principal, numbers=body.numbers, kind=body.kind, title=body.title,
                                   working_days=body.working_days, note=body.note)
    return list_out(db, principal, lst)


@router.get("/rectification-lists/{ref}", response_model=ListOut, responses=ERRORS)
def get_list(ref: str, principal: CurrentPrincipal, db: Db) -> ListOut:
    return list_out(db, principal, service.access_list(db, principal, ref))


@router.get("/rectification-items", response_model=list[RectItemOut], responses=ERRORS)
def rectification_items(principal: CurrentPrincipal, db: Db,
                        overdue: Annotated[bool, Query(description="Only items not done past their deadline")] = False,
                        ) -> list[RectItemOut]:
    """A unit's own items; an issuer's, the items of its lists."""
    return rect_items_out(db, service.rect_items_for(db, principal, overdue_only=overdue))


@router.post("/rectification-items/{ref}/progress", response_model=RectItemOut, responses=ERRORS)
def progress(ref: str, body: ProgressIn, principal: CurrentPrincipal, db: Db) -> RectItemOut:
    """The responsible unit reports progress, or (``done``) that the item is fixed."""
    item, _ = service.access_rect_item(db, principal, ref)
    service.report_progress(db, principal, item, text=body.text, done=body.done, version=body.version)
    return rect_items_out(db, [item])[0]


@router.post("/rectification-items/{ref}/decision", response_model=RectItemOut, responses=ERRORS)
def confirm(ref: str, body: ConfirmIn, principal: CurrentPrincipal, db: Db) -> RectItemOut:
    """The issuer confirms a reported item (销号) or sends it back (``note`` required)."""
    item, _ = service.access_rect_item(db, principal, ref)
    service.decide_item(db, principal, item, confirm=body.confirm, note=body.note, version=body.version)
    return rect_items_out(db, [item])[0]
