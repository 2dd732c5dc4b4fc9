"""Private helpers shared by the steps of the work-order loop: events, versions, transitions,
the calendar and deadline rules, assignments and the dispatch itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.principal import Principal
from hotline.kit import clock
from hotline.kit.errors import Conflict, InvalidInput, StaleVersion
from hotline.kit.workcalendar import WorkCalendar, load_calendar
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Category, Region, Unit, UnitKind
from hotline.workorder import repository, sla
from hotline.workorder.lifecycle import Action, apply
from hotline.workorder.models import Assignment, AssignmentRole, AssignmentState, WorkOrder

#: Working days the coordination of a disputed order may take (S4 泸州).
COORDINATION_WORKING_DAYS = 3


def _event(session: Session, actor: Principal | None, order: WorkOrder, event: str, *,
           actor_name: str | None = None, **detail: Any) -> None:
    detail = {k: v for k, v in detail.items() if v is not None}
    audit.record(session, actor, f"work_order.{event}", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, **detail},
                 actor_name=actor_name)


def _expect_version(order: WorkOrder, version: int | None) -> None:
    if version is not None and version != order.version:
        raise StaleVersion(f"工单已被他人更新（当前状态：{order.status.value}），请刷新后重试",
                           current_version=order.version, status=order.status.value)


def _transition(order: WorkOrder, action: Action) -> None:
    order.status = apply(order.status, action)


def _calendar(session: Session) -> WorkCalendar:
    return load_calendar(session)


def _rules(session: Session) -> list[sla.DeadlineRule]:
    rows = repository.cached_deadline_rules(session)
    if not rows:
        return list(sla.DEFAULT_RULES)
    return [sla.DeadlineRule(appeal_type=r.appeal_type, category_prefix=r.category_prefix, urgency=r.urgency,
                             working_days=r.working_days, hours=r.hours) for r in rows]


def _green_rules(session: Session) -> list[sla.GreenChannelRule]:
    return [sla.GreenChannelRule(appeal_type=r.appeal_type, working_days=r.working_days, percent=r.percent)
            for r in repository.cached_green_rules(session)]


def _competent_at(session: Session, category: Category, region: Region | None) -> Unit | None:
    """The department of ``region`` competent for the category; the most specific competence
    wins (a unit competent for the leaf beats one competent for its root)."""
    if region is None:
        return None
    cats = org_repository.ancestors_of_category(session, category.id)
    competences = org_repository.cached_competences(session, cats, [region.id])
    units = [u for unit_id in sorted(competences)
             if (u := org_repository.cached_unit(session, unit_id)) is not None and u.kind == UnitKind.department]
    if not units:
        return None
    rank = {cid: i for i, cid in enumerate(cats)}
    return min(units, key=lambda u: (min(rank.get(c, 99) for c in competences[u.id]), u.code))


def _assign(order: WorkOrder, unit: Unit, role: AssignmentRole, now: dt.datetime) -> Assignment:
    assignment = Assignment(unit_id=unit.id, role=role, state=AssignmentState.active, assigned_at=now)
    assignment.unit = unit
    order.assignments.append(assignment)
    return assignment


def _set_deadlines(session: Session, order: WorkOrder, now: dt.datetime, *, direct: bool) -> None:
    calendar = _calendar(session)
    category_code = order.category.code if order.category else None
    if direct:
        rule = sla.DeadlineRule(hours=sla.DIRECT_DISPATCH_HOURS)
    else:
        rule = sla.pick_rule(_rules(session), order.appeal_type, category_code, order.urgency)
        if order.is_enterprise:  # 涉企诉求绿色通道 (S2): a shorter deadline, as the administrators set it
            rule = sla.green_channel(rule, sla.pick_green_rule(_green_rules(session), order.appeal_type))
    due = sla.due_at(calendar, now, rule)
    sign = sla.sign_due(calendar, now, urgency=order.urgency, direct_dispatch=direct)
    order.due_at, order.sign_due_at = due.at, sign.at
    order.due_soon_warned_at = order.overdue_at = None  # the sweep watches the new deadline
    order.due_covered = due.covered and sign.covered


def _dispatch(session: Session, actor: Principal | None, order: WorkOrder, lead: Unit, assisting: list[Unit],
              copies: list[Unit], *, note: str | None, direct: bool = False,
              action: Action = Action.dispatch) -> None:
    now = clock.now()
    for a in order.assignments:
        if a.state == AssignmentState.active:
            a.state = AssignmentState.revoked
    _transition(order, action)
    _assign(order, lead, AssignmentRole.lead, now)
    for unit in assisting:
        _assign(order, unit, AssignmentRole.assist, now)
    for unit in copies:
        _assign(order, unit, AssignmentRole.copy, now)
    order.lead_unit_id = lead.id
    order.lead_unit = lead
    if order.dispatched_at is None:
        order.dispatched_at = now
        order.dispatch_seconds = (now - order.registered_at).total_seconds()
    _set_deadlines(session, order, now, direct=direct)
    _event(session, actor, order, "direct_dispatched" if direct else "dispatched",
           actor_name=None if actor else "system", unit=lead.name, unit_id=lead.id,
           assisting=[u.name for u in assisting] or None, copies=[u.name for u in copies] or None, note=note,
           due_at=order.due_at.isoformat() if order.due_at else None)
    notify.notify_unit(session, template="unit_new_order", phone=lead.contact_phone,
                       body=notify.render("unit_new_order", number=order.number, sign_due=_cst(order.sign_due_at)),
                       work_order_id=order.id, unit_id=lead.id)


def _cst(value: dt.datetime | None) -> str:
    return value.astimezone(clock.CST).strftime("%m月%d日 %H:%M") if value else ""


def _units(session: Session, ids: list[int], field: str) -> list[Unit]:
    units = []
    for unit_id in dict.fromkeys(ids):
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.active:
            raise InvalidInput(field, f"单位 {unit_id} 不存在或已停用")
        if unit.kind not in (UnitKind.department, UnitKind.government, UnitKind.utility, UnitKind.other):
            raise InvalidInput(field, f"{unit.name} 不是承办单位")
        units.append(unit)
    return units


def _lead(order: WorkOrder) -> Assignment:
    for a in order.assignments:
        if a.role == AssignmentRole.lead and a.state == AssignmentState.active:
            return a
    raise Conflict("工单没有有效的主办单位")
