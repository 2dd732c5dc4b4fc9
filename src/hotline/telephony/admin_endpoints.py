"""JSON API of telephony administration: seats, queues and CTI keys (administrators with
``manage_telephony``, within their region; see :mod:`hotline.telephony.admin`).

A seat is addressed by its ``ref`` (or its code), a queue by its number or its name as the
PBX sends it, a key by its number. The request shapes live here, beside their endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from hotline.telephony import admin
from hotline.telephony.models import CtiQueue
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db, IdPath

router = routing.router(prefix="/cti", tags=["telephony"])
_403: dict[int | str, dict[str, Any]] = {403: {"description": "Administrators (manage_telephony) only"}}
_404: dict[int | str, dict[str, Any]] = {404: {"description": "No such object in the administrator's region"}}
_422: dict[int | str, dict[str, Any]] = {422: {"description": "Invalid field (named)"}}


class SeatIn(BaseModel):
    code: str = Field(max_length=200, description="the seat id the PBX sends, e.g. S001")
    kind: str = Field(default="general", description="general | enterprise | expert")
    region: str | None = Field(default=None, max_length=20, description="region code (default: the admin's)")
    unit: str | None = Field(default=None, max_length=50, description="unit code of an expert seat's department")
    operator: str | None = Field(default=None, max_length=200, description="outsourced operator staffing it")


class SeatPatch(BaseModel):
    kind: str | None = None
    unit: str | None = Field(default=None, max_length=50)
    operator: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class SeatOut(BaseModel):
    ref: str
    code: str
    kind: str
    region: str
    unit: str | None
    unit_name: str | None
    operator: str | None
    agent: str | None
    state: str
    state_since: dt.datetime | None
    active: bool


class QueueIn(BaseModel):
    name: str = Field(max_length=200)
    kind: str = "general"
    label: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=50,
                               description="the region of the centre whose PBX names the queue (default: the admin's)")


class QueuePatch(BaseModel):
    kind: str | None = None
    label: str | None = Field(default=None, max_length=200)


class QueueOut(BaseModel):
    id: int
    region: str
    name: str
    kind: str
    label: str | None
    created_at: dt.datetime


class KeyIn(BaseModel):
    name: str = Field(max_length=200, description="the PBX or bridge using the key")
    unit: str | None = Field(default=None, max_length=50, description="the centre's unit code (default: the admin's)")


class KeyOut(BaseModel):
    id: int
    name: str
    hint: str
    account: str
    unit: str
    unit_name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewKeyOut(KeyOut):
    key: str = Field(description="the bearer token, shown in this answer only")


def _seat_out(row: admin.SeatRow) -> SeatOut:
    return SeatOut(**row.__dict__)


def _queue_out(queue: CtiQueue, region: str) -> QueueOut:
    return QueueOut(id=queue.id, region=region, name=queue.name, kind=queue.kind, label=queue.label,
                    created_at=queue.created_at)


@router.get("/seats", response_model=list[SeatOut], responses=_403)
def list_seats(principal: CurrentPrincipal, db: Db) -> list[SeatOut]:
    """The seats of the administrator's region, with the agent logged in and their state."""
    return [_seat_out(r) for r in admin.list_seats(db, principal)]


@router.post("/seats", response_model=SeatOut, status_code=201,
             responses={**_403, **_422, 409: {"description": "A seat with this code exists"}})
def add_seat(body: SeatIn, principal: CurrentPrincipal, db: Db) -> SeatOut:
    seat = admin.add_seat(db, principal, code=body.code, kind=body.kind, region_code=body.region,
                          unit_code=body.unit, operator=body.operator)
    return _seat_out(admin.seat_row(db, principal, seat))


@router.patch("/seats/{ref}", response_model=SeatOut, responses={**_403, **_404, **_422})
def update_seat(ref: str, body: SeatPatch, principal: CurrentPrincipal, db: Db) -> SeatOut:
    """Change a seat's kind, unit, operator, or deactivate it (``"active": false``; the agent
    logged in on it is logged out). ``unit``/``operator`` set to null clear them."""
    seat = admin.get_seat(db, principal, ref)
    given: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    admin.update_seat(db, principal, seat, kind=given.get("kind"), active=given.get("active"),
                      **{("unit_code" if k == "unit" else k): v for k, v in given.items() if k in ("unit", "operator")})
    return _seat_out(admin.seat_row(db, principal, seat))


@router.get("/queues", response_model=list[QueueOut], responses=_403)
def list_queues(principal: CurrentPrincipal, db: Db) -> list[QueueOut]:
    """The queues (skill groups) of the administrator's region, named as each centre's PBX
    sends them."""
    return [_queue_out(row.queue, row.region) for row in admin.list_queues(db, principal)]


@router.post("/queues", response_model=QueueOut, status_code=201,
             responses={**_403, **_422, 409: {"description": "A queue with this name exists"}})
def add_queue(body: QueueIn, principal: CurrentPrincipal, db: Db) -> QueueOut:
    """Name a queue before the PBX of the region's centre first sends it."""
    queue = admin.add_queue(db, principal, name=body.name, kind=body.kind, label=body.label, region_code=body.region)
    return _queue_out(queue, admin.queue_region_code(db, queue))


@router.patch("/queues/{key}", response_model=QueueOut, responses={**_403, **_404, **_422})
def update_queue(key: str, body: QueuePatch, principal: CurrentPrincipal, db: Db,
                 region: Annotated[str | None, Query(max_length=50)] = None) -> QueueOut:
    """Map a queue to a skill group and label it: by its number, or by its name in ``region``
    (default: the administrator's own)."""
    queue = admin.get_queue(db, principal, key, region_code=region)
    fields = body.model_fields_set
    admin.set_queue(db, principal, queue, kind=body.kind if "kind" in fields else None,
                    **({"label": body.label} if "label" in fields else {}))
    return _queue_out(queue, admin.queue_region_code(db, queue))


@router.get("/keys", response_model=list[KeyOut], responses=_403)
def list_keys(principal: CurrentPrincipal, db: Db) -> list[KeyOut]:
    """The CTI keys of the administrator's region (their first characters, never the token)."""
    return [KeyOut(**r.__dict__) for r in admin.list_keys(db, principal)]


@router.post("/keys", response_model=NewKeyOut, status_code=201, responses={**_403, **_422})
def create_key(body: KeyIn, principal: CurrentPrincipal, db: Db) -> NewKeyOut:
    """A new key for a centre's PBX; the token is in this answer only."""
    plaintext, row = admin.issue_key(db, principal, name=body.name, unit_code=body.unit)
    return NewKeyOut(**row.__dict__, key=plaintext)


@router.post("/keys/{key_id}/revoke", response_model=KeyOut, responses={**_403, **_404})
def revoke_key(key_id: IdPath, principal: CurrentPrincipal, db: Db) -> KeyOut:
    return KeyOut(**admin.revoke_key(db, principal, key_id).__dict__)
