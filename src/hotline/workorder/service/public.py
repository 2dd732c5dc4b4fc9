"""The public self-service lookup of an order by number and phone, and orders as open data
(what Open311 clients read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from hotline.citizen import service as citizen_service
from hotline.kit import validate
from hotline.kit.errors import InvalidInput
from hotline.kit.redact import mask_personal_text
from hotline.workorder import repository
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder


def public_lookup(session: Session, number: str, phone: str) -> WorkOrder:
    """The citizen follows an order with its number and the phone number it was filed with;
    a wrong pair answers exactly like a missing order."""
    from hotline.kit.errors import NotFound

    order = repository.by_number(session, (number or "").strip()[:20])
    try:
        digits = validate.phone(phone)
    except InvalidInput:
        raise NotFound("没有找到该工单，请核对工单号和手机号") from None
    citizen = repository.citizen_of(session, order) if order is not None else None
    if order is None or citizen is None or citizen.phone_hash != citizen_service.phone_hash(digits):
        raise NotFound("没有找到该工单，请核对工单号和手机号")
    return order


#: The statuses Open311 calls ``closed``: finished or withdrawn; every other is ``open``.
FINISHED = frozenset({Status.closed, Status.withdrawn})


@dataclass(frozen=True)
class PublicRecord:
    """An order as open data (Open311 ``GET requests``) shows it: what happened and where,
    never who asked. The text has personal data masked; confidential reports are never
    records at all."""

    number: str
    status: Status
    is_open: bool
    category_code: str | None
    category_name: str | None
    title: str
    description: str  # the appeal's text, with names, phones and ID numbers masked
    address: str | None
    region_code: str | None
    region_name: str | None
    requested_at: dt.datetime
    updated_at: dt.datetime
    due_at: dt.datetime | None
    agency: str | None  # the lead unit
    reply: str | None  # the public answer; a merged order's is its main order's


def public_records(session: Session, *, numbers: list[str] | None = None, category_prefix: str | None = None,
                   since: dt.datetime | None = None, until: dt.datetime | None = None,
                   is_open: bool | None = None, region_prefix: str | None = None,
                   limit: int = 1000) -> list[PublicRecord]:
    """Orders as open data, newest first: by number, category subtree, registration time,
    open/closed and place (a region code prefix). Confidential reports never appear. An
    order merged into another answers with its main order's public answer until it has
    its own."""
    statuses = None if is_open is None else (frozenset(set(Status) - FINISHED) if is_open else FINISHED)
    rows = repository.open_data_orders(session, numbers=numbers, category_prefix=category_prefix, since=since,
                                       until=until, statuses=statuses, region_prefix=region_prefix, limit=limit)
    answers = repository.public_answers(
        session, sorted({r.id for r in rows} | {r.merged_into_id for r in rows if r.merged_into_id}))
    records = []
    for r in rows:
        reply = answers.get(r.id) or (answers.get(r.merged_into_id) if r.merged_into_id else None)
        if reply is None and r.status == Status.withdrawn:
            reply = "诉求人已撤回"
        stamps = [t for t in (r.registered_at, r.dispatched_at, r.signed_at, r.replied_at, r.closed_at) if t]
        records.append(PublicRecord(
            number=r.number, status=r.status, is_open=r.status not in FINISHED, category_code=r.category_code,
            category_name=r.category_name, title=r.title, description=mask_personal_text(r.content),
            address=r.address, region_code=r.region_code, region_name=r.region_name, requested_at=r.registered_at,
            updated_at=max(stamps), due_at=r.due_at, agency=r.lead_unit_name, reply=reply))
    return records
