"""After the reply: review (认定), callback (回访), rehandling, closing and withdrawal."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict, InvalidInput
from hotline.notify import service as notify
from hotline.workorder import repository
from hotline.workorder.lifecycle import Action, Status
from hotline.workorder.models import AssignmentRole, AssignmentState, Callback, Decision, Verdict, WorkOrder
from hotline.workorder.service._common import _cst, _event, _expect_version, _lead, _set_deadlines, _transition
from hotline.workorder.service.merge import _share_reply

#: Unreached callback attempts in one round before the order is closed as unreachable.
MAX_CALLBACK_ATTEMPTS = 3


def review_reply(session: Session, actor: Principal, order: WorkOrder, *, accept: bool, reason: str | None = None,
                 version: int | None = None) -> WorkOrder:
    """答复认定: an accepted reply goes to the citizen (SMS) and the callback queue; a rejected
    one goes back to the unit with the reason."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    pending = repository.pending_reply(session, order.id)
    if pending is None:
        raise Conflict("没有待审核的答复")
    note = validate.text(reason, "reason", max_length=500, required=not accept)
    now = clock.now()
    pending.reviewed_by_id, pending.reviewed_at, pending.review_reason = actor.user_id, now, note
    if accept:
        _transition(order, Action.accept_reply)
        pending.review = Decision.accepted
        order.final_result = pending.result
        lead = _lead(order)
        lead.state = AssignmentState.done
        _event(session, actor, order, "reply_accepted", public=pending.text)
        citizen = repository.citizen_of(session, order)
        if citizen is not None:
            notify.notify(session, template="order_replied", recipient_kind="citizen", phone=citizen.phone,
                          body=notify.render("order_replied", number=order.number, reply=pending.text),
                          work_order_id=order.id)
        _share_reply(session, actor, order, pending)
    else:
        _transition(order, Action.reject_reply)
        pending.review = Decision.rejected
        _event(session, actor, order, "reply_rejected", note=note, unit_id=order.lead_unit_id)
    return order


def record_callback(session: Session, actor: Principal, order: WorkOrder, *, reached: bool,
                    resolved: bool | None = None, verdict: Verdict | None = None, unit_fault: bool = False,
                    note: str | None = None, version: int | None = None) -> Callback:
    """回访. Unreached: another attempt later (closed as unreachable after three). Satisfied or
    basically satisfied: close. First dissatisfied: back to the same unit to re-handle, with a
    new deadline. Dissatisfied again: close and mark the order for supervision."""
    access.require_centre_of(actor, order, Cap.callback)
    _expect_version(order, version)
    if order.status != Status.callback:
        raise Conflict(f"工单不在待回访状态（当前：{order.status.value}）", status=order.status.value)
    text = validate.text(note, "note", max_length=500, required=False)
    if reached and verdict is None:
        raise InvalidInput("verdict", "接通后须记录满意度")
    if reached and resolved is None:
        raise InvalidInput("resolved", "接通后须记录是否解决")
    now = clock.now()
    round_ = order.rehandle_count + 1
    attempt = Callback(work_order_id=order.id, round=round_, agent_id=actor.user_id, at=now, reached=reached,
                       resolved=resolved if reached else None, verdict=verdict if reached else None,
                       unit_fault=unit_fault if reached else False, note=text)
    session.add(attempt)
    session.flush()
    if not reached:
        tries = len([c for c in repository.callbacks(session, order.id, round_) if not c.reached])
        _event(session, actor, order, "callback_unreached", attempt=tries, note=text)
        if tries >= MAX_CALLBACK_ATTEMPTS:
            _close(session, actor, order, note=f"{MAX_CALLBACK_ATTEMPTS} 次回访未接通，按未回访办结")
        return attempt
    assert verdict is not None
    _event(session, actor, order, "callback_recorded", verdict=verdict.value, resolved=resolved,
           unit_fault=unit_fault, note=text, unit_id=order.lead_unit_id)
    if verdict != Verdict.dissatisfied:
        order.final_verdict = verdict
        _close(session, actor, order, note=None)
        return attempt
    order.dissatisfied_count += 1
    if order.dissatisfied_count == 1:
        _rehandle(session, actor, order, note=text)
    else:
        order.final_verdict = verdict
        order.supervision_flag = True
        order.supervision_reason = "二次回访不满意" + ("（承办单位责任）" if unit_fault else "")
        _event(session, actor, order, "supervision_flagged", reason=order.supervision_reason, unit_fault=unit_fault,
               unit_id=order.lead_unit_id)
        _close(session, actor, order, note=order.supervision_reason)
    return attempt


def _rehandle(session: Session, actor: Principal, order: WorkOrder, *, note: str | None) -> None:
    _transition(order, Action.rehandle)
    order.rehandle_count += 1
    lead = next((a for a in reversed(order.assignments) if a.role == AssignmentRole.lead
                 and a.state != AssignmentState.revoked), None)
    if lead is None:
        raise Conflict("找不到原主办单位")
    lead.state = AssignmentState.active
    now = clock.now()
    _set_deadlines(session, order, now, direct=False)
    _event(session, actor, order, "rehandle", unit=lead.unit.name, unit_id=lead.unit_id, note=note,
           due_at=order.due_at.isoformat() if order.due_at else None)
    notify.notify_unit(session, template="unit_new_order", phone=lead.unit.contact_phone,
                       body=notify.render("unit_new_order", number=order.number, sign_due=_cst(order.sign_due_at)),
                       work_order_id=order.id, unit_id=lead.unit_id)


def _close(session: Session, actor: Principal | None, order: WorkOrder, *, note: str | None) -> None:
    _transition(order, Action.close)
    order.closed_at = clock.now()
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.done
    _event(session, actor, order, "closed", note=note, unit_id=order.lead_unit_id)


def withdraw(session: Session, actor: Principal | None, order: WorkOrder, *, reason: str | None = None,
             version: int | None = None) -> WorkOrder:
    """The citizen withdraws the appeal before the unit starts handling it. ``actor`` is the
    agent taking the request, or None when the citizen does it on the public page (after
    proving the phone number)."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.intake)
    _expect_version(order, version)
    _transition(order, Action.withdraw)
    order.closed_at = clock.now()
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.revoked
    _event(session, actor, order, "withdrawn", actor_name=None if actor else "citizen",
           note=validate.text(reason, "reason", max_length=500, required=False))
    for child in repository.merged_children(session, order.id):  # the others' appeals still stand
        _transition(child, Action.unmerge)
        child.merged_into_id = None
        _event(session, actor, child, "unmerged", actor_name=None if actor else "system", parent=order.number,
               note="主工单已撤回")
    return order
