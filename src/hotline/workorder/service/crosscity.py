"""Cross-city transfer (跨市转办, S4 川南四市 一键转办): what federation may do to an order.

The federation package (``hotline.integration.federation``) reaches the order only through
these functions: the origin sends an order to a peer platform (``transferred_out``, off its
own deadline), takes it back when the peer refuses it or it cannot be delivered, records the
peer's progress on the timeline and closes it when the peer closes it; the receiving side
sends an order that is not its city's back. Every step records an event."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, crypto, validate
from hotline.workorder import repository
from hotline.workorder.lifecycle import STATUS_NAMES, Action, apply
from hotline.workorder.models import AssignmentState, ReplyResult, Verdict, WorkOrder
from hotline.workorder.service._common import _event, _expect_version, _transition


def check_transfer_out(actor: Principal, order: WorkOrder, *, version: int | None = None) -> None:
    """The checks of :func:`transfer_out` without the change (409 when the status forbids it)."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    apply(order.status, Action.transfer_out)


def transfer_out(session: Session, actor: Principal, order: WorkOrder, *, peer: str, reason: str,
                 version: int | None = None) -> WorkOrder:
    """A dispatcher sends the order to the peer platform ``peer``: it leaves the unit it was
    with (a returned order) and its own deadline; the peer's deadline is shown instead."""
    check_transfer_out(actor, order, version=version)
    pending = repository.pending_return(session, order.id)
    if pending is not None:
        pending.decision, pending.decided_by_id, pending.decided_at = "redispatched", actor.user_id, clock.now()
    _transition(order, Action.transfer_out)
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.revoked
    order.due_at = order.sign_due_at = None
    order.due_soon_warned_at = order.overdue_at = None
    order.due_covered = True
    _event(session, actor, order, "transferred_out", peer=peer, note=reason)
    return order


def take_back(session: Session, order: WorkOrder, *, peer: str, reason: str) -> WorkOrder:
    """The peer refused the order (not its territory) or it could not be delivered: it is
    back in the dispatcher's queue, with the reason on the timeline."""
    _transition(order, Action.take_back)
    order.lead_unit_id, order.lead_unit = None, None
    _event(session, None, order, "transfer_returned", actor_name="system", peer=peer,
           note=validate.text(reason, "reason", max_length=500, required=False) or "对方平台退回")
    return order


def record_peer_progress(session: Session, order: WorkOrder, *, peer: str, note: str,
                         peer_status: str | None = None, peer_due_at: dt.datetime | None = None) -> None:
    """A step taken on the peer (dispatched, signed, replied, callback …) on the origin's timeline."""
    _event(session, None, order, "peer_progress", actor_name="system", peer=peer, note=note[:500],
           peer_status=peer_status, peer_due_at=peer_due_at.isoformat() if peer_due_at else None)


def close_by_peer(session: Session, order: WorkOrder, *, peer: str, answer: str | None, result: str | None,
                  verdict: str | None) -> WorkOrder:
    """The peer closed the order: the origin closes it with the peer's answer and the
    citizen's verdict as the peer recorded them."""
    _transition(order, Action.peer_close)
    order.closed_at = clock.now()
    if answer:
        order.answer = answer[:5000]
    if result in {r.value for r in ReplyResult}:
        order.final_result = ReplyResult(result)
    if verdict in {v.value for v in Verdict}:
        order.final_verdict = Verdict(verdict)
    _event(session, None, order, "closed", actor_name="system", note=f"{peer}办结", peer=peer)
    return order


def send_back(session: Session, actor: Principal, order: WorkOrder, *, reason: str,
              version: int | None = None) -> WorkOrder:
    """The receiving side's dispatcher sends an order that came from a peer back (not this
    city's territory): it is withdrawn here; federation tells the origin, which takes it back."""
    access.require_centre_of(actor, order, Cap.dispatch)
    _expect_version(order, version)
    text = validate.text(reason, "reason", max_length=500) or ""
    _transition(order, Action.send_back)
    order.closed_at = clock.now()
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.revoked
    _event(session, actor, order, "sent_back", note=text)
    return order


def caller_for_peer(session: Session, order: WorkOrder, *, full: bool) -> dict[str, object] | None:
    """The caller's contact as the origin's policy for the peer allows: as recorded, or
    masked. A confidential reporter is never sent in full."""
    citizen = repository.citizen_of(session, order)
    if citizen is None:
        return None
    if full and not order.is_confidential:
        return {"name": citizen.name, "phone": citizen.phone, "masked": False}
    return {"name": crypto.mask_name(citizen.name), "phone": crypto.mask_phone(citizen.phone), "masked": True}


def progress_of(session: Session, order: WorkOrder) -> dict[str, object]:
    """What the origin learns of an order received from it: status, deadline, lead unit, the
    latest reply (text and result) and the citizen's verdict."""
    replies = repository.replies(session, order.id)
    last = replies[-1] if replies else None
    return {
        "number": order.number, "status": order.status.value, "status_name": STATUS_NAMES[order.status],
        "due_at": order.due_at.isoformat() if order.due_at else None,
        "lead_unit": order.lead_unit.name if order.lead_unit else None,
        "reply": last.text if last else None, "result": last.result.value if last else None,
        "answer": order.answer, "verdict": order.final_verdict.value if order.final_verdict else None,
    }
