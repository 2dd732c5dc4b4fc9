"""JSON API of the citizen register."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from hotline.auth import access
from hotline.citizen import flags, service
from hotline.citizen.models import CallerFlag, Citizen
from hotline.citizen.schemas import CitizenCreate, CitizenOut, CitizenUpdate
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["citizens"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found"}, 409: {"description": "Stale version"},
    422: {"description": "Invalid field"},
}


@router.get("/citizens", response_model=list[CitizenOut], responses={**ERRORS, 429: {"description": "Too many reads"}})
def find_citizens(
    principal: CurrentPrincipal, db: Db, phone: Annotated[str, Query(max_length=30)],
) -> list[CitizenOut]:
    """Find citizens by phone number (exact, through the keyed hash), among those in the
    caller's scope. Each search counts against the caller's read limit (429 past it)."""
    found = service.find_by_phone(db, principal, phone)
    return [CitizenOut(**asdict(v)) for v in service.view(db, principal, found, purpose="phone_lookup")]


@router.post("/citizens", response_model=CitizenOut, status_code=201, responses=ERRORS)
def register_citizen(body: CitizenCreate, principal: CurrentPrincipal, db: Db) -> CitizenOut:
    citizen = service.register(db, principal, **body.model_dump())
    return CitizenOut(**asdict(service.view(db, principal, [citizen], purpose="registered")[0]))


@router.get("/citizens/{ref}", response_model=CitizenOut, responses={**ERRORS, 429: {"description": "Too many reads"}})
def get_citizen(ref: str, principal: CurrentPrincipal, db: Db) -> CitizenOut:
    """One citizen by public reference; outside the caller's scope (or a sequential id) → 404."""
    citizen = access.access_citizen(db, principal, ref)
    return CitizenOut(**asdict(service.view(db, principal, [citizen], purpose="profile")[0]))


@router.patch("/citizens/{ref}", response_model=CitizenOut, responses=ERRORS)
def update_citizen(ref: str, body: CitizenUpdate, principal: CurrentPrincipal, db: Db) -> CitizenOut:
    citizen = access.access_citizen(db, principal, ref, write=True)
    fields = body.model_dump(exclude_unset=True)
    version = fields.pop("version", None)
    service.update(db, principal, citizen, version=version, **fields)
    return CitizenOut(**asdict(service.view(db, principal, [citizen], purpose="updated")[0]))


# --- marks on malicious or harassing callers ------------------------------------------------------


class FlagIn(BaseModel):
    reason: str = Field(max_length=300)
    days: int = Field(ge=1, le=365, description="how long the mark lasts once approved")


class FlagReviewIn(BaseModel):
    approve: bool
    note: str | None = Field(default=None, max_length=300, description="required when rejecting")


class FlagLiftIn(BaseModel):
    note: str = Field(max_length=300)


class FlagOut(BaseModel):
    ref: str
    citizen_ref: str
    reason: str
    status: str
    status_name: str
    expires_on: dt.date
    proposed_at: dt.datetime
    reviewed_at: dt.datetime | None
    review_note: str | None


def _flag_out(db: Db, flag: CallerFlag) -> FlagOut:
    citizen = db.get(Citizen, flag.citizen_id)
    state = flags.status_of(flag)
    return FlagOut(ref=flag.ref, citizen_ref=citizen.ref if citizen else "", reason=flag.reason, status=state,
                   status_name=flags.STATUS_NAMES[state], expires_on=flag.expires_on, proposed_at=flag.proposed_at,
                   reviewed_at=flag.reviewed_at, review_note=flag.review_note)


@router.get("/citizens/{ref}/flags", response_model=list[FlagOut], responses=ERRORS)
def citizen_flags(ref: str, principal: CurrentPrincipal, db: Db) -> list[FlagOut]:
    citizen = access.access_citizen(db, principal, ref)
    return [_flag_out(db, f) for f in flags.flags_of(db, [citizen.id])]


@router.post("/citizens/{ref}/flags", response_model=FlagOut, status_code=201, responses=ERRORS)
def propose_flag(ref: str, body: FlagIn, principal: CurrentPrincipal, db: Db) -> FlagOut:
    """Propose marking the caller as malicious or harassing (a supervisor reviews it)."""
    citizen = access.access_citizen(db, principal, ref, write=True)
    return _flag_out(db, flags.propose(db, principal, citizen, reason=body.reason, days=body.days))


@router.get("/caller-flags", response_model=list[FlagOut], responses=ERRORS)
def pending_flags(principal: CurrentPrincipal, db: Db) -> list[FlagOut]:
    """Marks waiting for review."""
    return [_flag_out(db, f) for f, _c in flags.pending(db, principal)]


@router.post("/caller-flags/{ref}/review", response_model=FlagOut, responses=ERRORS)
def review_flag(ref: str, body: FlagReviewIn, principal: CurrentPrincipal, db: Db) -> FlagOut:
    flag = flags.access_flag(db, principal, ref)
    return _flag_out(db, flags.review(db, principal, flag, approve=body.approve, note=body.note))


@router.post("/caller-flags/{ref}/lift", response_model=FlagOut, responses=ERRORS)
def lift_flag(ref: str, body: FlagLiftIn, principal: CurrentPrincipal, db: Db) -> FlagOut:
    flag = flags.access_flag(db, principal, ref)
    return _flag_out(db, flags.lift(db, principal, flag, note=body.note))
