"""Call records (来电记录) for centre staff: the list, one call with its events and transfer
legs, and the calls an order was registered from (the order page's 来电记录, supplied to the
work-order pages through their extension points).

Every call is reached through ``access.call_scope``/``access_call``. The caller's number is
masked in lists and on the order page (nobody needs it there); the detail page shows it to
roles with PII, audited (:func:`hotline.telephony.screenpop.caller_shown`). Orders are linked
only when the viewer may see them (``workorder.service.orders_visible``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from hotline.audit import repository as audit_repository
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit import crypto
from hotline.telephony import repository
from hotline.telephony.lifecycle import EventType, TransferMode
from hotline.telephony.models import QUEUE_KIND_NAMES, Call, QueueKind
from hotline.telephony.screenpop import caller_shown
from hotline.workorder import service as workorder
from hotline.workorder.models import WorkOrder

EVENT_NAMES = {EventType.offered: "呼入", EventType.ivr: "语音导航", EventType.queued: "进入队列",
               EventType.answered: "坐席接听", EventType.transferred: "转接", EventType.ended: "结束"}
MODE_NAMES = {TransferMode.blind: "盲转", TransferMode.three_way: "三方通话"}
END_NAMES = {"completed": "正常结束", "abandoned": "放弃", "timeout": "超时关闭", "failed": "失败"}
STATE_NAMES = {"offered": "呼入", "ivr": "语音导航", "queued": "排队中", "answered": "通话中",
               "transferred": "已转接", "ended": "已结束"}


@dataclass
class OrderLink:
    number: str | None  # None: an order the viewer may not see


@dataclass
class CallRow:
    """A call as the lists, the detail page and the order page show it."""

    ref: str
    call_id: str
    caller: str | None
    caller_masked: bool
    state: str
    offered_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str | None
    queue: str | None
    queue_label: str | None
    enterprise_line: bool
    seat: str | None
    agent: str | None
    wait_s: float | None
    talk_s: float | None
    transfers: int
    three_way: int
    recording_url: str | None
    orders: list[OrderLink] = field(default_factory=list)

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    @property
    def end_name(self) -> str | None:
        return END_NAMES.get(self.end_reason, self.end_reason) if self.end_reason else None


@dataclass
class Leg:
    """One transfer of the call: when, from which seat, to whom, blind or three-way."""

    at: dt.datetime
    seat: str | None
    to: str | None
    mode: str | None

    @property
    def mode_name(self) -> str:
        return MODE_NAMES.get(TransferMode(self.mode), self.mode) if self.mode in set(TransferMode) else "转接"


@dataclass
class EventRow:
    seq: int
    type: str
    at: dt.datetime
    detail: str

    @property
    def name(self) -> str:
        return EVENT_NAMES.get(EventType(self.type), self.type) if self.type in set(EventType) else self.type


@dataclass
class CallDetail:
    row: CallRow
    ivr_digits: str | None
    events: list[EventRow]
    legs: list[Leg]


def _link(url: str | None) -> str | None:
    """A recording link as pages may show it: http(s) only (never ``javascript:`` and the like)."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


def _scope(actor: Principal) -> Any:
    def scope(stmt: Select[Any]) -> Select[Any]:
        return access.call_scope(actor, stmt)

    return scope


def _rows(session: Session, actor: Principal, calls: list[Call], *, unmasked_purpose: str | None) -> list[CallRow]:
    seats = repository.seats_by_id(session, {c.seat_id for c in calls if c.seat_id is not None})
    queues = repository.queues_by_id(session, {c.queue_id for c in calls if c.queue_id is not None})
    names = audit_repository.display_names(session, {c.agent_id for c in calls if c.agent_id is not None})
    links = repository.order_ids_of_calls(session, [c.id for c in calls])
    all_orders = [i for ids in links.values() for i in ids]
    visible = workorder.orders_visible(session, actor, all_orders)
    states = workorder.order_states(session, sorted(visible))
    out = []
    for c in calls:
        if unmasked_purpose is None:
            caller, masked = crypto.mask_phone(c.caller), c.caller is not None
        else:
            caller, masked = caller_shown(session, actor, c, purpose=unmasked_purpose)
        queue = queues.get(c.queue_id) if c.queue_id is not None else None
        seat = seats.get(c.seat_id) if c.seat_id is not None else None
        out.append(CallRow(
            ref=c.ref, call_id=c.call_id, caller=caller, caller_masked=masked, state=c.state,
            offered_at=c.offered_at, answered_at=c.answered_at, ended_at=c.ended_at, end_reason=c.end_reason,
            queue=queue.name if queue else None,
            queue_label=(queue.label or QUEUE_KIND_NAMES.get(QueueKind(queue.kind), queue.name)) if queue else None,
            enterprise_line=c.enterprise or (queue is not None and queue.kind == QueueKind.enterprise.value),
            seat=seat.code if seat else None, agent=names.get(c.agent_id) if c.agent_id is not None else None,
            wait_s=c.wait_s, talk_s=c.talk_s, transfers=c.transfers, three_way=c.three_way,
            recording_url=_link(c.recording_url),
            orders=[OrderLink(states[i].number if i in states else None) for i in links.get(c.id, [])]))
    return out


def list_calls(session: Session, actor: Principal, f: repository.CallFilter, *, limit: int,
               offset: int) -> tuple[list[CallRow], int]:
    """Calls in the actor's scope, newest first; callers masked (the detail page shows them)."""
    calls, total = repository.search_calls(session, _scope(actor), f, limit=limit, offset=offset)
    return _rows(session, actor, calls, unmasked_purpose=None), total


def call_detail(session: Session, actor: Principal, call: Call) -> CallDetail:
    """One call (reached through ``access.access_call``): its facts, the caller (unmasked for
    roles with PII, audited), its events as the PBX reported them and its transfer legs."""
    row = _rows(session, actor, [call], unmasked_purpose="call_record")[0]
    events, legs = [], []
    for e in repository.call_events(session, call.id):
        data = e.data or {}
        parts = [f"{label}：{data[key]}" for key, label in (("digits", "按键"), ("queue", "队列"), ("seat", "坐席"),
                                                           ("to", "转至")) if data.get(key)]
        if data.get("mode") in set(TransferMode):
            parts.append(MODE_NAMES[TransferMode(data["mode"])])
        if data.get("reason"):
            parts.append(END_NAMES.get(str(data["reason"]), str(data["reason"])))
        events.append(EventRow(e.seq, e.type, e.at, "；".join(parts)))
        if e.type == EventType.transferred.value:
            legs.append(Leg(e.at, data.get("seat"), data.get("to"), data.get("mode")))
    return CallDetail(row, call.ivr_digits, events, legs)


def calls_of_order(session: Session, actor: Principal, order: WorkOrder) -> list[CallRow]:
    """The calls an order was registered from, as the actor may see them (``call_scope``);
    callers masked (the order shows its reporter)."""
    calls = repository.calls_of_order(session, order.id, _scope(actor))
    return _rows(session, actor, calls, unmasked_purpose=None)
