"""Linkage (联动) as the work order knows it: a full hand-over to an emergency or utility line
takes the order off the hotline's deadline clock; it comes back when the line refuses, or
closes when the line is done. A partial hand-over changes no status: only a timeline entry.

The register of lines and the linkage records live in ``hotline.integration.linkage``; this
step only moves the order, through the transition table, with an event for every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, validate
from hotline.kit.errors import Conflict
from hotline.workorder import repository
from hotline.workorder.lifecycle import Action
from hotline.workorder.models import AssignmentState, WorkOrder
from hotline.workorder.service._common import _event, _expect_version, _transition


def hand_over(session: Session, actor: Principal, order: WorkOrder, *, line: str, record_ref: str,
              other_ref: str | None = None, note: str | None = None, version: int | None = None) -> WorkOrder:
    """整体移交: the line takes the whole appeal. The order leaves the clock — no deadline, no
    sweep, no unit's assignment — and waits in ``handed_over``. An order with duplicates merged
    into it is refused (409): their appeals would silently follow it out of the hotline."""
    access.require_centre_of(actor, order, Cap.intake)
    _expect_version(order, version)
    if repository.merged_numbers(session, order.id):
        raise Conflict("该工单有并案的重复诉求，请先取消并案再整体移交")
    previous_due = order.due_at
    _transition(order, Action.hand_over)
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.revoked
    order.due_at = order.sign_due_at = None
    order.due_soon_warned_at = None
    order.lead_unit_id = None  # no unit holds it: a close by the line is no unit's close
    order.lead_unit = None
    _event(session, actor, order, "handed_over", line=line, linkage=record_ref, other_ref=other_ref,
           previous_due_at=previous_due.isoformat() if previous_due else None,
           note=validate.text(note, "note", max_length=500, required=False))
    return order


def take_back(session: Session, actor: Principal | None, order: WorkOrder, *, line: str, record_ref: str,
              reason: str | None = None, version: int | None = None) -> WorkOrder:
    """联动收回: the line refused the appeal (or sent it back); the order waits to be dispatched
    again, and its deadline starts with that dispatch."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.intake)
    _expect_version(order, version)
    _transition(order, Action.take_back)
    _event(session, actor, order, "taken_back", actor_name=None if actor else "system", line=line,
           linkage=record_ref, note=validate.text(reason, "reason", max_length=500, required=False))
    return order


def close_handed_over(session: Session, actor: Principal, order: WorkOrder, *, line: str, record_ref: str,
                      note: str | None = None, version: int | None = None) -> WorkOrder:
    """The line has dealt with the appeal: the handed-over order is closed (办结) with the
    line named — the ordinary ``closed`` event, so pushes and statistics see it as any close."""
    access.require_centre_of(actor, order, Cap.intake)
    _expect_version(order, version)
    _transition(order, Action.close)
    order.closed_at = clock.now()
    _event(session, actor, order, "closed", via="linkage", line=line, linkage=record_ref,
           note=validate.text(note, "note", max_length=500, required=False) or f"已由{line}处置完毕")
    return order


def note_linkage(session: Session, actor: Principal, order: WorkOrder, event: str, **detail: Any) -> None:
    """A linkage step that leaves the status as it is (a partial hand-over, an outcome recorded)
    on the order's timeline."""
    access.require_centre_of(actor, order, Cap.intake)
    if event not in ("linkage_recorded", "linkage_updated"):
        raise ValueError(event)
    _event(session, actor, order, event, **detail)
