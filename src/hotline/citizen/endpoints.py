"""JSON API of the citizen register."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import Query

from hotline.auth import access
from hotline.citizen import service
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
