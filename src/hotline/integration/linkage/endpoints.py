"""JSON API of linkage (联动): the register of lines, transfers and outcomes on orders,
statistics, and utility keys (docs/linkage.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Response
from sqlalchemy.orm import Session

from hotline.audit import repository as audit_repository
from hotline.auth import access
from hotline.integration.linkage import service
from hotline.integration.linkage.lifecycle import OUTCOME_NAMES, Outcome
from hotline.integration.linkage.models import LinkageLine, LinkageRecord
from hotline.integration.linkage.schemas import (
    KeyIn,
    KeyOut,
    LineIn,
    LineOut,
    LinePatch,
    NewKeyOut,
    RecordOut,
    RecordPatch,
    TransferIn,
)
from hotline.kit import clock
from hotline.kit.errors import InvalidInput
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath
from hotline.workorder.models import WorkOrder

router = routing.router(tags=["linkage"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed for the role"},
    404: {"description": "Not found or outside your scope"},
    409: {"description": "Illegal transition (order or outcome) or stale version"},
    422: {"description": "Invalid field (named)"},
}


def line_out(x: LinkageLine) -> LineOut:
    return LineOut(ref=x.ref, name=x.name, number=x.number, kind=x.kind, service=x.service,
                   region_code=x.region.code, region_name=x.region.name, unit_code=x.unit.code if x.unit else None,
                   unit_name=x.unit.name if x.unit else None, active=x.active, version=x.version)


def record_out(db: Session, r: LinkageRecord, order: WorkOrder) -> RecordOut:
    names = audit_repository.display_names(db, {r.operator_id} if r.operator_id else set())
    call_ref = None
    if r.call_id is not None:
        from hotline.telephony.models import Call

        call = db.get(Call, r.call_id)
        call_ref = call.ref if call else None
    return RecordOut(ref=r.ref, number=order.number, line=r.line.ref, line_name=r.line.name,
                     line_number=r.line.number, kind=r.line.kind, scope=r.scope, call_ref=call_ref,
                     call_mode=r.call_mode, other_ref=r.other_ref, note=r.note,
                     operator=names.get(r.operator_id) if r.operator_id else None, transferred_at=r.transferred_at,
                     seconds_to_transfer=r.seconds_to_transfer, outcome=r.outcome,
                     outcome_name=OUTCOME_NAMES[Outcome(r.outcome)], outcome_note=r.outcome_note,
                     outcome_at=r.outcome_at, order_status=order.status.value, version=r.version)


@router.get("/linkage/lines", response_model=list[LineOut], responses=ERRORS)
def list_lines(principal: CurrentPrincipal, db: Db,
               active: Annotated[bool, Query(description="only active lines")] = False) -> list[LineOut]:
    """The lines of the caller's region, those under it and those above it (which serve it)."""
    return [line_out(x) for x in service.list_lines(db, principal, active_only=active)]


@router.post("/linkage/lines", response_model=LineOut, status_code=201, responses=ERRORS)
def create_line(body: LineIn, principal: CurrentPrincipal, db: Db) -> LineOut:
    return line_out(service.create_line(db, principal, name=body.name, number=body.number, kind=body.kind,
                                        service=body.service, region_code=body.region_code,
                                        unit_code=body.unit_code))


@router.get("/linkage/lines/{ref}", response_model=LineOut, responses=ERRORS)
def get_line(ref: str, principal: CurrentPrincipal, db: Db) -> LineOut:
    return line_out(service.access_line(db, principal, ref))


@router.patch("/linkage/lines/{ref}", response_model=LineOut, responses=ERRORS)
def update_line(ref: str, body: LinePatch, principal: CurrentPrincipal, db: Db) -> LineOut:
    line = service.access_line(db, principal, ref, write=True)
    fields = body.model_dump(exclude_unset=True)
    extra: dict[str, Any] = {"unit_code": fields["unit_code"]} if "unit_code" in fields else {}
    return line_out(service.update_line(db, principal, line, name=body.name, number=body.number,
                                        active=body.active, version=body.version, **extra))


@router.get("/work-orders/{number}/linkage", response_model=list[RecordOut], responses=ERRORS)
def order_records(number: str, principal: CurrentPrincipal, db: Db) -> list[RecordOut]:
    order = access.access_work_order(db, principal, number)
    return [record_out(db, r, order) for r in service.records_of(db, principal, order)]


@router.post("/work-orders/{number}/linkage", response_model=RecordOut, status_code=201, responses=ERRORS)
def transfer(number: str, body: TransferIn, principal: CurrentPrincipal, db: Db) -> RecordOut:
    """联动转接: ``full`` hands the whole appeal over (the order leaves the hotline's clock),
    ``partial`` keeps the order open on the clock while 12345 keeps its part."""
    order = access.access_work_order(db, principal, number)
    record = service.transfer(db, principal, order, service.Transfer(
        line_ref=body.line, scope=body.scope, other_ref=body.other_ref, note=body.note, call_ref=body.call_ref,
        call_mode=body.call_mode), version=body.version)
    return record_out(db, record, order)


@router.get("/linkage/records/{ref}", response_model=RecordOut, responses=ERRORS)
def get_record(ref: str, principal: CurrentPrincipal, db: Db) -> RecordOut:
    record, order = service.access_record(db, principal, ref)
    return record_out(db, record, order)


@router.patch("/linkage/records/{ref}", response_model=RecordOut, responses=ERRORS)
def update_record(ref: str, body: RecordPatch, principal: CurrentPrincipal, db: Db) -> RecordOut:
    """The outcome (accepted / refused / completed) and the other side's number, later. On a
    full hand-over in effect, refused brings the order back, completed closes it."""
    record, order = service.access_record(db, principal, ref)
    service.update_record(db, principal, record, order, outcome=body.outcome, other_ref=body.other_ref,
                          note=body.note, version=body.version)
    return record_out(db, record, order)


def parse_instant(value: str | None, name: str, default: dt.datetime) -> dt.datetime:
    """An ISO-8601 instant with its offset, or ``default`` when absent."""
    if not value:
        return default
    try:
        at = dt.datetime.fromisoformat(value.strip().replace(" ", "+") if "T" in value else value.strip())
    except ValueError:
        raise InvalidInput(name, "不是有效的 ISO-8601 时间") from None
    if at.tzinfo is None:
        raise InvalidInput(name, "时间须带时区（如 +08:00 或 Z）")
    return at.astimezone(dt.UTC)


def stats_json(s: service.Stats) -> dict[str, Any]:
    return {"region": s.region, "region_name": s.region_name, "from": s.start.isoformat(), "to": s.end.isoformat(),
            "transfers": s.transfers, "median_s": s.median_s, "p90_s": s.p90_s, "outcomes": s.outcomes,
            "lines": [{"ref": x.ref, "name": x.name, "number": x.number, "kind": x.kind, "transfers": x.transfers,
                       "full": x.full, "partial": x.partial, "median_s": x.median_s, "p90_s": x.p90_s,
                       "outcomes": x.outcomes} for x in s.lines]}


def period(start: str | None, end: str | None) -> tuple[dt.datetime, dt.datetime]:
    now = clock.now()
    e = parse_instant(end, "to", now)
    return parse_instant(start, "from", e - dt.timedelta(days=30)), e


@router.get("/linkage/stats", responses=ERRORS, response_model=None)
def linkage_stats(principal: CurrentPrincipal, db: Db,
                  start: Annotated[str | None, Query(alias="from", max_length=64)] = None,
                  end: Annotated[str | None, Query(alias="to", max_length=64)] = None,
                  region: Annotated[str | None, Query(max_length=12)] = None) -> dict[str, Any]:
    """Linkage in ``[from, to)`` (default: the last 30 days) of the centres in ``region`` (default:
    the caller's): transfers by line (full / partial), time to hand over (median, p90 seconds from
    registration) and outcomes. Centre staff only."""
    s, e = period(start, end)
    return stats_json(service.stats(db, principal, start=s, end=e, region_code=region))


def key_out(r: service.KeyRow) -> KeyOut:
    return KeyOut(id=r.id, name=r.name, hint=r.hint, account=r.account, unit=r.unit, unit_name=r.unit_name,
                  created_at=r.created_at, last_used_at=r.last_used_at, revoked_at=r.revoked_at)


@router.get("/linkage/keys", response_model=list[KeyOut], responses=ERRORS)
def list_keys(principal: CurrentPrincipal, db: Db) -> list[KeyOut]:
    return [key_out(r) for r in service.list_keys(db, principal)]


@router.post("/linkage/keys", response_model=NewKeyOut, status_code=201, responses=ERRORS)
def create_key(body: KeyIn, principal: CurrentPrincipal, db: Db) -> NewKeyOut:
    """A utility key: the API token of the utility's service account (its orders only)."""
    token, row = service.issue_key(db, principal, unit_code=body.unit, name=body.name)
    return NewKeyOut(token=token, **key_out(row).model_dump())


@router.delete("/linkage/keys/{key_id}", status_code=204, responses=ERRORS)
def revoke_key(key_id: IdPath, principal: CurrentPrincipal, db: Db) -> Response:
    service.revoke_key(db, principal, key_id)
    return Response(status_code=204)
