"""JSON API of public disclosure: publish and withdraw a month's figures, choose, edit, submit,
review and withdraw typical cases (centre supervisors of the region), and the public JSON
feed of what is published (no login, rate-limited per client address)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query, Request
from sqlalchemy.orm import Session

from hotline.analytics.disclosure import feeds, repository, service
from hotline.analytics.disclosure.models import DisclosureMonth, TypicalCase
from hotline.analytics.disclosure.schemas import (
    CaseEdit,
    CaseOut,
    ChooseIn,
    MonthIn,
    MonthOut,
    PublicCaseOut,
    PublicFeedOut,
    PublicMonthOut,
    ReviewIn,
    VersionIn,
    WithdrawIn,
)
from hotline.auth import access
from hotline.kit import ratelimit
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["disclosure"])
public_router = routing.router(tags=["disclosure"])
Ref = Annotated[str, Path(max_length=32)]
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not a centre supervisor, or four eyes (own case)"},
    404: {"description": "No such month, case or order in the caller's region"},
    409: {"description": "Illegal transition, stale version, already published or chosen"},
    422: {"description": "Invalid field (named), or personal data still in the text"},
}
PUBLIC_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not published"}, 422: {"description": "Malformed region code"},
    429: {"description": "Too many requests from this address"},
}
PUBLIC_LIMIT = ratelimit.Limit("public.disclosure", 120, dt.timedelta(minutes=1), "访问过于频繁，请稍后再试")


def limit_public(db: Session, request: Request) -> None:
    """Count a public read against its client address (like the other public reads)."""
    ratelimit.hit(db, PUBLIC_LIMIT, request.client.host if request.client else "unknown")


def month_out(db: Session, m: DisclosureMonth) -> MonthOut:
    region = repository.regions_by_ids(db, [m.region_id])[m.region_id]
    return MonthOut(ref=m.ref, period=m.period, region_code=region.code, region_name=region.name, state=m.state,
                    published_at=m.published_at, withdrawn_at=m.withdrawn_at, withdraw_reason=m.withdraw_reason,
                    version=m.version, figures=m.figures)


def case_out(db: Session, c: TypicalCase) -> CaseOut:
    order = service.order_of(db, c)
    return CaseOut(ref=c.ref, order=order.number, state=c.state, period=c.period, category_name=c.category_name,
                   area_name=c.area_name, title=c.title, appeal=c.appeal, handling=c.handling, result=c.result,
                   hide_enterprise=c.hide_enterprise, review_note=c.review_note, withdraw_reason=c.withdraw_reason,
                   published_at=c.published_at, version=c.version, residue=service.residue(db, c))


@router.get("/disclosure/months", response_model=list[MonthOut], responses=ERRORS)
def list_months(principal: CurrentPrincipal, db: Db) -> list[MonthOut]:
    """Months published (or withdrawn) in the caller's region."""
    return [month_out(db, m) for m in service.months(db, principal)]


@router.post("/disclosure/months", response_model=MonthOut, status_code=201, responses=ERRORS)
def publish_month(body: MonthIn, principal: CurrentPrincipal, db: Db) -> MonthOut:
    """Publish an ended month's figures for the caller's region (a snapshot)."""
    return month_out(db, service.publish_month(db, principal, period=body.period))


@router.post("/disclosure/months/{ref}/withdraw", response_model=MonthOut, responses=ERRORS)
def withdraw_month(ref: Ref, body: WithdrawIn, principal: CurrentPrincipal, db: Db) -> MonthOut:
    m = service.access_month(db, principal, ref)
    return month_out(db, service.withdraw_month(db, principal, m, reason=body.reason, version=body.version))


@router.get("/disclosure/cases", response_model=list[CaseOut], responses=ERRORS)
def list_cases(principal: CurrentPrincipal, db: Db,
               state: Annotated[str | None, Query(max_length=16)] = None) -> list[CaseOut]:
    return [case_out(db, c) for c in service.cases(db, principal, state=state)]


@router.post("/disclosure/cases", response_model=CaseOut, status_code=201, responses=ERRORS)
def choose(body: ChooseIn, principal: CurrentPrincipal, db: Db) -> CaseOut:
    """Choose a closed order as a typical case: a draft with its text anonymised."""
    service.require_editor(principal)
    order = access.access_work_order(db, principal, body.order)
    return case_out(db, service.choose(db, principal, order, hide_enterprise=body.hide_enterprise))


@router.get("/disclosure/cases/{ref}", response_model=CaseOut, responses=ERRORS)
def get_case(ref: Ref, principal: CurrentPrincipal, db: Db) -> CaseOut:
    return case_out(db, service.access_case(db, principal, ref))


@router.put("/disclosure/cases/{ref}", response_model=CaseOut, responses=ERRORS)
def edit_case(ref: Ref, body: CaseEdit, principal: CurrentPrincipal, db: Db) -> CaseOut:
    c = service.access_case(db, principal, ref)
    data = service.CaseText(title=body.title, appeal=body.appeal, handling=body.handling, result=body.result,
                            hide_enterprise=body.hide_enterprise)
    return case_out(db, service.edit(db, principal, c, data, version=body.version))


@router.post("/disclosure/cases/{ref}/submit", response_model=CaseOut, responses=ERRORS)
def submit_case(ref: Ref, body: VersionIn, principal: CurrentPrincipal, db: Db) -> CaseOut:
    """Submit for review (422 while personal data remains in the text)."""
    return case_out(db, service.submit(db, principal, service.access_case(db, principal, ref), version=body.version))


@router.post("/disclosure/cases/{ref}/review", response_model=CaseOut, responses=ERRORS)
def review_case(ref: Ref, body: ReviewIn, principal: CurrentPrincipal, db: Db) -> CaseOut:
    """Approve and publish, or send back with a note — by another supervisor."""
    c = service.access_case(db, principal, ref)
    if body.approve:
        return case_out(db, service.approve(db, principal, c, note=body.note, version=body.version))
    return case_out(db, service.reject(db, principal, c, note=body.note, version=body.version))


@router.post("/disclosure/cases/{ref}/withdraw", response_model=CaseOut, responses=ERRORS)
def withdraw_case(ref: Ref, body: WithdrawIn, principal: CurrentPrincipal, db: Db) -> CaseOut:
    c = service.access_case(db, principal, ref)
    return case_out(db, service.withdraw(db, principal, c, reason=body.reason, version=body.version))


@router.post("/disclosure/cases/{ref}/discard", response_model=CaseOut, responses=ERRORS)
def discard_case(ref: Ref, body: VersionIn, principal: CurrentPrincipal, db: Db) -> CaseOut:
    c = service.access_case(db, principal, ref)
    return case_out(db, service.discard(db, principal, c, version=body.version))


# --- the public ------------------------------------------------------------------------------


def public_feed(db: Session, *, region: str | None, limit: int) -> tuple[list[PublicMonthOut], list[PublicCaseOut]]:
    months = service.public_months(db, region=region, limit=limit)
    cases = service.public_cases(db, region=region, limit=limit)
    names = service.region_names(db, {c.region_id for c in cases})
    return [feeds.month_out(m) for m in months], [feeds.case_out(c, names.get(c.region_id, "")) for c in cases]


@public_router.get("/public/disclosure", response_model=PublicFeedOut, responses=PUBLIC_ERRORS)
def public_disclosure(request: Request, db: Db, region: Annotated[str | None, Query(max_length=12)] = None,
                      limit: Annotated[int, Query(ge=1, le=200)] = 60) -> PublicFeedOut:
    """The JSON feed: published months (figures as published) and typical cases (anonymised),
    newest first; ``region`` narrows to a city or county and what lies under it."""
    limit_public(db, request)
    months, cases = public_feed(db, region=region, limit=limit)
    return PublicFeedOut(title=feeds.TITLE, home_page_url=str(request.base_url).rstrip("/") + feeds.HOME,
                         months=months, cases=cases)


@public_router.get("/public/disclosure/months/{ref}", response_model=PublicMonthOut, responses=PUBLIC_ERRORS)
def public_month(ref: Ref, request: Request, db: Db) -> PublicMonthOut:
    limit_public(db, request)
    return feeds.month_out(service.public_month(db, ref))


@public_router.get("/public/disclosure/cases/{ref}", response_model=PublicCaseOut, responses=PUBLIC_ERRORS)
def public_case(ref: Ref, request: Request, db: Db) -> PublicCaseOut:
    limit_public(db, request)
    c = service.public_case(db, ref)
    return feeds.case_out(c, service.region_names(db, {c.region_id}).get(c.region_id, ""))
