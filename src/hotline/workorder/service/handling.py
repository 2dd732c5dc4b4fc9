"""The unit's work (签收/办理): sign, assist, return, coordination, extension, reply."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, Forbidden, InvalidInput
from hotline.workorder import repository, sla
from hotline.workorder.lifecycle import Action, Status
from hotline.workorder.models import (
    AssignmentRole,
    AssignmentState,
    CoordinationCase,
    Decision,
    Extension,
    Reply,
    ReplyResult,
    ReturnRequest,
    WorkOrder,
)
from hotline.workorder.service._common import (
    COORDINATION_WORKING_DAYS,
    _calendar,
    _dispatch,
    _event,
    _expect_version,
    _lead,
    _transition,
    _units,
)


def sign(session: Session, actor: Principal, order: WorkOrder, *, version: int | None = None) -> WorkOrder:
    access.require_unit_of(actor, order)
    _expect_version(order, version)
    _transition(order, Action.sign)
    now = clock.now()
    _lead(order).signed_at = now
    order.signed_at = order.signed_at or now
    on_time = order.sign_due_at is None or now <= order.sign_due_at
    _event(session, actor, order, "signed", unit=actor.unit_name, unit_id=actor.unit_id, on_time=on_time)
    return order


def submit_assist(session: Session, actor: Principal, order: WorkOrder, *, text: str) -> WorkOrder:
    """An assisting unit hands its part to the lead unit."""
    access.require_unit_of(actor, order, lead=False)
    mine = next(a for a in order.assignments if a.unit_id == actor.unit_id and a.state == AssignmentState.active)
    if mine.role != AssignmentRole.assist:
        raise Forbidden("只有协办单位提交协办意见")
    if order.status not in (Status.dispatched, Status.handling):
        raise Conflict("工单已不在办理中")
    mine.contribution = validate.text(text, "text", max_length=5000)
    mine.contributed_at = clock.now()
    mine.state = AssignmentState.done
    _event(session, actor, order, "assist_submitted", unit=actor.unit_name, note=mine.contribution)
    return order


def return_order(session: Session, actor: Principal, order: WorkOrder, *, reason: str,
                 suggested_unit_id: int | None = None, version: int | None = None) -> WorkOrder:
    """The lead unit claims the order is not its duty (退单), with a reason."""
    access.require_unit_of(actor, order)
    _expect_version(order, version)
    text = validate.text(reason, "reason", max_length=500) or ""
    if suggested_unit_id is not None:
        _units(session, [suggested_unit_id], "suggested_unit_id")
    _transition(order, Action.return_)
    order.return_count += 1
    session.add(ReturnRequest(work_order_id=order.id, unit_id=actor.unit_id, reason=text,
                              suggested_unit_id=suggested_unit_id, created_by_id=actor.user_id,
                              created_at=clock.now()))
    _event(session, actor, order, "returned", unit=actor.unit_name, unit_id=actor.unit_id, note=text,
           return_count=order.return_count)
    return order


def reject_return(session: Session, actor: Principal, order: WorkOrder, *, reason: str,
                  version: int | None = None) -> WorkOrder:
    """The centre rejects the return as unjustified (无理退单): the same unit must handle it,
    and the rejection counts against that unit."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    pending = repository.pending_return(session, order.id)
    if pending is None:
        raise Conflict("没有待审核的退单")
    text = validate.text(reason, "reason", max_length=500) or ""
    _transition(order, Action.reject_return)
    now = clock.now()
    pending.decision, pending.unjustified, pending.decision_note = "rejected", True, text
    pending.decided_by_id, pending.decided_at = actor.user_id, now
    order.unjustified_return_count += 1
    lead = _lead(order)
    lead.signed_at = None
    _event(session, actor, order, "return_rejected", unit=lead.unit.name, unit_id=lead.unit_id, note=text)
    return order


def open_coordination(session: Session, actor: Principal, order: WorkOrder, *, candidate_unit_ids: list[int],
                      note: str | None = None, version: int | None = None) -> CoordinationCase:
    """A return the centre cannot place opens a coordination case due in 3 working days."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    pending = repository.pending_return(session, order.id)
    candidates = _units(session, candidate_unit_ids, "candidate_unit_ids")
    if len(candidates) < 2:
        raise InvalidInput("candidate_unit_ids", "请列出至少两个存在争议的单位")
    _transition(order, Action.coordinate)
    now = clock.now()
    if pending is not None:
        pending.decision, pending.decided_by_id, pending.decided_at = "coordinating", actor.user_id, now
    due = _calendar(session).add_working_days(now, COORDINATION_WORKING_DAYS)
    case = CoordinationCase(work_order_id=order.id, candidate_unit_ids=[u.id for u in candidates],
                            note=validate.text(note, "note", max_length=500, required=False),
                            opened_by_id=actor.user_id, opened_at=now, due_at=due.at)
    session.add(case)
    session.flush()
    _event(session, actor, order, "coordination_opened", case_id=case.id, units=[u.name for u in candidates],
           due_at=due.at.isoformat(), note=case.note)
    return case


def decide_coordination(session: Session, actor: Principal, order: WorkOrder, *, unit_id: int, note: str,
                        version: int | None = None) -> WorkOrder:
    """The coordination decision names the competent unit, which must take the order."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    case = repository.open_coordination(session, order.id)
    if case is None:
        raise Conflict("没有进行中的协调")
    unit = _units(session, [unit_id], "unit_id")[0]
    text = validate.text(note, "note", max_length=500) or ""
    case.decided_unit_id, case.decision_note = unit.id, text
    case.decided_by_id, case.decided_at = actor.user_id, clock.now()
    _dispatch(session, actor, order, unit, [], [], note=f"协调裁定：{text}", action=Action.decide)
    _event(session, actor, order, "coordination_decided", unit=unit.name, unit_id=unit.id, note=text)
    return order


def request_extension(session: Session, actor: Principal, order: WorkOrder, *, working_days: int,
                      reason: str) -> Extension:
    access.require_unit_of(actor, order)
    if order.status != Status.handling:
        raise Conflict("只有办理中的工单可以申请延期", status=order.status.value)
    if repository.pending_extension(session, order.id) is not None:
        raise Conflict("已有待审批的延期申请")
    if not 1 <= working_days <= 30:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    ext = Extension(work_order_id=order.id, unit_id=actor.unit_id, working_days=working_days,
                    reason=validate.text(reason, "reason", max_length=500) or "", created_by_id=actor.user_id,
                    created_at=clock.now())
    session.add(ext)
    session.flush()
    _event(session, actor, order, "extension_requested", unit=actor.unit_name, working_days=working_days,
           note=ext.reason)
    return ext


def decide_extension(session: Session, actor: Principal, order: WorkOrder, *, approve: bool,
                     working_days: int | None = None, note: str | None = None) -> Extension:
    """Approve (with the requested or a different number of working days) or refuse."""
    access.require_centre_of(actor, order, Cap.dispatch)
    ext = repository.pending_extension(session, order.id)
    if ext is None:
        raise Conflict("没有待审批的延期申请")
    text = validate.text(note, "note", max_length=500, required=False)
    now = clock.now()
    ext.decided_by_id, ext.decided_at, ext.decision_note = actor.user_id, now, text
    if not approve:
        ext.decision = Decision.rejected
        _event(session, actor, order, "extension_refused", note=text)
        return ext
    days = working_days if working_days is not None else ext.working_days
    if not 1 <= days <= 30:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    base = order.due_at or now
    due = sla.extended_due(_calendar(session), base, days)
    ext.decision, ext.new_due_at = Decision.accepted, due.at
    order.due_at, order.due_covered = due.at, order.due_covered and due.covered
    order.due_soon_warned_at = order.overdue_at = None
    order.extension_count += 1
    _event(session, actor, order, "extension_approved", working_days=days, due_at=due.at.isoformat(), note=text)
    return ext


def reply(session: Session, actor: Principal, order: WorkOrder, *, result: ReplyResult, text: str,
          attachments: list[dict[str, Any]] | None = None, version: int | None = None) -> Reply:
    """The lead unit's answer: resolved, partly resolved or not resolved (with explanation)."""
    access.require_unit_of(actor, order)
    _expect_version(order, version)
    body = validate.text(text, "text", max_length=5000) or ""
    _transition(order, Action.reply)
    now = clock.now()
    answer = Reply(work_order_id=order.id, unit_id=actor.unit_id, author_id=actor.user_id, result=result,
                   text=body, attachments=attachments or [], created_at=now)
    session.add(answer)
    order.replied_at = now
    session.flush()
    on_time = order.due_at is None or now <= order.due_at
    _event(session, actor, order, "replied", unit=actor.unit_name, unit_id=actor.unit_id, result=result.value,
           reply_id=answer.id, on_time=on_time)
    return answer
