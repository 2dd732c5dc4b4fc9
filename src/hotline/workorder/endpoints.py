"""JSON API of work orders: intake (with Idempotency-Key), the lifecycle actions, the
timeline, and the citizen's public lookup."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Header, Query, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hotline.attachments import service as attachments
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit.db import MAX_ID, SessionFactory, transaction
from hotline.kit.groupcommit import GroupCommitter
from hotline.selfservice import service as selfservice
from hotline.web import routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.workorder import bulk as bulk_actions
from hotline.workorder import repository, service, timeline
from hotline.workorder.lifecycle import STATUS_NAMES, Status
from hotline.workorder.models import Assignment, AssignmentRole, AssignmentState, IntakeDraft, WorkOrder
from hotline.workorder.schemas import (
    AssignmentOut,
    AssistIn,
    CallbackIn,
    CitizenBrief,
    CoordinationIn,
    DecisionIn,
    DispatchIn,
    ExtensionDecisionIn,
    ExtensionIn,
    IntakeIn,
    IntakeOut,
    MergeIn,
    OrderBrief,
    OrderOut,
    PublicAttachmentOut,
    PublicConfirmIn,
    PublicIntakeIn,
    PublicNoticeOut,
    PublicOrderOut,
    PublicSubmissionOut,
    PublicTimelineEntry,
    PublicWithdrawCodeIn,
    PublicWithdrawIn,
    ReasonIn,
    ReplyIn,
    ReturnIn,
    RevealIn,
    ReviewIn,
    SourceOut,
    SuggestionOut,
    TimelineEntry,
    TransferIn,
    VersionIn,
    WithdrawIn,
)
from hotline.workorder.service import drafts

router = routing.router(tags=["work orders"])
public_router = routing.router(tags=["public"])
ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in"}, 403: {"description": "Not allowed"},
    404: {"description": "Not found or outside your scope"},
    409: {"description": "Illegal transition (names the current status) or stale version"},
    422: {"description": "Invalid field"},
}


def order_out(session: Session, actor: Principal, order: WorkOrder) -> OrderOut:
    shown = service.citizen_shown(session, actor, order)
    title, content = service.order_text(actor, order)
    return OrderOut(
        number=order.number, status=order.status, status_name=STATUS_NAMES[order.status], version=order.version,
        channel=order.channel.code, appeal_type=order.appeal_type,
        category_code=order.category.code if order.category else None,
        category_name=order.category.name if order.category else None,
        region_code=order.region.code if order.region else None,
        region_name=order.region.name if order.region else None, address=order.address, title=title,
        content=content,
        citizen=CitizenBrief(name=shown.name, phone=shown.phone, masked=shown.masked) if shown else None,
        is_confidential=order.is_confidential, urgency=order.urgency, is_enterprise=order.is_enterprise,
        enterprise_name=order.enterprise_name, uscc=order.uscc, centre_unit=order.centre_unit.name,
        lead_unit_id=order.lead_unit_id, lead_unit=order.lead_unit.name if order.lead_unit else None,
        direct_dispatch=order.direct_rule_id is not None, registered_at=order.registered_at,
        dispatched_at=order.dispatched_at, dispatch_seconds=order.dispatch_seconds, sign_due_at=order.sign_due_at,
        due_at=order.due_at, due_covered=order.due_covered, deadline_state=service.deadline_state(session, order),
        closed_at=order.closed_at, answer=order.answer, return_count=order.return_count,
        rehandle_count=order.rehandle_count, dissatisfied_count=order.dissatisfied_count,
        supervision_flag=order.supervision_flag, final_result=order.final_result, final_verdict=order.final_verdict,
        assignments=[_assignment_out(a) for a in order.assignments],
        merged_into=repository.number_of(session, order.merged_into_id) if order.merged_into_id else None,
        merged=repository.merged_numbers(session, order.id), urge_count=order.urge_count,
        sources=[SourceOut(number=s.number, channel=s.channel_code, channel_name=s.channel_name, ref=s.ref,
                           received_at=s.received_at, links=s.links or [])
                 for s in repository.sources_of(session, order.id)],
    )


def _assignment_out(a: Assignment) -> AssignmentOut:
    return AssignmentOut(unit_id=a.unit_id, unit_name=a.unit.name, role=a.role, state=a.state.value,
                         assigned_at=a.assigned_at, signed_at=a.signed_at, contribution=a.contribution)


def brief(session: Session, order: WorkOrder, actor: Principal | None = None) -> OrderBrief:
    title = service.order_text(actor, order)[0] if actor is not None else order.title
    return OrderBrief(number=order.number, status=order.status, status_name=STATUS_NAMES[order.status],
                      title=title, appeal_type=order.appeal_type,
                      lead_unit=order.lead_unit.name if order.lead_unit else None,
                      registered_at=order.registered_at, due_at=order.due_at,
                      deadline_state=service.deadline_state(session, order), urgency=order.urgency,
                      is_enterprise=order.is_enterprise)


def _intake_data(body: IntakeIn | PublicIntakeIn, channel: str | None = None) -> service.IntakeData:
    fields = body.model_dump()
    if channel is not None:
        fields["channel"] = channel
    return service.IntakeData(**fields)


@router.post("/work-orders", response_model=IntakeOut, status_code=201, responses=ERRORS)
async def intake(
    body: IntakeIn, request: Request, response: Response, principal: CurrentPrincipal,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> IntakeOut:
    """Register an appeal. Send an ``Idempotency-Key`` header to make retries safe: the same
    key and body return the order created the first time (200), a different body 409.

    The order is planned here, on the event loop, and written by the process's intake
    writer together with whatever other intakes are waiting (group commit,
    docs/adr/0007-group-commit.md); the answer comes after that commit. Planning reads
    reference data from the caches, or on a miss through the read engine, which never waits
    for a writer: the loop cannot stall behind the write lock."""
    state = request.app.state
    with state.read_factory() as reader:
        plan = service.plan_intake(reader, principal, _intake_data(body), idempotency_key=idempotency_key)
        reader.rollback()
    writer: GroupCommitter[service.IntakePlan, service.IntakeResult] = state.intake_writer
    try:
        result = await asyncio.wrap_future(writer.submit(plan))
    except IntegrityError:
        # The same Idempotency-Key raced in through another process: the replay now finds it.
        result = await asyncio.wrap_future(writer.submit(plan))
    if not result.created:
        response.status_code = 200
        return await run_in_threadpool(_replayed_intake, state.session_factory, result.work_order_id)
    return _planned_intake_out(result)


def _planned_intake_out(result: service.IntakeResult) -> IntakeOut:
    plan, values, direct = result.plan, result.plan.values, result.plan.direct
    units = [(direct.lead, AssignmentRole.lead), *((u, AssignmentRole.copy) for u in direct.copies)] if direct else []
    return IntakeOut(
        number=result.number, status=values["status"], status_name=STATUS_NAMES[values["status"]], version=1,
        appeal_type=values["appeal_type"], urgency=values["urgency"], lead_unit_id=values["lead_unit_id"],
        lead_unit=direct.lead.name if direct else None, direct_dispatch=direct is not None,
        registered_at=plan.now, dispatched_at=values["dispatched_at"], dispatch_seconds=values["dispatch_seconds"],
        due_at=values["due_at"], due_covered=values["due_covered"], deadline_state=plan.deadline_state,
        closed_at=values["closed_at"], answer=values["answer"], created=True, merged_into=result.merged_into,
        assignments=[AssignmentOut(unit_id=u.id, unit_name=u.name, role=role, state=AssignmentState.active.value,
                                   assigned_at=plan.now, signed_at=None, contribution=None) for u, role in units],
    )


def _replayed_intake(factory: SessionFactory, order_id: int) -> IntakeOut:
    with transaction(factory) as db:
        return _order_intake_out(db, order_id)


def _order_intake_out(db: Session, order_id: int) -> IntakeOut:
    order = db.get(WorkOrder, order_id)
    assert order is not None
    out = IntakeOut(
        number=order.number, status=order.status, status_name=STATUS_NAMES[order.status], version=order.version,
        appeal_type=order.appeal_type, urgency=order.urgency, lead_unit_id=order.lead_unit_id,
        lead_unit=order.lead_unit.name if order.lead_unit else None, direct_dispatch=order.direct_rule_id is not None,
        registered_at=order.registered_at, dispatched_at=order.dispatched_at, dispatch_seconds=order.dispatch_seconds,
        due_at=order.due_at, due_covered=order.due_covered, deadline_state=service.deadline_state(db, order),
        closed_at=order.closed_at, answer=order.answer, created=False,
        merged_into=repository.number_of(db, order.merged_into_id) if order.merged_into_id else None,
        assignments=[_assignment_out(a) for a in order.assignments] if order.dispatched_at else [],
    )
    return out


@router.get("/work-orders", response_model=list[OrderBrief], responses=ERRORS)
def list_orders(
    principal: CurrentPrincipal, db: Db, response: Response,
    status: Status | None = None,
    open_only: bool = False,
    inbox: Annotated[bool, Query(description="Only the caller's unit's active assignments")] = False,
    q: Annotated[str | None, Query(max_length=100)] = None,
    enterprise: Annotated[bool | None, Query(description="true: enterprises' appeals only; false: citizens'")] = None,
    uscc: Annotated[str | None, Query(max_length=18, description="An enterprise's credit code, exactly")] = None,
    enterprise_name: Annotated[str | None, Query(max_length=100, description="Part of the enterprise's name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[OrderBrief]:
    """Orders in the caller's scope. The dispatchers' queue (``status=registered``) and a
    unit's inbox (``inbox=true``) list enterprises' appeals first (涉企诉求绿色通道)."""
    access.require(principal, Cap.view_orders)
    rows, total = repository.search(
        db, lambda s: access.order_scope(principal, s),
        repository.OrderFilter(status=status, open_only=open_only, q=q,
                               q_in_confidential=not service.hides_reporters(principal),
                               unit_id=principal.unit_id if inbox else None,
                               enterprise=enterprise, uscc=(uscc or "").strip().upper() or None,
                               enterprise_name=(enterprise_name or "").strip() or None,
                               enterprise_first=inbox or status == Status.registered),
        limit=limit, offset=offset,
    )
    response.headers["X-Total-Count"] = str(total)
    return [brief(db, o, principal) for o in rows]


@router.get("/work-orders/{number}", response_model=OrderOut, responses=ERRORS)
def get_order(number: str, principal: CurrentPrincipal, db: Db) -> OrderOut:
    return order_out(db, principal, access.access_work_order(db, principal, number))


@router.post("/work-orders/{number}/citizen/reveal", response_model=CitizenBrief,
             responses={**ERRORS, 429: {"description": "Too many reads"}})
def reveal_citizen(number: str, body: RevealIn, principal: CurrentPrincipal, db: Db) -> CitizenBrief:
    """查看联系方式: a handling unit sees the caller's name and phone for this order, stating
    why; audited (``pii.revealed``) and counted as a read of the register. 403 for other roles
    and for the reporter of a confidential report."""
    order = access.access_work_order(db, principal, number)
    shown = service.reveal_citizen(db, principal, order, reason=body.reason)
    return CitizenBrief(name=shown.name, phone=shown.phone, masked=False)


@router.get("/work-orders/{number}/timeline", response_model=list[TimelineEntry], responses=ERRORS)
def get_timeline(number: str, principal: CurrentPrincipal, db: Db) -> list[TimelineEntry]:
    order = access.access_work_order(db, principal, number)
    return [TimelineEntry(at=e.at, event=e.action, label=timeline.staff_label(e.action), actor=e.actor_name,
                          detail={k: v for k, v in e.detail.items() if k not in ("number", "status")})
            for e in repository.events(db, order.id)]


@router.get("/work-orders/{number}/suggestions", response_model=list[SuggestionOut], responses=ERRORS)
def suggestions(number: str, principal: CurrentPrincipal, db: Db) -> list[SuggestionOut]:
    order = access.access_work_order(db, principal, number)
    access.require(principal, Cap.dispatch)
    return [SuggestionOut(unit_id=s.unit.id, unit_name=s.unit.name, reason=s.reason)
            for s in service.suggest_units(db, order)]


def _act(db: Session, principal: Principal, number: str) -> WorkOrder:
    return access.access_work_order(db, principal, number)


@router.post("/work-orders/{number}/dispatch", response_model=OrderOut, responses=ERRORS)
def dispatch(number: str, body: DispatchIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.dispatch(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/merge", response_model=OrderOut, responses=ERRORS)
def merge(number: str, body: MergeIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    """并案: merge duplicates (orders awaiting dispatch) into this order; they are answered
    with its reply and called back each on their own."""
    parent = _act(db, principal, number)
    children = [_act(db, principal, n[:30]) for n in dict.fromkeys(body.numbers)]
    service.merge(db, principal, parent, children, version=body.version)
    return order_out(db, principal, parent)


@router.post("/work-orders/{number}/unmerge", response_model=OrderOut, responses=ERRORS)
def unmerge(number: str, body: VersionIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    """Take a merged order out of its group: it waits for dispatch again."""
    order = service.unmerge(db, principal, _act(db, principal, number), version=body.version)
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/transfer", response_model=OrderOut, responses=ERRORS)
def transfer(number: str, body: TransferIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.transfer(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/sign", response_model=OrderOut, responses=ERRORS)
def sign(number: str, body: VersionIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.sign(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/assist", response_model=OrderOut, responses=ERRORS)
def assist(number: str, body: AssistIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.submit_assist(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/return", response_model=OrderOut, responses=ERRORS)
def return_order(number: str, body: ReturnIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.return_order(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/return/reject", response_model=OrderOut, responses=ERRORS)
def reject_return(number: str, body: ReasonIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.reject_return(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/coordination", response_model=OrderOut, status_code=201, responses=ERRORS)
def open_coordination(number: str, body: CoordinationIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = _act(db, principal, number)
    service.open_coordination(db, principal, order, **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/coordination/decide", response_model=OrderOut, responses=ERRORS)
def decide_coordination(number: str, body: DecisionIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.decide_coordination(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/extension", response_model=OrderOut, status_code=201, responses=ERRORS)
def request_extension(number: str, body: ExtensionIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = _act(db, principal, number)
    service.request_extension(db, principal, order, **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/extension/decide", response_model=OrderOut, responses=ERRORS)
def decide_extension(number: str, body: ExtensionDecisionIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = _act(db, principal, number)
    service.decide_extension(db, principal, order, **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/reply", response_model=OrderOut, responses=ERRORS)
def reply(number: str, body: ReplyIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = _act(db, principal, number)
    service.reply(db, principal, order, **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/review", response_model=OrderOut, responses=ERRORS)
def review(number: str, body: ReviewIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.review_reply(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


@router.post("/work-orders/{number}/callback", response_model=OrderOut, responses=ERRORS)
def callback(number: str, body: CallbackIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = _act(db, principal, number)
    service.record_callback(db, principal, order, **body.model_dump())
    return order_out(db, principal, order)


class BulkIn(BaseModel):
    action: str = Field(description="dispatch, sign, accept, unreachable or merge")
    numbers: list[str] = Field(min_length=1, max_length=200)
    lead_unit_id: int | None = Field(default=None, description="dispatch: the lead unit of every order")
    main: str | None = Field(default=None, max_length=20, description="merge: the main order's number")
    note: str | None = Field(default=None, max_length=500)
    all_or_nothing: bool = Field(default=False, description="true: one refusal undoes them all (409)")


class BulkOutcomeOut(BaseModel):
    number: str
    ok: bool
    status: int
    message: str


class BulkOut(BaseModel):
    action: str
    applied: bool
    succeeded: int
    failed: int
    results: list[BulkOutcomeOut]


@router.post("/work-orders/bulk", response_model=BulkOut, responses={**ERRORS, 409: {
    "description": "all_or_nothing and at least one order was refused: nothing was changed (results say why)"}})
def bulk(body: BulkIn, principal: CurrentPrincipal, db: Db, response: Response) -> BulkOut:
    """One action on many orders, each through its own lifecycle rules; the result lists per
    order what was done and what was refused (with the status a single action would return)."""
    result = bulk_actions.run(db, principal, body.action, body.numbers, all_or_nothing=body.all_or_nothing,
                              params={"lead_unit_id": body.lead_unit_id, "main": body.main, "note": body.note})
    if not result.applied:
        response.status_code = 409
    return BulkOut(action=result.action, applied=result.applied, succeeded=result.succeeded, failed=result.failed,
                   results=[BulkOutcomeOut(number=o.number, ok=o.ok, status=o.status, message=o.message)
                            for o in result.outcomes])


class UrgeIn(BaseModel):
    note: str | None = Field(default=None, max_length=200, description="what the caller said")


@router.post("/work-orders/{number}/urge", response_model=OrderOut, responses=ERRORS)
def urge(number: str, body: UrgeIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    """催办: the caller asks again about this order (a merged duplicate urges its main order,
    which is returned). 409 for a closed or withdrawn order."""
    order = service.urge(db, principal, access.access_work_order(db, principal, number), note=body.note)
    return order_out(db, principal, order)


class NoteIn(BaseModel):
    text: str = Field(max_length=1000, description="the note; @username names a colleague who may see the order")


class NoteOut(BaseModel):
    ref: str
    author: str
    text: str
    created_at: dt.datetime


@router.get("/work-orders/{number}/notes", response_model=list[NoteOut], responses=ERRORS)
def list_notes(number: str, principal: CurrentPrincipal, db: Db) -> list[NoteOut]:
    order = access.access_work_order(db, principal, number)
    return [NoteOut(ref=n.ref, author=n.author_name, text=n.text, created_at=n.created_at)
            for n in service.notes(db, order)]


@router.post("/work-orders/{number}/notes", response_model=NoteOut, status_code=201, responses=ERRORS)
def add_note(number: str, body: NoteIn, principal: CurrentPrincipal, db: Db) -> NoteOut:
    """An internal note (not shown to the citizen); mentioned colleagues find it in their inbox."""
    note = service.add_note(db, principal, access.access_work_order(db, principal, number), text=body.text)
    return NoteOut(ref=note.ref, author=note.author_name, text=note.text, created_at=note.created_at)


# --- the agent's drafts (暂存草稿) -----------------------------------------------------------------


class DraftIn(BaseModel):
    """The console form as it stands; nothing is checked but each field's length."""

    channel: str | None = Field(default=None, max_length=32)
    appeal_type: str | None = Field(default=None, max_length=32)
    title: str | None = Field(default=None, max_length=100)
    content: str | None = Field(default=None, max_length=5000)
    phone: str | None = Field(default=None, max_length=30)
    name: str | None = Field(default=None, max_length=50)
    category_code: str | None = Field(default=None, max_length=16)
    region_code: str | None = Field(default=None, max_length=12)
    address: str | None = Field(default=None, max_length=300)
    urgency: str | None = Field(default=None, max_length=16)
    enterprise_name: str | None = Field(default=None, max_length=100)
    uscc: str | None = Field(default=None, max_length=18)
    is_confidential: bool = False
    is_enterprise: bool = False


class DraftOut(BaseModel):
    ref: str
    fields: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


def _draft_out(draft: IntakeDraft) -> DraftOut:
    return DraftOut(ref=draft.ref, fields=drafts.fields_of(draft), created_at=draft.created_at,
                    updated_at=draft.updated_at)


DraftRef = Annotated[str, PathParam(max_length=32)]


@router.get("/intake-drafts", response_model=list[DraftOut], responses=ERRORS)
def list_drafts(principal: CurrentPrincipal, db: Db) -> list[DraftOut]:
    """The caller's own drafts, the latest saved first."""
    return [_draft_out(d) for d in drafts.drafts(db, principal)]


@router.post("/intake-drafts", response_model=DraftOut, status_code=201, responses=ERRORS)
def save_draft(body: DraftIn, principal: CurrentPrincipal, db: Db) -> DraftOut:
    """Keep a console form before it is registered (at most 20 drafts per agent: 409)."""
    return _draft_out(drafts.save(db, principal, body.model_dump()))


@router.get("/intake-drafts/{ref}", response_model=DraftOut, responses=ERRORS)
def get_draft(ref: DraftRef, principal: CurrentPrincipal, db: Db) -> DraftOut:
    return _draft_out(drafts.mine(db, principal, ref))


@router.put("/intake-drafts/{ref}", response_model=DraftOut, responses=ERRORS)
def update_draft(ref: DraftRef, body: DraftIn, principal: CurrentPrincipal, db: Db) -> DraftOut:
    return _draft_out(drafts.save(db, principal, body.model_dump(), ref=ref))


@router.delete("/intake-drafts/{ref}", status_code=204, responses=ERRORS)
def delete_draft(ref: DraftRef, principal: CurrentPrincipal, db: Db) -> Response:
    drafts.delete(db, principal, ref)
    return Response(status_code=204)


@router.post("/work-orders/{number}/withdraw", response_model=OrderOut, responses=ERRORS)
def withdraw(number: str, body: WithdrawIn, principal: CurrentPrincipal, db: Db) -> OrderOut:
    order = service.withdraw(db, principal, _act(db, principal, number), **body.model_dump())
    return order_out(db, principal, order)


# --- the public ------------------------------------------------------------------------------


def public_out(db: Session, order: WorkOrder) -> PublicOrderOut:
    entries = []
    for e in repository.events(db, order.id):
        label = timeline.citizen_label(e.action)
        if label is not None:
            entries.append(PublicTimelineEntry(at=e.at, label=label, text=e.detail.get("public")))
    accepted = repository.latest_accepted_reply(db, order.id)
    files = [PublicAttachmentOut(file_name=a.file_name, content_type=a.content_type, from_citizen=a.context == "public",
                                 url=attachments.public_link(a.ref),
                                 thumbnail_url=attachments.public_link(a.ref, thumbnail=True) if a.thumb_key else None)
             for a in attachments.of_order(db, order, public_only=True)]
    return PublicOrderOut(
        number=order.number, status_name=STATUS_NAMES[order.status], title=order.title,
        registered_at=order.registered_at, closed_at=order.closed_at,
        reply=order.answer or (accepted.text if accepted else None), timeline=entries,
        can_withdraw=order.status in (Status.registered, Status.dispatched), attachments=files,
    )


PUBLIC_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many requests: wait the seconds in Retry-After"}}
PUBLIC_PAIR: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such order for this phone"}, 422: {"description": "Invalid field"}, **PUBLIC_LIMITED}


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@contextmanager
def _counted(db: Session) -> Iterator[None]:
    """A counted refusal (a wrong pair, a wrong code) keeps its count: commit, then answer."""
    try:
        yield
    except selfservice.Counted:
        db.commit()
        raise


@public_router.post("/public/appeals", response_model=PublicSubmissionOut, status_code=202,
                    responses={422: {"description": "Invalid field"}, **PUBLIC_LIMITED})
def public_intake(body: PublicIntakeIn, request: Request, db: Db) -> PublicSubmissionOut:
    """Self-service submission (网上自助下单), step 1: the appeal is checked and kept, and a
    code is texted to its phone; nothing else happens until the code comes back through
    ``POST /public/appeals/confirm``. Limited per client address and per phone (429)."""
    pending = selfservice.submit(db, _intake_data(body, channel="web"), client=_client_address(request))
    minutes = selfservice.limits().code_ttl.total_seconds() // 60
    return PublicSubmissionOut(token=pending.token, phone=pending.masked_phone, expires_at=pending.expires_at,
                               message=f"验证码已发送至 {pending.masked_phone}，{minutes:.0f}分钟内有效",
                               demo_code=pending.demo_code)


@public_router.post("/public/appeals/confirm", response_model=PublicOrderOut, status_code=201,
                    responses={200: {"description": "Confirmed before: the same order", "model": PublicOrderOut},
                               403: {"description": "Wrong code (counted), expired or void"},
                               404: {"description": "No such submission"}, 422: {"description": "Invalid field"}})
def public_confirm(body: PublicConfirmIn, response: Response, db: Db) -> PublicOrderOut:
    """Step 2: the right code files the appeal as an order (201, with its number); a retry
    with the same token and code returns the same order (200). Five wrong codes void it."""
    with _counted(db):
        order, created = selfservice.confirm(db, token=body.token, code=body.code)
    if not created:
        response.status_code = 200
    return public_out(db, order)


@public_router.get("/public/appeals/{number}", response_model=PublicOrderOut, responses=PUBLIC_PAIR)
def public_lookup(number: str, request: Request, db: Db,
                  phone: Annotated[str, Query(max_length=30)]) -> PublicOrderOut:
    """Follow an order with its number and phone. Limited per client address; wrong pairs
    lock the number for the hour (429)."""
    with _counted(db):
        order = selfservice.lookup(db, number=number, phone=phone, client=_client_address(request))
    return public_out(db, order)


@public_router.post("/public/appeals/{number}/withdraw/code", response_model=PublicNoticeOut, status_code=202,
                    responses={422: {"description": "Invalid field"}, **PUBLIC_LIMITED})
def public_withdrawal_code(number: str, body: PublicWithdrawCodeIn, request: Request, db: Db) -> PublicNoticeOut:
    """Text a withdrawal code to the order's phone. The answer is the same whether or not the
    number and phone matched."""
    sent = selfservice.send_withdrawal_code(db, number=number, phone=body.phone, client=_client_address(request))
    return PublicNoticeOut(message=sent.message, demo_code=sent.demo_code)


@public_router.post("/public/appeals/{number}/withdraw", response_model=PublicOrderOut,
                    responses={**PUBLIC_PAIR, 403: {"description": "No code asked for, or a wrong code (counted)"},
                               409: {"description": "Too late"}})
def public_withdraw(number: str, body: PublicWithdrawIn, request: Request, db: Db) -> PublicOrderOut:
    with _counted(db):
        order = selfservice.withdraw(db, number=number, phone=body.phone, code=body.code, reason=body.reason,
                                     client=_client_address(request))
    return public_out(db, order)
