"""The agent's screen (来电弹屏): the seat the agent is logged in on, the call answered there,
and what the platform knows of its caller — earlier and open orders, a market entity behind
the number — with a new order registered from the call keeping it (``CallOrder``).

The console polls :func:`console_status` once a second (one indexed statement) and renders
:func:`screen_pop` only when something changed. The caller's number is personal data:
masked for roles without PII, and every unmasked view audited (``pii.viewed`` on the call),
as citizen views are. The caller's orders are read through ``workorder.service`` and the
citizen register through ``citizen.service``, each with its own scope and masking; the order
is registered through ``workorder.service.intake`` (telephony never writes work-order tables).

Why the call is not the order's source reference (ADR 0017): a source reference is the
channel's idempotency — an intake repeating it gets the order the first made — while one call
may carry several appeals, each its own order. The call ↔ order link is therefore the
``CallOrder`` row; a double submit of the same form is caught by the console's idempotency key."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.citizen import service as citizen_service
from hotline.kit import clock, crypto
from hotline.kit.errors import Conflict, Forbidden, InvalidInput
from hotline.telephony import repository
from hotline.telephony.models import AGENT_STATE_NAMES, QUEUE_KIND_NAMES, AgentState, Call, CallOrder, QueueKind
from hotline.workorder import service as workorder
from hotline.workorder.models import WorkOrder

#: Seat states in which the agent's last answered call is on the screen (talking, then wrap-up).
POP_STATES = frozenset({AgentState.busy.value, AgentState.wrap_up.value})
HISTORY_LIMIT = 10
#: The pop counts the caller's calls to the centre over this many days before the call.
EARLIER_CALLS_DAYS = 30


def is_centre_seat_user(actor: Principal) -> bool:
    """Centre staff who take calls (intake and calls): they sit on any seat of their region."""
    return actor.can(Cap.intake) and actor.can(Cap.view_calls) and not actor.is_service


def is_expert(session: Session, actor: Principal) -> bool:
    """A department's specialist: staff of a unit with an expert seat (专家坐席), who take the
    calls transferred to it."""
    return (not actor.is_service and actor.can(Cap.handle)
            and bool(repository.expert_seat_codes(session, actor.unit_id)))


def require_seat_user(session: Session, actor: Principal) -> None:
    """Centre staff who take calls, and the specialists of a unit with expert seats."""
    if not (is_centre_seat_user(actor) or is_expert(session, actor)):
        raise Forbidden("只有热线中心话务人员和专家坐席人员可以使用坐席")


@dataclass(frozen=True)
class SeatStatus:
    """The agent's seat as the console shows it, and the call to pop (if any)."""

    code: str
    state: str
    since: dt.datetime | None
    call_ref: str | None  # the last call answered on the seat by the agent, while busy or in wrap-up

    @property
    def state_name(self) -> str:
        return AGENT_STATE_NAMES.get(AgentState(self.state), self.state)

    @property
    def version(self) -> str:
        """A short digest of what the console shows: unchanged → nothing to redraw."""
        raw = f"{self.code}|{self.state}|{self.since.isoformat() if self.since else ''}|{self.call_ref or ''}"
        return hashlib.blake2s(raw.encode(), digest_size=8).hexdigest()


#: The version of the panel of an agent on no seat.
NO_SEAT = "none"


def console_status(session: Session, actor: Principal) -> SeatStatus | None:
    """The agent's seat, its state and the call to pop — one indexed statement (the console
    polls it every second)."""
    row = repository.console_status(session, actor.user_id)
    if row is None:
        return None
    code, state, since, ref = row
    return SeatStatus(code, state, since, ref if state in POP_STATES else None)


def caller_shown(session: Session, actor: Principal, call: Call, *, purpose: str) -> tuple[str | None, bool]:
    """The caller's number as ``actor`` may see it, and whether it is masked. Roles with PII
    (agents, centre supervisors) see it; every such view is audited, naming the field and the
    purpose, never the number."""
    if call.caller is None:
        return None, False
    if not actor.sees_pii:
        return crypto.mask_phone(call.caller), True
    audit.record(session, actor, "pii.viewed", object_type="call", object_id=call.ref,
                 detail={"fields": ["caller"], "purpose": purpose})
    return call.caller, False


@dataclass
class Pop:
    """What the console shows when a call is answered on the agent's seat."""

    call: Call
    caller: str | None
    masked: bool
    queue_name: str | None
    queue_label: str | None
    enterprise_line: bool
    wait_s: float | None
    citizens: list[citizen_service.CitizenView]
    history: workorder.CallerHistory
    linked_orders: list[str]  # numbers of the orders already registered from this call
    earlier_calls: int  # the caller's calls to the centre in the EARLIER_CALLS_DAYS before this one


def screen_pop(session: Session, actor: Principal, call: Call) -> Pop:
    """The caller's number (masked per role, unmasked views audited), the citizens registered
    with it and their orders the agent may see (earlier and open ones, masked per role, as
    the console's history lookup shows them), a market entity named on an earlier enterprise
    order, how often the number called the centre in the last 30 days, the queue the call came
    through (the enterprise line: IVR key 1) and its wait."""
    caller, masked = caller_shown(session, actor, call, purpose="screen_pop")
    citizens: list[citizen_service.CitizenView] = []
    citizen_ids: list[int] = []
    if call.caller and actor.can(Cap.view_citizens):
        try:
            found = citizen_service.find_by_phone(session, actor, call.caller)
        except InvalidInput:  # a number the register does not hold (anonymous, malformed)
            found = []
        citizens = citizen_service.view(session, actor, found, purpose="intake_lookup")
        citizen_ids = [c.id for c in found]
    elif call.caller_hash:  # an expert seat: no register, the caller's orders of the unit only
        citizen_ids = citizen_service.ids_by_phone_hash(session, call.caller_hash)
    history = workorder.caller_history(session, actor, citizen_ids, limit=HISTORY_LIMIT)
    queue = repository.queue_of(session, call.queue_id)
    enterprise_line = call.enterprise or (queue is not None and queue.kind == QueueKind.enterprise.value)
    linked = repository.order_ids_of_call(session, call.id)
    visible = workorder.orders_visible(session, actor, linked)
    states = workorder.order_states(session, [i for i in linked if i in visible])
    return Pop(call, caller, masked, queue.name if queue else None,
               (queue.label or QUEUE_KIND_NAMES.get(QueueKind(queue.kind), queue.name)) if queue else None,
               enterprise_line, call.wait_s, citizens, history, [states[i].number for i in linked if i in states],
               repository.earlier_calls(session, call, days=EARLIER_CALLS_DAYS))


# --- registering an order from the call ----------------------------------------------------------

def call_for_intake(session: Session, actor: Principal, ref: str) -> Call:
    """The call an order is registered from: one the actor may see, that was answered."""
    call = access.access_call(session, actor, ref)
    if call.answered_at is None:
        raise Conflict("该来电未接通，不能据此登记工单")
    return call


def prepare_intake(call: Call, data: workorder.IntakeData) -> workorder.IntakeData:
    """The appeal as registered from the call: the caller's number when the form left it blank
    (roles that see it masked cannot type it)."""
    if not (data.phone or "").strip() and call.caller:
        return replace(data, phone=call.caller)
    return data


def link_order(session: Session, actor: Principal, call: Call, order: WorkOrder) -> bool:
    """Keep the order on the call (and the call on the order). Linking twice changes nothing;
    returns whether a link was made."""
    if repository.link_exists(session, call.id, order.id):
        return False
    session.add(CallOrder(call_id=call.id, order_id=order.id, created_at=clock.now()))
    session.flush()
    audit.record(session, actor, "call.order_linked", object_type="call", object_id=call.ref,
                 detail={"number": order.number})
    return True
