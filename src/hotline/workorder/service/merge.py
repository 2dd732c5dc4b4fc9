"""Duplicates merged into one order (并案): merge, unmerge, and the reply shared with merged orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock
from hotline.kit.errors import Conflict, InvalidInput
from hotline.notify import service as notify
from hotline.org.models import Unit
from hotline.workorder import repository
from hotline.workorder.lifecycle import MAIN_STATUSES, STATUS_NAMES, Action, Status, apply
from hotline.workorder.models import AssignmentRole, AssignmentState, Reply, WorkOrder
from hotline.workorder.service._common import _assign, _event, _expect_version, _transition

#: How many duplicates one order may take in at a time.
MAX_MERGE = 50


def merge(session: Session, actor: Principal, parent: WorkOrder, children: Sequence[WorkOrder], *,
          version: int | None = None) -> list[WorkOrder]:
    """并案: duplicates join ``parent`` while it is open (not closed, withdrawn or merged
    itself). A duplicate may be awaiting dispatch or already with a unit (dispatched, being
    handled, returned): its unit is relieved of it (its assignments revoked, its deadline
    dropped). The unit handles the parent alone; when its reply is accepted every merged order
    gets the reply (its citizen a text) and goes to callback on its own — at once, when the
    parent's reply was accepted already. Unmerge while the parent is still being handled."""
    access.require_centre_of(actor, parent, Cap.dispatch)
    _expect_version(parent, version)
    if parent.merged_into_id is not None:
        raise Conflict("该工单本身已并入其他工单", status=parent.status.value)
    if parent.status not in MAIN_STATUSES:
        raise Conflict(f"主工单当前状态为“{STATUS_NAMES[parent.status]}”，不能再并入工单", status=parent.status.value)
    unique = {c.id: c for c in children if c.id != parent.id}
    if not 1 <= len(unique) <= MAX_MERGE:
        raise InvalidInput("numbers", f"请选择 1 到 {MAX_MERGE} 张其他工单")
    now = clock.now()
    answered = repository.latest_accepted_reply(session, parent.id) if parent.status == Status.callback else None
    for child in unique.values():
        if repository.merged_numbers(session, child.id):
            raise Conflict(f"工单 {child.number} 已有并入的工单，不能再并入其他工单", status=child.status.value)
        _transition(child, Action.merge)
        relieved = [a.unit.name for a in child.assignments if a.state == AssignmentState.active]
        for a in child.assignments:
            if a.state == AssignmentState.active:
                a.state = AssignmentState.revoked
        pending = repository.pending_return(session, child.id)
        if pending is not None:
            pending.decision, pending.decided_by_id, pending.decided_at = "merged", actor.user_id, now
        child.due_at = child.sign_due_at = child.due_soon_warned_at = child.overdue_at = None
        child.merged_into_id = parent.id
        _event(session, actor, child, "merged", into=parent.number, relieved=relieved or None)
    _event(session, actor, parent, "merged_in", numbers=[c.number for c in unique.values()])
    session.flush()
    if answered is not None:
        lead = _lead_unit(parent)
        for child in unique.values():
            _answer_merged(session, actor, parent, child, answered, lead, now)
    return list(unique.values())


def unmerge(session: Session, actor: Principal, child: WorkOrder, *, version: int | None = None) -> WorkOrder:
    """A merged order leaves its group and waits for dispatch again."""
    access.require_centre_of(actor, child, Cap.dispatch)
    _expect_version(child, version)
    parent = session.get(WorkOrder, child.merged_into_id) if child.merged_into_id else None
    _transition(child, Action.unmerge)
    child.merged_into_id = None
    _event(session, actor, child, "unmerged", parent=parent.number if parent else None)
    if parent is not None:
        _event(session, actor, parent, "merged_out", number=child.number)
    session.flush()
    return child


def _share_reply(session: Session, actor: Principal, parent: WorkOrder, reply: Reply) -> None:
    """The parent's accepted reply answers every order merged into it: each takes the reply
    and the lead unit, its citizen gets the text, and it waits for its own callback."""
    now = clock.now()
    lead = _lead_unit(parent)
    for child in repository.merged_children(session, parent.id):
        _answer_merged(session, actor, parent, child, reply, lead, now)


def _answer_merged(session: Session, actor: Principal, parent: WorkOrder, child: WorkOrder, reply: Reply,
                   lead: Unit | None, now: dt.datetime) -> None:
    _transition(child, Action.share_reply)
    child.final_result = reply.result
    child.answer = reply.text
    if lead is not None:
        child.lead_unit_id, child.lead_unit = lead.id, lead
        _assign(child, lead, AssignmentRole.lead, now).state = AssignmentState.done
    _event(session, actor, child, "reply_shared", parent=parent.number, public=reply.text)
    citizen = repository.citizen_of(session, child)
    if citizen is not None:
        notify.notify(session, template="order_replied", recipient_kind="citizen", phone=citizen.phone,
                      body=notify.render("order_replied", number=child.number, reply=reply.text),
                      work_order_id=child.id)


def _lead_unit(order: WorkOrder) -> Unit | None:
    lead = next((a for a in reversed(order.assignments) if a.role == AssignmentRole.lead
                 and a.state != AssignmentState.revoked), None)
    return lead.unit if lead is not None else None


def merge_new(session: Session, actor: Principal, groups: dict[int, list[int]]) -> dict[int, str]:
    """并案 of appeals just registered (a channel's batch found them to repeat an open order):
    ``groups`` maps a main order's id to the ids of new orders that join it. The same rule
    and events as :func:`merge`, written for the whole batch at once: a new order joins only
    while it is still ``registered`` (no unit to relieve, no deadline, nothing merged into it)
    and the main order is open and not merged itself; a main order whose reply was accepted
    already (callback) goes through :func:`merge`, which answers the newcomers at once.
    Returns each merged order's id → its main order's number."""
    access.require(actor, Cap.dispatch)
    if actor.role not in access.CENTRE_ROLES:
        raise Conflict("只有热线中心可以并案")
    ids = {c for children in groups.values() for c in children} | set(groups)
    states = repository.order_states(session, list(ids))
    has_children = set(repository.parents_among(session, [c for cs in groups.values() for c in cs]))
    merged: dict[int, str] = {}
    rows: list[tuple[int, int]] = []  # (child, parent)
    events: list[tuple[int, str, list[str]]] = []  # parent id, number, children's numbers
    for parent_id, child_ids in groups.items():
        parent = states.get(parent_id)
        if parent is None or parent[2] is not None or parent[1] not in MAIN_STATUSES:
            continue
        children = [c for c in dict.fromkeys(child_ids) if c in states and c != parent_id
                    and states[c][1] == Status.registered and states[c][2] is None and c not in has_children]
        if not children:
            continue
        if parent[1] == Status.callback:  # answered already: the full merge shares the reply
            orders = repository.orders_by_id(session, [parent_id, *children])
            for start in range(0, len(children), MAX_MERGE):
                chunk = merge(session, actor, orders[parent_id], [orders[c] for c in children[start:start + MAX_MERGE]])
                merged.update({c.id: parent[0] for c in chunk})
            continue
        rows += [(c, parent_id) for c in children]
        events.append((parent_id, parent[0], [states[c][0] for c in children]))
        merged.update({c: parent[0] for c in children})
    if rows:
        apply(Status.registered, Action.merge)  # the transition the rows take (raises if it ever goes)
        repository.merge_registered(session, rows)
        for child, parent_id in rows:
            audit.record(session, actor, "work_order.merged", object_type="work_order", object_id=child,
                         detail={"number": states[child][0], "status": Status.merged.value,
                                 "into": states[parent_id][0]})
        for parent_id, number, numbers in events:
            audit.record(session, actor, "work_order.merged_in", object_type="work_order", object_id=parent_id,
                         detail={"number": number, "status": states[parent_id][1].value, "numbers": numbers})
    return merged
