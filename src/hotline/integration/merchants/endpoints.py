"""JSON API of the service-merchant register: the register and its review and adjustment
(managers: centre supervisors and administrators of the merchant's region), the proposals of
the adjustment rule, referral, rating and complaint on an order (the centre's staff), and the
public list of recommended merchants."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from sqlalchemy.orm import Session

from hotline.audit import repository as audit_repository
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.integration.merchants import lifecycle, service
from hotline.integration.merchants.lifecycle import Evaluation, Status
from hotline.integration.merchants.models import Merchant
from hotline.integration.merchants.schemas import (
    CandidateOut,
    ComplaintIn,
    ComplaintOut,
    DecisionIn,
    EvaluationOut,
    MerchantIn,
    MerchantOut,
    MerchantPatch,
    ProposalOut,
    PublicMerchantOut,
    RaisedOut,
    RatingIn,
    ReferralIn,
    ReferralOut,
    ReviewIn,
    ServiceTypeOut,
    StatusChangeOut,
    StatusIn,
)
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["merchants"])
public_router = routing.router(tags=["merchants"])
ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The role does not read or manage the register, or four eyes (own registration)"},
    404: {"description": "No such merchant (or order) in the caller's region"},
    409: {"description": "Illegal status change, stale version, duplicate"},
    422: {"description": "Invalid field (named): USCC, phone, region code, service type …"},
}


def _data(body: MerchantIn) -> service.MerchantData:
    return service.MerchantData(name=body.name, uscc=body.uscc, service_types=body.service_types,
                                area_codes=body.area_codes, business_phone=body.business_phone,
                                contact_name=body.contact_name, contact_phone=body.contact_phone,
                                address=body.address, description=body.description)


def _evaluation(e: Evaluation | None) -> EvaluationOut | None:
    return None if e is None else EvaluationOut(**e.as_dict())


def merchant_out(db: Session, principal: Principal, m: Merchant, *, purpose: str,
                 evaluation: Evaluation | None = None, contact: bool = True) -> MerchantOut:
    name, phone, masked = (service.contact(db, principal, m, purpose=purpose) if contact
                           else (None, None, True))
    return MerchantOut(ref=m.ref, name=m.name, uscc=m.uscc, service_types=m.service_types, area_codes=m.area_codes,
                       business_phone=m.business_phone, address=m.address, description=m.description,
                       contact_name=name, contact_phone=phone, contact_masked=masked, status=m.status,
                       status_name=lifecycle.STATUS_NAMES[Status(m.status)], status_reason=m.status_reason,
                       status_changed_at=m.status_changed_at, created_at=m.created_at, version=m.version,
                       evaluation=_evaluation(evaluation))


@router.get("/merchants/service-types", response_model=list[ServiceTypeOut])
def service_types(principal: CurrentPrincipal) -> list[ServiceTypeOut]:
    del principal
    return [ServiceTypeOut(code=c, name=n) for c, n in lifecycle.SERVICE_TYPES.items()]


@router.get("/merchants", response_model=list[MerchantOut], responses=ERRORS)
def list_merchants(principal: CurrentPrincipal, db: Db,
                   status: Annotated[str | None, Query(max_length=16)] = None,
                   service_type: Annotated[str | None, Query(max_length=32)] = None,
                   area: Annotated[str | None, Query(max_length=12)] = None) -> list[MerchantOut]:
    """The register as the caller may see it, with each merchant's evaluation. The contact
    person is masked in lists (open one merchant to see it, audited)."""
    rows = service.list_merchants(db, principal, status=status, service_type=service_type, area=area)
    figures = service.evaluations(db, rows)
    return [merchant_out(db, principal, m, purpose="list", evaluation=figures[m.id], contact=False) for m in rows]


@router.post("/merchants", response_model=MerchantOut, status_code=201, responses=ERRORS)
def register(body: MerchantIn, principal: CurrentPrincipal, db: Db) -> MerchantOut:
    """Register a merchant (status ``applied``); another manager admits or rejects it."""
    m = service.register(db, principal, _data(body))
    return merchant_out(db, principal, m, purpose="registered")


@router.get("/merchants/{ref}", response_model=MerchantOut, responses=ERRORS)
def get_merchant(ref: str, principal: CurrentPrincipal, db: Db) -> MerchantOut:
    m = service.access_merchant(db, principal, ref)
    return merchant_out(db, principal, m, purpose="merchant", evaluation=service.evaluations(db, [m])[m.id])


@router.put("/merchants/{ref}", response_model=MerchantOut, responses=ERRORS)
def update(ref: str, body: MerchantPatch, principal: CurrentPrincipal, db: Db) -> MerchantOut:
    m = service.update(db, principal, service.access_merchant(db, principal, ref, write=True), _data(body),
                       version=body.version)
    return merchant_out(db, principal, m, purpose="updated")


@router.post("/merchants/{ref}/review", response_model=MerchantOut, responses=ERRORS)
def review(ref: str, body: ReviewIn, principal: CurrentPrincipal, db: Db) -> MerchantOut:
    """Admit or reject an applied merchant (not by the manager who registered it)."""
    m = service.review(db, principal, service.access_merchant(db, principal, ref, write=True), admit=body.admit,
                       reason=body.reason, version=body.version)
    return merchant_out(db, principal, m, purpose="reviewed", contact=False)


@router.post("/merchants/{ref}/status", response_model=MerchantOut, responses=ERRORS)
def change_status(ref: str, body: StatusIn, principal: CurrentPrincipal, db: Db) -> MerchantOut:
    """Warn, lift a warning, suspend, readmit, remove (or let a rejected merchant apply again),
    with the reason. 409 when the current status does not allow it."""
    m = service.access_merchant(db, principal, ref, write=True)
    service.change_status(db, principal, m, action=body.action, reason=body.reason, version=body.version)
    return merchant_out(db, principal, m, purpose="status", contact=False)


def changes_out(db: Session, rows: list[Any]) -> list[StatusChangeOut]:
    names = audit_repository.display_names(db, {c.decided_by_id for c in rows})
    return [StatusChangeOut(action=c.action, from_status=c.from_status, to_status=c.to_status, reason=c.reason,
                            decided_by=names.get(c.decided_by_id, ""), at=c.at,
                            proposal=None if c.proposal_id is None else str(c.proposal_id)) for c in rows]


@router.get("/merchants/{ref}/history", response_model=list[StatusChangeOut], responses=ERRORS)
def history(ref: str, principal: CurrentPrincipal, db: Db) -> list[StatusChangeOut]:
    """Every status change: from, to, the reason, who decided."""
    m = service.access_merchant(db, principal, ref, write=True)
    return changes_out(db, service.history(db, m))


def proposal_out(p: Any, m: Merchant) -> ProposalOut:
    return ProposalOut(ref=p.ref, merchant=m.ref, merchant_name=m.name, action=p.action, reason=p.reason,
                       figures=p.figures, state=p.state, raised_at=p.raised_at)


@router.get("/merchant-proposals", response_model=list[ProposalOut], responses=ERRORS)
def proposals(principal: CurrentPrincipal, db: Db) -> list[ProposalOut]:
    """The open proposals of the adjustment rule for the manager's merchants."""
    return [proposal_out(p, m) for p, m in service.proposals(db, principal)]


@router.post("/merchant-proposals/run", response_model=RaisedOut, responses=ERRORS)
def run_rule(principal: CurrentPrincipal, db: Db) -> RaisedOut:
    """Run the adjustment rule now (it also runs daily): proposals for merchants that call for one."""
    service.require_manager(principal)
    return RaisedOut(raised=len(service.raise_proposals(db)))


@router.post("/merchant-proposals/{ref}", response_model=ProposalOut, responses=ERRORS)
def decide(ref: str, body: DecisionIn, principal: CurrentPrincipal, db: Db) -> ProposalOut:
    """Accept (the change is made) or dismiss (with a note) a proposal."""
    p, m = service.access_proposal(db, principal, ref)
    service.decide_proposal(db, principal, p, m, accept=body.accept, note=body.note)
    return proposal_out(p, m)


# --- on an order -----------------------------------------------------------------------------


@router.get("/work-orders/{number}/merchant-candidates", response_model=list[CandidateOut], responses=ERRORS)
def candidates(number: str, principal: CurrentPrincipal, db: Db,
               service_type: Annotated[str | None, Query(max_length=32)] = None) -> list[CandidateOut]:
    """Merchants the caller of this order may be referred to: admitted, serving its region,
    offering the service. Suspended and removed ones never appear."""
    order = access.access_work_order(db, principal, number)
    rows = service.candidates(db, principal, order, service_type=service_type)
    figures = service.evaluations(db, rows)
    return [CandidateOut(ref=m.ref, name=m.name, service_types=m.service_types, business_phone=m.business_phone,
                         status=m.status, satisfaction=figures[m.id].satisfaction,
                         complaints=figures[m.id].complaints) for m in rows]


def referral_out(r: Any, m: Merchant) -> ReferralOut:
    return ReferralOut(ref=r.ref, merchant=m.ref, merchant_name=m.name, business_phone=m.business_phone,
                       service_type=r.service_type, note=r.note, referred_at=r.referred_at, verdict=r.verdict,
                       response_hours=r.response_hours, rated_at=r.rated_at)


@router.get("/work-orders/{number}/referrals", response_model=list[ReferralOut], responses=ERRORS)
def referrals(number: str, principal: CurrentPrincipal, db: Db) -> list[ReferralOut]:
    order = access.access_work_order(db, principal, number)
    service.require_reader(principal)
    return [referral_out(r, m) for r, m in service.referrals(db, order)]


@router.post("/work-orders/{number}/referrals", response_model=ReferralOut, status_code=201, responses=ERRORS)
def refer(number: str, body: ReferralIn, principal: CurrentPrincipal, db: Db) -> ReferralOut:
    """Refer the caller to a merchant: recorded on the order, SMS to the citizen."""
    order = access.access_work_order(db, principal, number)
    service.require_referrer(principal)
    m = service.access_merchant(db, principal, body.merchant)
    r = service.refer(db, principal, order, m, service_type=body.service_type, note=body.note)
    return referral_out(r, m)


@router.post("/work-orders/{number}/referrals/{ref}/rating", response_model=ReferralOut, responses=ERRORS)
def rate(number: str, ref: str, body: RatingIn, principal: CurrentPrincipal, db: Db) -> ReferralOut:
    """The citizen's rating of a referred merchant, taken at callback (the callback scale)."""
    order = access.access_work_order(db, principal, number)
    r = service.rate(db, principal, order, ref, verdict=body.verdict, response_hours=body.response_hours,
                     note=body.note)
    m = db.get(Merchant, r.merchant_id)
    assert m is not None
    return referral_out(r, m)


@router.post("/work-orders/{number}/merchant-complaints", response_model=ComplaintOut, status_code=201,
             responses=ERRORS)
def mark_complaint(number: str, body: ComplaintIn, principal: CurrentPrincipal, db: Db) -> ComplaintOut:
    """Mark the order as a complaint about a merchant (counted in its evaluation)."""
    order = access.access_work_order(db, principal, number)
    service.require_complaint_marker(principal)
    m = service.access_merchant(db, principal, body.merchant)
    c = service.mark_complaint(db, principal, order, m, note=body.note)
    return ComplaintOut(ref=c.ref, merchant=m.ref, merchant_name=m.name, note=c.note, marked_at=c.marked_at)


# --- the public ------------------------------------------------------------------------------


@public_router.get("/public/merchants", response_model=list[PublicMerchantOut],
                   responses={422: {"description": "Unknown service type or malformed region code"}})
def public_merchants(db: Db, service_type: Annotated[str | None, Query(max_length=32)] = None,
                     area: Annotated[str | None, Query(max_length=12)] = None) -> list[PublicMerchantOut]:
    """Recommended merchants (admitted, not under a warning, suspension or removal): no
    personal data, the business number each published."""
    return [PublicMerchantOut(**vars(m)) for m in service.public_merchants(db, service_type=service_type, area=area)]
