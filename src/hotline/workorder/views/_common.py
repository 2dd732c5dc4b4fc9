"""What the work-order pages share: the router, names shown for values, deadlines and countdowns,
reference options, scope and redirects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.kit.workcalendar import WorkCalendar, business_date
from hotline.org import repository as org_repository
from hotline.web import routing
from hotline.workorder import repository, service
from hotline.workorder.lifecycle import STATUS_NAMES, Status
from hotline.workorder.models import Verdict, WorkOrder
from hotline.workorder.sla import DeadlineState, Urgency

router = routing.router()
PAGE = 30

URGENCY_NAMES = {Urgency.normal: "一般", Urgency.urgent: "紧急", Urgency.emergency: "特急"}
VERDICT_NAMES = {Verdict.satisfied: "满意", Verdict.basically_satisfied: "基本满意",
                 Verdict.dissatisfied: "不满意"}
DEADLINE_NAMES = {DeadlineState.normal: "正常", DeadlineState.due_soon: "即将超期", DeadlineState.overdue: "已超期"}


def countdown(calendar: WorkCalendar, now: dt.datetime, due: dt.datetime) -> str:
    """How much time is left, as a person counts it: working days while more than a day is
    left, then hours (minutes in the last hour); once past, how long overdue."""
    if now > due:
        late = now - due
        if late < dt.timedelta(days=1):
            return f"已超期 {max(1, int(late.total_seconds() // 3600))} 小时"
        return f"已超期 {late.days} 天"
    left = due - now
    if left < dt.timedelta(hours=1):
        return f"剩 {max(1, int(left.total_seconds() // 60))} 分钟"
    if left < dt.timedelta(days=1):
        return f"剩 {int(left.total_seconds() // 3600)} 小时"
    days = calendar.working_days_between(business_date(now), business_date(due))
    if days == 0:  # an hour-based deadline falling on a day off
        return f"剩 {int(left.total_seconds() // 3600)} 小时"
    return f"剩 {days} 个工作日"


@dataclass
class Deadline:
    """An order's handling deadline as the pages show it."""

    state: DeadlineState
    name: str
    text: str


def _deadline(db: Session, order: WorkOrder, calendar: WorkCalendar, now: dt.datetime) -> Deadline | None:
    state = service.deadline_state(db, order, now)
    if state is None or order.due_at is None:
        return None
    return Deadline(state, DEADLINE_NAMES[state], countdown(calendar, now, order.due_at))


def _sign_countdown(order: WorkOrder, calendar: WorkCalendar, now: dt.datetime) -> str | None:
    if order.status != Status.dispatched or order.sign_due_at is None:
        return None
    return countdown(calendar, now, order.sign_due_at)


def _appeal_type_names(db: Session) -> dict[str, str]:
    return {t.code: t.name for t in org_repository.list_appeal_types(db)}


def _category_options(db: Session) -> list[tuple[str, str]]:
    return [(c.code, "　" * (c.level - 1) + f"{c.code} {c.name}")
            for c in org_repository.all_categories(db) if c.active]


#: Names every work-order template may use (the macros of ``_ui.html`` need them).
NAMES: dict[str, Any] = {"STATUS_NAMES": STATUS_NAMES, "URGENCY_NAMES": URGENCY_NAMES}


def _scope(principal: Principal) -> repository.Scope:
    return lambda stmt: access.order_scope(principal, stmt)


def _is_centre(principal: Principal) -> bool:
    return principal.role in access.CENTRE_ROLES


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


F = repository.OrderFilter


def _callback_message(order: WorkOrder) -> str:
    if order.status == Status.closed:
        verdict = VERDICT_NAMES.get(order.final_verdict) if order.final_verdict else None
        return f"{order.number} 回访已记录" + (f"（{verdict}）" if verdict else "") + "，工单已办结"
    if order.status == Status.handling:
        return f"{order.number} 回访不满意，已退回原承办单位重办"
    return f"{order.number} 未接通，已记录，请稍后再次回访"
