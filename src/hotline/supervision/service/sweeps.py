"""The deadline sweep (due soon, overdue, the supervisors told) and escalated supervision
(escalation rules and the letters they issue)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.config import get_settings
from hotline.kit import clock
from hotline.kit.errors import InvalidInput, NotFound
from hotline.kit.workcalendar import WorkCalendar, business_date, load_calendar
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Unit
from hotline.supervision import repository, rules
from hotline.supervision.models import EscalationKind, EscalationRule, LedgerKind, LetterKind
from hotline.supervision.service._common import _cst
from hotline.supervision.service.letters import issue_letter
from hotline.workorder import sla
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder

SWEEP_BATCH = 500


@dataclass
class SweepResult:
    warned: int = 0
    overdue: int = 0


def due_soon_cutoffs(calendar: WorkCalendar, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """When an order is due soon (sla.state): a working-day deadline before the first returned
    instant — the start of the working day after the warning window — or an hour-based one
    (direct dispatch, emergencies) by the second."""
    settings = get_settings()
    after_window = business_date(calendar.add_working_days(now, settings.due_soon_working_days + 1).at)
    soon_before = dt.datetime.combine(after_window, dt.time(), tzinfo=clock.CST).astimezone(dt.UTC)
    return soon_before, now + dt.timedelta(hours=settings.due_soon_hours)


def sweep_batch(session: Session, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> SweepResult:
    """One batch of the sweep: warn the lead unit of orders due soon (``due_soon_working_days``
    working days ahead; hours ahead for hour-based deadlines) and mark orders past their
    deadline overdue. Each mark is set once, so a re-run does nothing more; concurrent sweeps
    on PostgreSQL skip each other's locked rows. The marks of a batch are written together:
    one update per kind of mark, one insert of texts; each order's event on its timeline."""
    now = now or clock.now()
    calendar = load_calendar(session)
    settings = get_settings()
    soon_before, soon_hourly = due_soon_cutoffs(calendar, now)
    overdue: list[repository.SweepCandidate] = []
    warned: list[repository.SweepCandidate] = []
    for order in repository.sweep_candidates(session, now, soon_before=soon_before, soon_hourly=soon_hourly,
                                             limit=limit):
        if order.due_at <= now:
            if order.overdue_at is None:
                overdue.append(order)
            continue
        hourly = order.direct_rule_id is not None or order.urgency == sla.Urgency.emergency
        warn_before = dt.timedelta(hours=settings.due_soon_hours) if hourly else None
        state = sla.state(calendar, now, order.due_at, warn_before=warn_before,
                          warn_working_days=settings.due_soon_working_days)
        if state == sla.DeadlineState.due_soon:
            warned.append(order)
    repository.mark_deadlines(session, overdue=[o.id for o in overdue], warned=[o.id for o in warned], now=now)
    texts: list[dict[str, Any]] = []
    by_centre: dict[int, list[tuple[repository.SweepCandidate, str]]] = defaultdict(list)
    for orders, event, template in ((overdue, "overdue", "unit_overdue"), (warned, "due_soon", "unit_due_soon")):
        for order in orders:
            _event(session, order, event, due_at=order.due_at.isoformat(), unit_id=order.lead_unit_id)
            unit = org_repository.cached_unit(session, order.lead_unit_id) if order.lead_unit_id else None
            if unit is not None:  # a unit without a contact phone gets a skipped row, not silence
                texts.append(notify.unit_row(
                    template=template, phone=unit.contact_phone,
                    body=notify.render(template, number=order.number, due=_cst(order.due_at)),
                    work_order_id=order.id, unit_id=unit.id))
            if event == "overdue" and order.centre_unit_id is not None:
                by_centre[order.centre_unit_id].append((order, unit.name if unit else "—"))
    for centre_id, late in by_centre.items():
        texts.extend(_overdue_to_supervisors(session, centre_id, late))
    notify.queue_rows(session, texts)
    return SweepResult(warned=len(warned), overdue=len(overdue))


#: How many order numbers a supervisor's text of a batch of overdue orders names.
OVERDUE_NUMBERS_NAMED = 3


def _overdue_to_supervisors(session: Session, centre_id: int,
                            late: list[tuple[repository.SweepCandidate, str]]) -> list[dict[str, Any]]:
    """The supervisors of the centre are told of the orders that just went overdue: one text
    for one order, one summary per sweep batch for several (midnight turns many at once, and
    a text per order would bury the supervisor)."""
    if len(late) == 1:
        order, unit = late[0]
        template, order_id = "supervisor_overdue", order.id
        body = notify.render(template, number=order.number, unit=unit, due=_cst(order.due_at))
    else:
        template, order_id = "supervisor_overdue_batch", None
        numbers = "、".join(o.number for o, _ in late[:OVERDUE_NUMBERS_NAMED])
        body = notify.render(template, count=len(late),
                             numbers=numbers + ("等" if len(late) > OVERDUE_NUMBERS_NAMED else ""))
    return [notify.user_row(template=template, phone=user.phone, username=user.username, body=body,
                            work_order_id=order_id) for user in supervisors_for(session, centre_id)]


def supervisors_for(session: Session, centre_unit_id: int) -> list[User]:
    """The supervisors responsible for a centre's orders: its own, or — a county workstation
    has none — those of the centre above it."""
    node = org_repository.cached_unit(session, centre_unit_id)
    while node is not None:
        found = repository.supervisors_of(session, node.id)
        if found:
            return found
        node = org_repository.cached_unit(session, node.parent_id) if node.parent_id else None
    return []


def _event(session: Session, order: WorkOrder | repository.SweepCandidate, event: str, **detail: Any) -> None:
    audit.record(session, None, f"work_order.{event}", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": Status(order.status).value, **detail},
                 actor_name="system")


def escalate(session: Session, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Apply the active escalation rules (提级督办): each open order a rule catches goes on the
    escalated ledger of the centre one level above its own, once, with an event on its
    timeline and, once dispatched, that centre's reminder letter (提示函) to its lead unit with
    a text. Returns how many orders were escalated."""
    now = now or clock.now()
    calendar = load_calendar(session)
    done = 0
    for rule in repository.active_escalation_rules(session):
        if done >= limit:
            break
        cutoff = rules.opened_before(calendar, now, rule.threshold)
        for order_id, found in repository.escalation_candidates(session, rule, now, cutoff, limit - done):
            order = session.get(WorkOrder, order_id)
            if order is None:
                continue
            reason = rules.escalation_reason(rule.kind, rule.threshold, rule.window_days, found)
            higher = _higher_centre(session, order)
            repository.enter_ledger(session, {
                "kind": LedgerKind.escalated, "work_order_id": order.id, "unit_id": order.lead_unit_id,
                "centre_unit_id": higher.id, "region_id": order.region_id, "category_id": order.category_id,
                "entered_at": now, "reason": reason[:200],
            })
            _event(session, order, "escalated", rule=rule.kind.value, reason=reason, centre=higher.name)
            unit = order.lead_unit
            if unit is not None:  # the higher centre's reminder letter, told in the escalation's own text
                letter = issue_letter(session, None, order, kind=LetterKind.reminder, reason=f"提级督办：{reason}",
                                      centre=higher, tell_unit=False)
                notify.notify_unit(session, template="unit_escalated", phone=unit.contact_phone,
                                   body=notify.render("unit_escalated", number=order.number, centre=higher.name,
                                                      due=_cst(letter.due_at)),
                                   work_order_id=order.id, unit_id=unit.id)
            done += 1
    return done


def escalation_rules(session: Session, actor: Principal) -> list[EscalationRule]:
    access.require_province_admin(actor)
    return repository.all_escalation_rules(session)


def save_escalation_rule(session: Session, actor: Principal, *, rule_id: int | None, kind: EscalationKind,
                         threshold: int, window_days: int | None, active: bool) -> EscalationRule:
    """Create a rule (``rule_id`` None) or change one; the province administrator tunes them."""
    access.require_province_admin(actor)
    try:
        rules.check_rule(kind, threshold, window_days)
    except ValueError as exc:
        field, message = exc.args
        raise InvalidInput(field, message) from None
    if rule_id is None:
        rule = EscalationRule(kind=kind, threshold=threshold, window_days=window_days, active=active)
        session.add(rule)
    else:
        found = session.get(EscalationRule, rule_id)
        if found is None:
            raise NotFound(f"提级督办规则 {rule_id} 不存在")
        rule = found
        rule.kind, rule.threshold, rule.window_days, rule.active = kind, threshold, window_days, active
    session.flush()
    audit.record(session, actor, "escalation_rule.saved", object_type="escalation_rule", object_id=rule.id,
                 detail={"kind": kind.value, "threshold": threshold, "window_days": window_days, "active": active})
    return rule


def _higher_centre(session: Session, order: WorkOrder) -> Unit:
    """The hotline centre one level above the order's own (county workstation → city centre
    → province centre); the province centre escalates to itself."""
    region = order.centre_unit.region
    if region.parent is not None:
        found = org_repository.cached_centre_for_region(session, region.parent)
        if found is not None:
            return found
    return order.centre_unit
