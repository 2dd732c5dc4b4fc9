"""JSON API of quality inspection (``/api/v1/cti/quality``): the checklist, agents' figures,
sample draws, inspections (pick, score, appeal, decide) and the monthly scores with their
Excel export. Inspections are known by their 32-hex ``ref``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit.excel import XLSX_MEDIA_TYPE
from hotline.telephony.quality import service
from hotline.telephony.quality.models import Checklist, Inspection
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db

router = routing.router(tags=["cti-quality"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found"}, 409: {"description": "Illegal move or stale version"},
    422: {"description": "Invalid field"},
}
PREFIX = "/cti/quality"
Points = float | int


class ItemIn(BaseModel):
    code: str = Field(max_length=32)
    name: str = Field(max_length=50)
    max_points: Points


class ChecklistIn(BaseModel):
    items: list[ItemIn] = Field(max_length=30)


class ItemOut(BaseModel):
    code: str
    name: str
    max_points: float


class ChecklistOut(BaseModel):
    version: int
    created_at: dt.datetime
    max_score: float
    items: list[ItemOut]


class FigureOut(BaseModel):
    key: str
    name: str
    team: str | None
    operator: str | None
    agents: int
    calls_answered: int
    talk_s: float
    avg_talk_s: float | None
    wrap_up_s: float
    orders_registered: int
    answered_on_spot: int
    answered_from_knowledge: int
    callbacks: int
    inaccurate: int
    accuracy: float | None


class FiguresOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    start: dt.datetime = Field(alias="from")
    end: dt.datetime = Field(alias="to")
    agents: list[FigureOut]
    seats: list[FigureOut]
    teams: list[FigureOut]
    operators: list[FigureOut]


class SampleIn(BaseModel):
    start: dt.datetime | None = Field(default=None, alias="from")
    end: dt.datetime | None = Field(default=None, alias="to")
    share: float = Field(default=0.05, gt=0, le=1)
    seed: int | None = Field(default=None, ge=0, lt=2**31)


class PickIn(BaseModel):
    call_ref: str | None = Field(default=None, max_length=32)
    order_number: str | None = Field(default=None, max_length=20)


class ScoreIn(BaseModel):
    scores: dict[str, Points] = Field(max_length=30)
    feedback: str | None = Field(default=None, max_length=2000)
    version: int | None = None


class AppealIn(BaseModel):
    reason: str = Field(max_length=1000)
    version: int | None = None


class DecisionIn(BaseModel):
    upheld: bool
    note: str = Field(max_length=1000)
    scores: dict[str, Points] | None = Field(default=None, max_length=30)
    version: int | None = None


class ScoreOut(BaseModel):
    code: str
    name: str
    max_points: float
    points: float | None
    first_points: float | None


class CallOut(BaseModel):
    ref: str
    offered_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    wait_s: float | None
    talk_s: float | None
    recording_url: str | None


class InspectionOut(BaseModel):
    ref: str
    kind: str
    status: str
    agent: str
    team: str | None
    operator: str | None
    seat: str | None
    work_at: dt.datetime
    checklist_version: int
    score: float | None
    max_score: float
    percent: float | None
    original_score: float | None
    feedback: str | None
    inspector: str | None
    scored_at: dt.datetime | None
    appeal_reason: str | None
    appealed_at: dt.datetime | None
    decided_by: str | None
    decision_note: str | None
    decided_at: dt.datetime | None
    version: int
    calls: list[CallOut]
    orders: list[str]
    scores: list[ScoreOut]


class InspectionBrief(BaseModel):
    ref: str
    kind: str
    status: str
    agent_id: int
    work_at: dt.datetime
    score: float | None
    max_score: float


class InspectionPage(BaseModel):
    items: list[InspectionBrief]
    total: int
    limit: int
    offset: int


class SampleOut(BaseModel):
    ref: str
    model_config = ConfigDict(populate_by_name=True)
    start: dt.datetime = Field(alias="from")
    end: dt.datetime = Field(alias="to")
    share: float
    seed: int
    calls: int
    orders: int
    inspections: list[str]


class MonthlyRowOut(BaseModel):
    key: str
    name: str
    inspections: int
    score: float
    max_score: float
    average: float | None


class MonthlyOut(BaseModel):
    month: str
    agents: list[MonthlyRowOut]
    teams: list[MonthlyRowOut]
    operators: list[MonthlyRowOut]


def checklist_out(checklist: Checklist) -> ChecklistOut:
    return ChecklistOut(version=checklist.version, created_at=checklist.created_at, max_score=checklist.max_score,
                        items=[ItemOut(code=i.code, name=i.name, max_points=i.max_points) for i in checklist.items])


def inspection_out(session: Session, principal: Principal, inspection: Inspection) -> InspectionOut:
    v = service.view(session, principal, inspection)
    i = v.inspection
    return InspectionOut(
        ref=i.ref, kind=i.kind, status=i.status, agent=v.agent_name, team=v.team, operator=i.operator,
        seat=v.seat_code, work_at=i.work_at, checklist_version=v.checklist_version, score=i.score,
        max_score=i.max_score, percent=v.percent, original_score=i.original_score, feedback=i.feedback,
        inspector=v.inspector_name, scored_at=i.scored_at, appeal_reason=i.appeal_reason, appealed_at=i.appealed_at,
        decided_by=v.decided_by_name, decision_note=i.decision_note, decided_at=i.decided_at, version=i.version,
        calls=[CallOut(ref=c.ref, offered_at=c.offered_at, answered_at=c.answered_at, ended_at=c.ended_at,
                       wait_s=c.wait_s, talk_s=c.talk_s, recording_url=c.recording_url) for c in v.calls],
        orders=[o.number for o in v.orders],
        scores=[ScoreOut(code=item.code, name=item.name, max_points=item.max_points, points=p, first_points=f)
                for item, p, f in v.items])


@router.get(f"{PREFIX}/checklist", response_model=ChecklistOut, responses=ERRORS)
def get_checklist(principal: CurrentPrincipal, db: Db) -> ChecklistOut:
    """The checklist in force for the caller's region (404 when none has been set)."""
    checklist = service.current_checklist(db, principal)
    if checklist is None:
        from hotline.kit.errors import NotFound

        raise NotFound("尚未设置质检评分表")
    return checklist_out(checklist)


@router.get(f"{PREFIX}/checklist/versions", response_model=list[ChecklistOut], responses=ERRORS)
def checklist_versions(principal: CurrentPrincipal, db: Db) -> list[ChecklistOut]:
    return [checklist_out(c) for c in service.checklist_versions(db, principal)]


@router.put(f"{PREFIX}/checklist", response_model=ChecklistOut, responses=ERRORS)
def put_checklist(body: ChecklistIn, principal: CurrentPrincipal, db: Db) -> ChecklistOut:
    """Save the next version of the region's checklist (earlier inspections keep theirs)."""
    checklist = service.save_checklist(db, principal, items=[i.model_dump() for i in body.items])
    return checklist_out(checklist)


@router.get(f"{PREFIX}/figures", response_model=FiguresOut, responses=ERRORS)
def get_figures(principal: CurrentPrincipal, db: Db,
                start: Annotated[dt.datetime | None, Query(alias="from")] = None,
                end: Annotated[dt.datetime | None, Query(alias="to")] = None) -> FiguresOut:
    """Agents' figures per agent, seat, team and outsourced operator for ``[from, to)``
    (ISO-8601 instants with offset; this month when both are absent)."""
    tables = service.figures(db, principal, start=start, end=end)
    return FiguresOut(start=tables.start, end=tables.end,
                      agents=[FigureOut(**f.as_json()) for f in tables.agents],
                      seats=[FigureOut(**f.as_json()) for f in tables.seats],
                      teams=[FigureOut(**f.as_json()) for f in tables.teams],
                      operators=[FigureOut(**f.as_json()) for f in tables.operators])


@router.post(f"{PREFIX}/samples", response_model=SampleOut, status_code=201, responses=ERRORS)
def post_sample(body: SampleIn, principal: CurrentPrincipal, db: Db) -> SampleOut:
    """Draw ``share`` of each agent's answered calls and registered orders in ``[from, to)``
    (this month by default); the seed is recorded (give one to repeat a draw)."""
    sample, made = service.draw_sample(db, principal, start=body.start, end=body.end, share=body.share,
                                       seed=body.seed)
    return SampleOut(ref=sample.ref, start=sample.period_start, end=sample.period_end, share=sample.share,
                     seed=sample.seed, calls=sample.calls, orders=sample.orders,
                     inspections=[i.ref for i in made])


@router.post(f"{PREFIX}/inspections", response_model=InspectionOut, status_code=201, responses=ERRORS)
def post_inspection(body: PickIn, principal: CurrentPrincipal, db: Db) -> InspectionOut:
    """Pick one call (``call_ref``) or one order (``order_number``) by hand."""
    inspection = service.pick(db, principal, call_ref=body.call_ref, order_number=body.order_number)
    return inspection_out(db, principal, inspection)


@router.get(f"{PREFIX}/inspections", response_model=InspectionPage, responses=ERRORS)
def get_inspections(principal: CurrentPrincipal, db: Db,
                    status: Annotated[Literal["pending", "scored", "appealed", "appeal_upheld", "appeal_rejected"]
                                      | None, Query()] = None,
                    sample: Annotated[str | None, Query(max_length=32)] = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> InspectionPage:
    """An agent's own scored inspections; an inspector's region's."""
    rows, total = service.list_inspections(db, principal, status=status, sample_ref=sample, limit=limit,
                                           offset=offset)
    return InspectionPage(items=[InspectionBrief(ref=i.ref, kind=i.kind, status=i.status, agent_id=i.agent_id,
                                                 work_at=i.work_at, score=i.score, max_score=i.max_score)
                                 for i in rows], total=total, limit=limit, offset=offset)


@router.get(f"{PREFIX}/inspections/{{ref}}", response_model=InspectionOut, responses=ERRORS)
def get_inspection(ref: str, principal: CurrentPrincipal, db: Db) -> InspectionOut:
    return inspection_out(db, principal, access.access_inspection(db, principal, ref))


@router.post(f"{PREFIX}/inspections/{{ref}}/score", response_model=InspectionOut, responses=ERRORS)
def post_score(ref: str, body: ScoreIn, principal: CurrentPrincipal, db: Db) -> InspectionOut:
    """Score a pending inspection: ``scores`` maps every item code to its points."""
    inspection = access.access_inspection(db, principal, ref)
    service.score(db, principal, inspection, scores=body.scores, feedback=body.feedback, version=body.version)
    return inspection_out(db, principal, inspection)


@router.post(f"{PREFIX}/inspections/{{ref}}/appeal", response_model=InspectionOut, responses=ERRORS)
def post_appeal(ref: str, body: AppealIn, principal: CurrentPrincipal, db: Db) -> InspectionOut:
    """The agent appeals their score, once (a second appeal: 409)."""
    inspection = access.access_inspection(db, principal, ref)
    service.appeal(db, principal, inspection, reason=body.reason, version=body.version)
    return inspection_out(db, principal, inspection)


@router.post(f"{PREFIX}/inspections/{{ref}}/decision", response_model=InspectionOut, responses=ERRORS)
def post_decision(ref: str, body: DecisionIn, principal: CurrentPrincipal, db: Db) -> InspectionOut:
    """Decide an appeal: ``upheld`` with the adjusted ``scores``, or rejected."""
    inspection = access.access_inspection(db, principal, ref)
    service.decide(db, principal, inspection, upheld=body.upheld, note=body.note, scores=body.scores,
                   version=body.version)
    return inspection_out(db, principal, inspection)


@router.get(f"{PREFIX}/monthly", response_model=MonthlyOut, responses=ERRORS)
def get_monthly(principal: CurrentPrincipal, db: Db,
                month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> MonthlyOut:
    """Monthly scores per agent, team and outsourced operator (``YYYY-MM``; this month by default)."""
    report = service.monthly(db, principal, month=month)
    return MonthlyOut(month=report.month, agents=[MonthlyRowOut(**r.as_json()) for r in report.agents],
                      teams=[MonthlyRowOut(**r.as_json()) for r in report.teams],
                      operators=[MonthlyRowOut(**r.as_json()) for r in report.operators])


@router.get(f"{PREFIX}/monthly.xlsx", responses={**ERRORS, 200: {"content": {XLSX_MEDIA_TYPE: {}}}})
def get_monthly_xlsx(principal: CurrentPrincipal, db: Db,
                     month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> Response:
    name, data = service.monthly_xlsx(db, principal, month=month)
    return Response(data, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(f'质检月报-{name}.xlsx')}"})
