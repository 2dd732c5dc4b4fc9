"""The notification inbox: messages fanned out from the events, read and marked read by their user.

:func:`fan_out` (a job, every few seconds) reads the events committed since its cursor and
writes a message for each person who must act on one: a unit's handlers and managers when an
order reaches them, comes due, passes its deadline, is sent back, urged, or draws a letter;
the centre's dispatchers when a unit returns an order or asks for more time; its supervisors
when an order passes its deadline, is escalated, or an early warning is raised; whoever a note
on an order mentions. The cursor moves in the same transaction as the messages, so a crash
writes a batch again, never half of it. The author of an event is not told of it.

A user reads only their own messages (404 for anyone else's)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.inbox import repository
from hotline.inbox.models import KIND_NAMES, InboxItem
from hotline.kit import clock, redact
from hotline.kit.errors import NotFound
from hotline.supervision import repository as projection

CURSOR = "inbox"
BATCH = 2000
#: Read messages are kept this long.
KEEP_READ = dt.timedelta(days=90)
#: The bell counts up to here ("99+").
BELL_CAP = 100
REF = re.compile(r"[0-9a-f]{32}")

UNIT_ROLES = (Role.unit_handler, Role.unit_manager)
CENTRE = "centre"  # the order's centre: dispatchers and supervisors
SUPERVISORS = "supervisors"  # the order's centre: supervisors
UNITS = "units"  # the units holding a lead or assisting part
LEAD = "lead"  # the lead unit

#: Work-order event → (kind of message, who is told).
ORDER_EVENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "work_order.dispatched": ("new_order", (UNITS,)),
    "work_order.direct_dispatched": ("new_order", (UNITS,)),
    "work_order.coordination_decided": ("new_order", (LEAD,)),
    "work_order.due_soon": ("due_soon", (UNITS,)),
    "work_order.overdue": ("overdue", (UNITS, SUPERVISORS)),
    "work_order.rehandle": ("sent_back", (LEAD,)),
    "work_order.reply_rejected": ("sent_back", (LEAD,)),
    "work_order.letter_issued": ("letter", (LEAD,)),
    "work_order.escalated": ("escalated", (LEAD, SUPERVISORS)),
    "work_order.urged": ("urged", (UNITS,)),
    "work_order.returned": ("returned", (CENTRE,)),
    "work_order.extension_requested": ("extension", (CENTRE,)),
    "work_order.noted": ("mention", ()),
}
WARNING_EVENTS = ("early_warning.spike", "early_warning.emergency")


@dataclass(frozen=True)
class _Recipient:
    user_id: int
    role: Role


def _order_message(kind: str, order: repository.OrderFacts, role: Role, detail: dict[str, Any]) -> str:
    title = order.title
    if order.is_confidential and role not in (Role.agent, Role.dispatcher, Role.centre_supervisor):
        title = redact.mask_personal_text(title)
    extra = ""
    if kind == "mention" and detail.get("by"):
        extra = f"（{detail['by']}）"
    return f"{KIND_NAMES[kind]}{extra}：工单 {order.number} {title}"[:200]


def fan_out(session: Session, limit: int = BATCH) -> int:
    """Write the messages of the events after the cursor; returns how many events were read."""
    cursor = projection.lock_cursor(session, CURSOR)
    events, upto = repository.events_after(session, cursor.last_seq, (*ORDER_EVENTS, *WARNING_EVENTS), limit)
    if upto == cursor.last_seq and not events:
        return 0
    order_ids = [int(e.object_id) for e in events if e.object_type == "work_order" and e.object_id]
    orders = repository.orders(session, order_ids)
    warnings = repository.warnings(session, [int(e.object_id) for e in events
                                             if e.object_type == "early_warning" and e.object_id])
    units = {u for o in orders.values() for u in o.units} | {o.lead_unit_id for o in orders.values()
                                                             if o.lead_unit_id}
    centres = {o.centre_unit_id for o in orders.values()} | set(warnings.values())
    unit_staff = repository.users_of(session, units, UNIT_ROLES)
    centre_staff = repository.users_of(session, centres, (Role.dispatcher, Role.centre_supervisor))
    mentioned = repository.users_by_name(session, {n for e in events if e.action == "work_order.noted"
                                                   for n in (e.detail or {}).get("mentions", [])})
    now = clock.now()
    rows: list[dict[str, Any]] = []

    def add(user_id: int, kind: str, title: str, url: str, order_id: int | None, seq: int) -> None:
        rows.append({"ref": secrets.token_hex(16), "user_id": user_id, "kind": kind, "title": title, "url": url,
                     "work_order_id": order_id, "event_seq": seq, "created_at": now, "read_at": None})

    for e in events:
        told: set[int] = {e.actor_id} if e.actor_id else set()
        if e.action in WARNING_EVENTS:
            centre = warnings.get(int(e.object_id or 0))
            summary = str((e.detail or {}).get("summary") or "诉求量异常")
            for user_id, role in centre_staff.get(centre or 0, []):
                if role == Role.centre_supervisor and user_id not in told:
                    told.add(user_id)
                    add(user_id, "warning", f"预警：{summary}"[:200], "/warnings", None, e.seq)
            continue
        order = orders.get(int(e.object_id or 0))
        if order is None:
            continue
        kind, audience = ORDER_EVENTS[e.action]
        recipients: list[tuple[int, Role]] = []
        for who in audience:
            if who == UNITS:
                for unit in order.units or ((order.lead_unit_id,) if order.lead_unit_id else ()):
                    recipients += unit_staff.get(unit, [])
            elif who == LEAD and order.lead_unit_id:
                recipients += unit_staff.get(order.lead_unit_id, [])
            elif who == CENTRE:
                recipients += centre_staff.get(order.centre_unit_id, [])
            elif who == SUPERVISORS:
                recipients += [r for r in centre_staff.get(order.centre_unit_id, []) if r[1] == Role.centre_supervisor]
        if kind == "mention":
            recipients += [(uid, role) for name, (uid, role, _unit) in mentioned.items()
                           if name in (e.detail or {}).get("mentions", [])]
        for user_id, role in recipients:
            if user_id in told:
                continue
            told.add(user_id)
            add(user_id, kind, _order_message(kind, order, role, e.detail or {}), f"/orders/{order.number}",
                order.id, e.seq)
    repository.add(session, rows)
    cursor.last_seq = upto
    return len(events)


def purge(session: Session, limit: int = 10_000) -> int:
    return repository.purge_read_before(session, clock.now() - KEEP_READ, limit)


# --- a user's inbox -------------------------------------------------------------------------------


def unread(session: Session, principal: Principal) -> int:
    return repository.unread_count(session, principal.user_id, BELL_CAP)


def messages(session: Session, principal: Principal, *, unread_only: bool = False, before: int | None = None,
             limit: int = 50) -> list[InboxItem]:
    return repository.items(session, principal.user_id, unread=unread_only, before=before, limit=limit)


def access_item(session: Session, principal: Principal, ref: str) -> InboxItem:
    item = repository.by_ref(session, ref) if REF.fullmatch(ref or "") else None
    if item is None or item.user_id != principal.user_id:
        raise NotFound("消息不存在")
    return item


def mark_read(session: Session, principal: Principal, item: InboxItem) -> InboxItem:
    if item.read_at is None:
        item.read_at = clock.now()
    return item


def mark_all_read(session: Session, principal: Principal) -> int:
    return repository.mark_all_read(session, principal.user_id, clock.now())
