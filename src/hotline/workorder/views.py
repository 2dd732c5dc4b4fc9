"""Pages of work orders: the agent's intake console (受理台), the order lists by role, the
order detail with the actions the caller may take now, and the callback queue (回访).

Every page reaches orders through ``hotline.auth.access`` and changes them only through
``workorder.service``. Forms follow Post/Redirect/Get; on an error the page is rendered again
with the field messages and nothing written. Each action form carries the version of the
order it was rendered from: if someone else changed the order meanwhile, the page comes back
with the fresh state and a banner instead of acting on what the user no longer sees."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hotline.audit import labels as audit_labels
from hotline.audit import repository as audit_repository
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.citizen import service as citizen_service
from hotline.kit import clock
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput, NotFound, StaleVersion
from hotline.kit.workcalendar import WorkCalendar, business_date, load_calendar
from hotline.org import repository as org_repository
from hotline.org import service as org_service
from hotline.org.models import CENTRE_KINDS, Category, Region, Unit
from hotline.web import forms, routing
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, choice, error_map, flag, integer, text
from hotline.web.templating import render
from hotline.workorder import repository, service, timeline
from hotline.workorder.lifecycle import MAIN_STATUSES, OPEN_STATUSES, STATUS_NAMES, Action, Status, allowed_actions
from hotline.workorder.models import (
    RESULT_NAMES,
    AssignmentRole,
    AssignmentState,
    Decision,
    ReplyResult,
    Verdict,
    WorkOrder,
)
from hotline.workorder.sla import DeadlineState, Urgency

router = routing.router()
PAGE = 30
HISTORY_LIMIT = 10
NUMBER_RE = re.compile(r"HL[0-9]{14}")

URGENCY_NAMES = {Urgency.normal: "一般", Urgency.urgent: "紧急", Urgency.emergency: "特急"}
VERDICT_NAMES = {Verdict.satisfied: "满意", Verdict.basically_satisfied: "基本满意",
                 Verdict.dissatisfied: "不满意"}
ASSIGNMENT_ROLE_NAMES = {AssignmentRole.lead: "主办", AssignmentRole.assist: "协办", AssignmentRole.copy: "抄送督办"}
ASSIGNMENT_STATE_NAMES = {AssignmentState.active: "在办", AssignmentState.done: "已完成",
                          AssignmentState.revoked: "已撤销"}
DECISION_NAMES = {Decision.pending: "待审核", Decision.accepted: "通过", Decision.rejected: "未通过"}
RETURN_DECISION_NAMES = {"pending": "待审核", "redispatched": "已改派", "rejected": "驳回（无理退单）",
                         "coordinating": "提交协调"}
DEADLINE_NAMES = {DeadlineState.normal: "正常", DeadlineState.due_soon: "即将超期", DeadlineState.overdue: "已超期"}
STALE_BANNER = "工单已被他人更新，以下是最新状态，请确认后重新操作。"


# --- shared helpers ------------------------------------------------------------------------------


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


def _region_options(db: Session, principal: Principal) -> list[tuple[str, str]]:
    levels = ["province", "city", "county", "township"]
    return [(r.code, "　" * levels.index(r.level.value) + r.name) for r in org_repository.all_regions(db)
            if r.active and in_region(principal.region_code, r.code)]


def _path(node: Category | Region | None) -> str:
    names: list[str] = []
    while node is not None and len(names) < 4:
        names.append(node.name)
        node = node.parent
    return " › ".join(reversed(names))


#: Names every work-order template may use (the macros of ``_ui.html`` need them).
NAMES: dict[str, Any] = {"STATUS_NAMES": STATUS_NAMES, "URGENCY_NAMES": URGENCY_NAMES}


def _scope(principal: Principal) -> repository.Scope:
    return lambda stmt: access.order_scope(principal, stmt)


def _is_centre(principal: Principal) -> bool:
    return principal.role in access.CENTRE_ROLES


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- intake console (受理台) -------------------------------------------------------------------


def _console(request: Request, principal: Principal, db: Session, *, status: int = 200,
             values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
             flash: str | None = None, flash_kind: str = "ok") -> Response:
    access.require(principal, Cap.intake)
    values = dict(values or {})
    values.setdefault("channel", "phone")
    values.setdefault("urgency", Urgency.normal.value)
    values.setdefault("idempotency_key", secrets.token_urlsafe(16))
    return render(
        request, "workorder/console.html", principal, status_code=status, title="受理台", values=values,
        errors=errors or {}, flash=flash, flash_kind=flash_kind,
        channels=[(c.code, c.name) for c in org_repository.list_channels(db) if c.active],
        appeal_types=[(t.code, t.name) for t in org_repository.list_appeal_types(db) if t.active],
        categories=_category_options(db), regions=_region_options(db, principal),
        urgencies=[(u.value, n) for u, n in URGENCY_NAMES.items()],
        lookup=principal.can(Cap.view_citizens),
    )


@router.get("/console", response_class=HTMLResponse)
def console_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    return _console(request, principal, db)


@router.get("/console/history", response_class=HTMLResponse)
def console_history(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """The caller's earlier orders, looked up by the phone number's keyed hash. Names are
    shown through ``citizen.service.view``: masked for roles without need-to-know, and
    every unmasked view audited."""
    access.require(principal, Cap.view_citizens)
    phone = (request.query_params.get("phone") or "").strip()[:30]
    context: dict[str, Any] = {"phone": phone, "error": None, "citizens": [], "orders": [], "known_name": None}
    if phone:
        try:
            found = citizen_service.find_by_phone(db, principal, phone)
        except InvalidInput as exc:
            context["error"] = exc.reason
            found = []
        shown = citizen_service.view(db, principal, found, purpose="intake_lookup")
        orders: list[WorkOrder] = []
        for citizen in found:
            rows, _ = repository.search(db, _scope(principal), repository.OrderFilter(citizen_id=citizen.id),
                                        limit=HISTORY_LIMIT, offset=0)
            orders += rows
        orders.sort(key=lambda o: o.id, reverse=True)
        context.update(citizens=shown, orders=orders[:HISTORY_LIMIT],
                       known_name=next((c.name for c in shown if c.name and not c.masked), None))
    context["appeal_types"] = _appeal_type_names(db)
    return render(request, "workorder/_history.html", principal, **context, **NAMES)


#: Knowledge items shown beside the console form while the agent types.
SUGGESTIONS = 5


@router.get("/console/knowledge", response_class=HTMLResponse)
def console_knowledge(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    """Knowledge items that answer what the agent is typing (title and content), for the
    appeal's place when one is chosen: shown beside the form, each with a one-click answer."""
    from hotline.knowledge import service as knowledge

    access.require(principal, Cap.intake)
    q = request.query_params
    typed = " ".join(v for v in ((q.get("title") or "")[:100], (q.get("content") or "")[:1000]) if v.strip())
    region = (q.get("region_code") or "").strip()[:9] or None
    hits: list[knowledge.Hit] = []
    error = None
    if typed.strip():
        try:
            hits = knowledge.search_items(db, typed, knowledge.search_filter(db, region_code=region),
                                          limit=SUGGESTIONS)
        except InvalidInput as exc:
            error = exc.reason
    return render(request, "knowledge/_suggestions.html", principal, hits=hits, typed=typed, error=error)


def _intake_data(form: dict[str, Any]) -> service.IntakeData:
    item_id = integer(form, "knowledge_item_id")
    if item_id is not None:
        return _answered_from_knowledge(form, item_id)
    return service.IntakeData(
        channel=text(form, "channel") or "", appeal_type=text(form, "appeal_type") or "",
        title=text(form, "title") or "", content=text(form, "content") or "",
        phone=text(form, "phone"), name=text(form, "name"), category_code=text(form, "category_code"),
        region_code=text(form, "region_code"), address=text(form, "address"),
        is_confidential=flag(form, "is_confidential"), urgency=choice(form, "urgency", Urgency) or Urgency.normal,
        is_enterprise=flag(form, "is_enterprise"), enterprise_name=text(form, "enterprise_name"),
        uscc=text(form, "uscc"), answer=text(form, "answer"),
    )


def _answered_from_knowledge(form: dict[str, Any], item_id: int) -> service.IntakeData:
    """The one-click answer (即时答) from a suggested knowledge item: the call is registered as
    a consultation, answered with the item's published answer and closed; the order records
    which item answered it. An empty title or content takes the item's question."""
    title = text(form, "title") or ""
    content = text(form, "content") or ""
    return service.IntakeData(
        channel=text(form, "channel") or "", appeal_type="consultation", title=title or content[:100],
        content=content or title, phone=text(form, "phone"), name=text(form, "name"),
        category_code=text(form, "category_code"), region_code=text(form, "region_code"),
        address=text(form, "address"), urgency=choice(form, "urgency", Urgency) or Urgency.normal,
        is_enterprise=flag(form, "is_enterprise"), enterprise_name=text(form, "enterprise_name"),
        uscc=text(form, "uscc"), knowledge_item_id=item_id,
    )


@router.post("/console", response_class=HTMLResponse)
def console_submit(request: Request, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """Register the call. The hidden idempotency key makes a double submit (a second Enter,
    a reload of the POST) return the order the first submit created."""
    access.require(principal, Cap.intake)
    try:
        order, _ = service.intake(db, principal, _intake_data(form),
                                  idempotency_key=text(form, "idempotency_key"))
        db.flush()
    except HotlineError as exc:
        db.rollback()
        errors, banner = error_map(exc)
        values = dict(form)
        if exc.detail.get("field") == "Idempotency-Key":
            # This form already registered a different call (e.g. reopened with the back
            # button): give it a fresh key, so that checking and resubmitting works.
            values.pop("idempotency_key", None)
            banner = "这张受理单已提交过另一件诉求，已为本次来电重新生成受理单，请核对后再次提交"
        return _console(request, principal, db, status=exc.status_code, values=values, errors=errors,
                        flash=f"未受理：{banner}", flash_kind="err")
    return _redirect(f"/orders/{order.number}?done=intake")


# --- order lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    make: Callable[[Principal, dt.datetime], repository.OrderFilter]
    count: bool = True


F = repository.OrderFilter
CENTRE_TABS = [
    Tab("pending", "待派单", lambda p, n: F(status=Status.registered)),
    Tab("returned", "退单待审", lambda p, n: F(status=Status.returned)),
    Tab("replied", "待审核答复", lambda p, n: F(status=Status.replied)),
    Tab("coordinating", "协调中", lambda p, n: F(needs="coordination")),
    Tab("extensions", "延期待批", lambda p, n: F(needs="extensions")),
    Tab("all", "全部", lambda p, n: F(), count=False),
    Tab("overdue", "已超期", lambda p, n: F(overdue_before=n)),
]
UNIT_TABS = [
    Tab("inbox", "本单位待办", lambda p, n: F(unit_id=p.unit_id)),
    Tab("to_sign", "待签收", lambda p, n: F(unit_id=p.unit_id, status=Status.dispatched)),
    Tab("handling", "办理中", lambda p, n: F(unit_id=p.unit_id, status=Status.handling)),
    Tab("overdue", "已超期", lambda p, n: F(unit_id=p.unit_id, overdue_before=n)),
    Tab("all", "全部", lambda p, n: F(), count=False),
]
OTHER_TABS = [
    Tab("all", "全部", lambda p, n: F(), count=False),
    Tab("overdue", "已超期", lambda p, n: F(overdue_before=n)),
]


def tabs_for(principal: Principal) -> tuple[list[Tab], str]:
    """The list tabs of a role and the one it lands on."""
    if _is_centre(principal):
        return CENTRE_TABS, "pending" if principal.can(Cap.dispatch) else "all"
    if principal.can(Cap.handle):
        return UNIT_TABS, "inbox"
    return OTHER_TABS, "all"


@dataclass
class Row:
    order: WorkOrder
    deadline: Deadline | None
    sign: str | None


@router.get("/orders", response_class=HTMLResponse)
def orders_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.view_orders)
    tabs, default = tabs_for(principal)
    key = request.query_params.get("tab") or default
    tab = next((t for t in tabs if t.key == key), None) or next(t for t in tabs if t.key == default)
    q = (request.query_params.get("q") or "").strip()[:100]
    if NUMBER_RE.fullmatch(q):
        try:
            found = access.access_work_order(db, principal, q)
        except NotFound:
            found = None
        if found is not None:
            return _redirect(f"/orders/{found.number}")
    now = clock.now()
    calendar = load_calendar(db)
    offset = forms.offset(request)
    f = tab.make(principal, now)
    f.q = q or None
    orders, total = repository.search(db, _scope(principal), f, limit=PAGE, offset=offset)
    counts = {}
    for t in tabs:
        if t.count:
            _, counts[t.key] = repository.search(db, _scope(principal), t.make(principal, now), limit=0, offset=0)
    rows = [Row(o, _deadline(db, o, calendar, now), _sign_countdown(o, calendar, now)) for o in orders]
    base = "/orders?" + urlencode({"tab": tab.key, "q": q}) + "&"
    return render(request, "workorder/orders.html", principal, title="工单", tabs=tabs, tab=tab, counts=counts,
                  title_of=lambda o: service.order_text(principal, o)[0],
                  rows=rows, total=total, offset=offset, limit=PAGE, base=base, q=q,
                  appeal_types=_appeal_type_names(db), **NAMES)


# --- order detail ------------------------------------------------------------------------------


@dataclass
class TimelineRow:
    at: dt.datetime
    label: str
    actor: str
    detail: str


def _when(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value).astimezone(clock.CST).strftime("%m-%d %H:%M")
    except ValueError:
        return None


def _event_detail(detail: dict[str, Any]) -> str:
    """The facts of a timeline event worth a line: units, deadline, verdict, the note."""
    parts: list[str] = []
    if detail.get("centre"):
        parts.append(f"受理中心：{detail['centre']}")
    if detail.get("unit"):
        parts.append(f"单位：{detail['unit']}")
    if detail.get("from_unit"):
        parts.append(f"转出：{detail['from_unit']}")
    if detail.get("new_name"):
        parts.append(f"分类：{detail.get('old_name') or '未分类'} → {detail['new_name']}")
    for key, label in (("into", "并入"), ("by", "重复来电工单")):
        if detail.get(key):
            parts.append(f"{label}：{detail[key]}")
    for key, label in (("assisting", "协办"), ("copies", "抄送"), ("units", "争议单位")):
        if isinstance(detail.get(key), list) and detail[key]:
            parts.append(f"{label}：" + "、".join(str(u) for u in detail[key]))
    if detail.get("working_days"):
        parts.append(f"{detail['working_days']} 个工作日")
    if detail.get("result") in {r.value for r in ReplyResult}:
        parts.append(RESULT_NAMES[ReplyResult(detail["result"])])
    if detail.get("verdict") in {v.value for v in Verdict}:
        parts.append(VERDICT_NAMES[Verdict(detail["verdict"])])
    if detail.get("resolved") is True:
        parts.append("已解决")
    elif detail.get("resolved") is False:
        parts.append("未解决")
    if detail.get("unit_fault"):
        parts.append("承办单位责任")
    if detail.get("attempt"):
        parts.append(f"第 {detail['attempt']} 次")
    due = _when(detail.get("due_at"))
    if due:
        parts.append(f"期限 {due}")
    for key in ("reason", "note"):
        if detail.get(key):
            parts.append(str(detail[key]))
    return "；".join(parts)


def _actions(db: Session, principal: Principal, order: WorkOrder) -> set[str]:
    """The action forms to show: what the lifecycle allows in the order's status, narrowed
    to what the caller's role does and (for units) what its assignment is."""
    allowed = set(allowed_actions(order.status))
    out: set[str] = set()
    if _is_centre(principal):
        if principal.can(Cap.dispatch):
            for action, form in ((Action.dispatch, "dispatch"), (Action.transfer, "transfer"),
                                 (Action.reject_return, "reject_return"), (Action.coordinate, "coordinate"),
                                 (Action.decide, "decide"), (Action.accept_reply, "review")):
                if action in allowed:
                    out.add(form)
            if order.status in OPEN_STATUSES and repository.pending_extension(db, order.id) is not None:
                out.add("extension_decision")
        if principal.can(Cap.callback) and order.status == Status.callback:
            out.add("callback")
        if principal.can(Cap.intake) and Action.withdraw in allowed:
            out.add("withdraw")
        if principal.can(Cap.dispatch) and order.merged_into_id is None and order.status in MAIN_STATUSES:
            out.add("merge")
        if principal.can(Cap.dispatch) and Action.unmerge in allowed:
            out.add("unmerge")
    if principal.can(Cap.handle):
        mine = [a for a in order.assignments if a.unit_id == principal.unit_id and a.state == AssignmentState.active]
        if any(a.role == AssignmentRole.lead for a in mine):
            for action, form in ((Action.sign, "sign"), (Action.return_, "return"), (Action.reply, "reply")):
                if action in allowed:
                    out.add(form)
            if order.status == Status.handling and repository.pending_extension(db, order.id) is None:
                out.add("extension")
        if any(a.role == AssignmentRole.assist for a in mine) and order.status in (Status.dispatched, Status.handling):
            out.add("assist")
    return out


def _unit_options(db: Session, order: WorkOrder) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Handling units a centre may name for this order (the owning centre's region, then above)."""
    return org_service.lead_unit_options(db, order.centre_unit.region.code)


def _lower_centres(db: Session, order: WorkOrder) -> list[tuple[int, str]]:
    """The centres the order may be transferred to: those below its centre, then (for a city
    centre) the other cities' centres of the province."""
    units, _ = org_repository.list_units(db, active=True, limit=10_000)
    code = order.centre_unit.region.code
    below = [(u.id, u.name) for u in units
             if u.kind in CENTRE_KINDS and u.id != order.centre_unit_id and in_region(code, u.region.code)]
    across = [(u.id, f"{u.name}（跨市互派）") for u in units if service.sibling_city_centre(order.centre_unit, u)]
    return below + across


def _case_candidates(db: Session, cases: list[Any]) -> list[service.Suggestion]:
    """The disputed units of the open coordination case, offered first when deciding."""
    open_cases = [c for c in cases if c.decided_at is None]
    if not open_cases:
        return []
    units = [db.get(Unit, uid) for uid in open_cases[-1].candidate_unit_ids]
    return [service.Suggestion(u, "争议单位") for u in units if u is not None]


def _unit_name(db: Session, unit_id: int | None) -> str:
    unit = db.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else ""


DONE = {
    "letter": "督办文书已发出，已短信告知承办单位",
    "letter_response": "已书面回复督办文书",
    "referral": "已移交纪检监察机关，并列入移交纪检监察台账",
    "transfer": "已转至其他热线中心",
    "sign": "已签收，请在办理期限内答复",
    "assist": "协办意见已提交主办单位",
    "return": "已退单，等待热线中心审核",
    "reject_return": "已驳回退单（记为无理退单），工单退回原承办单位",
    "coordinate": "已提交管辖争议协调，须在 3 个工作日内裁定",
    "extension": "延期申请已提交，等待热线中心审批",
    "extension_decision": "延期申请已处理",
    "reply": "答复已提交，等待热线中心审核",
    "withdraw": "工单已撤回",
    "merge": "已并案：所选工单随本工单办理，答复认定后一并告知并各自回访",
    "unmerge": "已取消并案，工单回到待派单",
}


def _done_message(key: str | None, order: WorkOrder) -> str | None:
    """The confirmation after a redirect, worded from the order's state (the query string
    carries only which action it was, never text)."""
    if not key:
        return None
    lead = order.lead_unit.name if order.lead_unit else ""
    if key == "intake":
        message = f"已受理，工单号 {order.number}"
        if order.status == Status.closed:
            return message + "，已当场解答并办结"
        if order.direct_rule_id is not None:
            return message + f"，已直派至 {lead}"
        return message + "，等待派单"
    if key in ("dispatch", "decide"):
        return f"已派单至 {lead}"
    if key == "review":
        return ("答复认定通过，已短信告知诉求人，转入回访" if order.status == Status.callback
                else "答复已退回承办单位重新办理")
    if key == "callback":
        return _callback_message(order)
    return DONE.get(key)


def _callback_message(order: WorkOrder) -> str:
    if order.status == Status.closed:
        verdict = VERDICT_NAMES.get(order.final_verdict) if order.final_verdict else None
        return f"{order.number} 回访已记录" + (f"（{verdict}）" if verdict else "") + "，工单已办结"
    if order.status == Status.handling:
        return f"{order.number} 回访不满意，已退回原承办单位重办"
    return f"{order.number} 未接通，已记录，请稍后再次回访"


def _knowledge_answer(db: Session, order: WorkOrder) -> tuple[int, str] | None:
    """The knowledge item a consultation was answered with: its id and question."""
    if order.answer is None:
        return None
    from hotline.knowledge import repository as knowledge_repository
    from hotline.knowledge.models import KnowledgeVersion

    found = knowledge_repository.answer_of_order(db, order.id)
    version = db.get(KnowledgeVersion, found.version_id) if found else None
    return (version.item_id, version.question) if version else None


def _detail(request: Request, principal: Principal, db: Session, order: WorkOrder, *, status: int = 200,
            flash: str | None = None, flash_kind: str = "ok", failed: str | None = None,
            errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
            revealed: service.CitizenShown | None = None) -> Response:
    now = clock.now()
    calendar = load_calendar(db)
    actions = _actions(db, principal, order)
    shown = revealed or service.citizen_shown(db, principal, order)
    order_title, order_content = service.order_text(principal, order)
    needs_units = actions & {"dispatch", "return", "coordinate", "decide"}
    local, upper = _unit_options(db, order) if needs_units else ([], [])
    lower = _lower_centres(db, order) if "transfer" in actions else []
    if "dispatch" in actions:
        from hotline.intelligence import service as intelligence  # the models read the work-order tables

        defaults = intelligence.dispatch_defaults(db, order, {uid for uid, _ in local + upper})
    else:
        defaults = None
    if not lower:
        actions.discard("transfer")
    cases = repository.coordination_cases(db, order.id)
    from hotline.supervision import service as supervision  # supervision builds on work orders
    from hotline.supervision.models import LETTER_NAMES, MEETING_NAMES, AuthorityKind, LetterKind

    letters = supervision.letters_of(db, principal, order)
    can_issue_letters = (principal.role in access.CENTRE_ROLES and principal.can(Cap.dispatch)
                         and order.lead_unit_id is not None)
    # The referral form once a rectification letter is out (supervision.refer checks again).
    can_refer = can_issue_letters and any(x.kind == LetterKind.rectification for x in letters)
    commission = supervision.authority_for(db, order.region, AuthorityKind.discipline) if can_refer else None
    try:  # the meetings about the order, for the roles that see meetings at all
        order_meetings: list[Any] | None = supervision.meetings(db, principal, order=order, limit=20)[0]
    except Forbidden:
        order_meetings = None
    rows = repository.events(db, order.id)
    names = audit_repository.display_names(db, {e.actor_id for e in rows if e.actor_id is not None})
    events = [TimelineRow(e.at, timeline.staff_label(e.action),
                          audit_labels.actor_name(e.actor_id, e.actor_name, names), _event_detail(e.detail))
              for e in rows]
    return render(
        request, "workorder/order.html", principal, status_code=status, title=f"工单 {order.number}", order=order,
        flash=flash, flash_kind=flash_kind, failed=failed, errors=errors or {}, values=values or {},
        actions=actions, citizen=shown, hidden_reporter=service.hides_reporter(principal, order),
        order_title=order_title, order_content=order_content,
        deadline=_deadline(db, order, calendar, now), sign=_sign_countdown(order, calendar, now),
        replies=repository.replies(db, order.id), returns=repository.returns(db, order.id),
        extensions=repository.extensions(db, order.id), cases=cases, callbacks=repository.callbacks(db, order.id),
        events=events, pending_return=repository.pending_return(db, order.id),
        pending_reply=repository.pending_reply(db, order.id),
        pending_extension=repository.pending_extension(db, order.id),
        open_case=repository.open_coordination(db, order.id),
        suggestions=service.suggest_units(db, order) if actions & {"dispatch"} else [],
        local_units=local, upper_units=upper, lower_centres=lower, dispatch_defaults=defaults,
        dispatch_categories=_category_options(db) if defaults is not None else [],
        unit_name=lambda uid: _unit_name(db, uid), category_path=_path(order.category),
        region_path=_path(order.region), appeal_types=_appeal_type_names(db),
        case_candidates=_case_candidates(db, cases), knowledge_answer=_knowledge_answer(db, order),
        **NAMES, RESULT_NAMES=RESULT_NAMES,
        VERDICT_NAMES=VERDICT_NAMES, ASSIGNMENT_ROLE_NAMES=ASSIGNMENT_ROLE_NAMES,
        ASSIGNMENT_STATE_NAMES=ASSIGNMENT_STATE_NAMES, DECISION_NAMES=DECISION_NAMES,
        RETURN_DECISION_NAMES=RETURN_DECISION_NAMES, results=[(r.value, n) for r, n in RESULT_NAMES.items()],
        verdicts=[(v.value, n) for v, n in VERDICT_NAMES.items()],
        intake_done=request.query_params.get("done") == "intake" and principal.can(Cap.intake),
        letters=letters, can_issue_letters=can_issue_letters, now=now, LETTER_NAMES=LETTER_NAMES,
        can_refer=can_refer, commission=commission, order_meetings=order_meetings,
        can_record_meeting=supervision.may_supervise(principal), MEETING_NAMES=MEETING_NAMES,
    )


@router.get("/orders/{number}", response_class=HTMLResponse)
def order_page(request: Request, number: str, principal: CurrentPrincipal, db: Db) -> Response:
    order = access.access_work_order(db, principal, number)
    done = request.query_params.get("done")
    return _detail(request, principal, db, order, flash=_done_message(done, order))


@router.post("/orders/{number}/citizen/reveal", response_class=HTMLResponse)
def reveal_citizen(request: Request, number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    """查看联系方式 on the order page: with htmx the contact card is swapped in place (an error
    is shown inside it); without, the whole page comes back with the contact shown."""
    order = access.access_work_order(db, principal, number)
    fragment = request.headers.get("HX-Request") == "true"
    try:
        shown = service.reveal_citizen(db, principal, order, reason=text(form, "reason"))
    except HotlineError as exc:
        db.rollback()
        if not fragment:
            errors, banner = error_map(exc)
            return _detail(request, principal, db, order, status=exc.status_code, flash=banner, flash_kind="err",
                           errors=errors, values=form)
        return render(request, "workorder/_contact.html", principal, order=order,
                      citizen=service.citizen_shown(db, principal, order),
                      error=f"查看理由{exc.reason}" if isinstance(exc, InvalidInput) else exc.message)
    if fragment:
        return render(request, "workorder/_contact.html", principal, order=order, citizen=shown, error=None)
    return _detail(request, principal, db, order, revealed=shown, flash="联系方式已显示，本次查看已记入审计日志")


# --- actions -----------------------------------------------------------------------------------


def _ids(form: dict[str, Any], key: str) -> list[int]:
    values = form.get(key)
    if not isinstance(values, list):
        return []
    out = []
    for value in values:
        number = integer({"v": value}, "v")
        if number is None or number < 1:
            raise InvalidInput(key, "单位选择无效")
        out.append(number)
    return out


def _required_id(form: dict[str, Any], key: str, message: str) -> int:
    value = integer(form, key)
    if not value:
        raise InvalidInput(key, message)
    return value


def _version(form: dict[str, Any], order: WorkOrder) -> int | None:
    """The version the form was rendered from; a different current version means someone
    else acted meanwhile (checked here too for the actions whose service takes no version)."""
    version = integer(form, "version")
    if version is not None and version != order.version:
        raise StaleVersion(STALE_BANNER, current_version=order.version)
    return version


def _reached(form: dict[str, Any]) -> bool:
    value = form.get("reached")
    if value not in ("1", "0"):
        raise InvalidInput("reached", "请选择是否接通")
    return value == "1"


def _resolved(form: dict[str, Any]) -> bool | None:
    return {"1": True, "0": False}.get(form.get("resolved") or "")


Handler = Callable[[Session, Principal, WorkOrder, dict[str, Any], int | None], None]


def _do_dispatch(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.dispatch(db, p, o, lead_unit_id=_required_id(f, "lead_unit_id", "请选择主办单位"),
                     assisting_unit_ids=_ids(f, "assisting_unit_ids"), note=text(f, "note"),
                     category_code=text(f, "category_code"), version=v)


def _do_transfer(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.transfer(db, p, o, centre_unit_id=_required_id(f, "centre_unit_id", "请选择下级热线中心"),
                     note=text(f, "note"), version=v)


def _do_sign(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.sign(db, p, o, version=v)


def _do_assist(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.submit_assist(db, p, o, text=text(f, "text") or "")


def _do_return(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.return_order(db, p, o, reason=text(f, "reason") or "",
                         suggested_unit_id=integer(f, "suggested_unit_id") or None, version=v)


def _do_reject_return(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.reject_return(db, p, o, reason=text(f, "reason") or "", version=v)


def _do_coordinate(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.open_coordination(db, p, o, candidate_unit_ids=_ids(f, "candidate_unit_ids"), note=text(f, "note"),
                              version=v)


def _do_decide(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.decide_coordination(db, p, o, unit_id=_required_id(f, "unit_id", "请选择承办单位"),
                                note=text(f, "note") or "", version=v)


def _do_extension(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    days = integer(f, "working_days", maximum=30)
    if not days:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    service.request_extension(db, p, o, working_days=days, reason=text(f, "reason") or "")


def _do_extension_decision(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    days = integer(f, "working_days", maximum=30)
    if text(f, "working_days") and not days:
        raise InvalidInput("working_days", "延期天数应为 1–30 个工作日")
    service.decide_extension(db, p, o, approve=f.get("approve") == "1", working_days=days or None,
                             note=text(f, "note"))


def _do_reply(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    result = choice(f, "result", ReplyResult)
    if result is None:
        raise InvalidInput("result", "请选择办理结果")
    service.reply(db, p, o, result=result, text=text(f, "text") or "", version=v)


def _do_review(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.review_reply(db, p, o, accept=f.get("accept") == "1", reason=text(f, "reason"), version=v)


def _do_callback(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    reached = _reached(f)
    service.record_callback(db, p, o, reached=reached, resolved=_resolved(f) if reached else None,
                            verdict=choice(f, "verdict", Verdict) if reached else None,
                            unit_fault=reached and flag(f, "unit_fault"), note=text(f, "note"), version=v)


def _do_withdraw(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.withdraw(db, p, o, reason=text(f, "reason"), version=v)


def _do_merge(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    numbers = [n.strip()[:30] for n in f.get("numbers", []) if isinstance(n, str) and n.strip()]
    if not numbers:
        raise InvalidInput("numbers", "请勾选要并入的工单")
    children = [access.access_work_order(db, p, n) for n in dict.fromkeys(numbers)]
    service.merge(db, p, o, children, version=v)


def _do_unmerge(db: Session, p: Principal, o: WorkOrder, f: dict[str, Any], v: int | None) -> None:
    service.unmerge(db, p, o, version=v)


ACTIONS: dict[str, Handler] = {
    "merge": _do_merge, "unmerge": _do_unmerge,
    "dispatch": _do_dispatch, "transfer": _do_transfer, "sign": _do_sign, "assist": _do_assist,
    "return": _do_return, "reject_return": _do_reject_return, "coordinate": _do_coordinate, "decide": _do_decide,
    "extension": _do_extension, "extension_decision": _do_extension_decision, "reply": _do_reply,
    "review": _do_review, "callback": _do_callback, "withdraw": _do_withdraw,
}


def _act(db: Session, principal: Principal, order: WorkOrder, action: str, form: dict[str, Any]) -> None:
    """Run one action; a concurrent change caught only at flush is a stale version too."""
    handler = ACTIONS[action]
    version = _version(form, order)
    try:
        handler(db, principal, order, form, version)
        db.flush()
    except StaleDataError:
        raise StaleVersion(STALE_BANNER) from None


def _failure(exc: HotlineError) -> tuple[dict[str, str], str, str]:
    """Field errors, banner and banner kind for a failed action."""
    if isinstance(exc, StaleVersion):
        return {}, STALE_BANNER, "warn"
    errors, banner = error_map(exc)
    return errors, (f"请检查表单：{banner}" if errors else banner), "err"


@router.post("/orders/{number}/{action}", response_class=HTMLResponse)
def order_action(request: Request, number: str, action: str, principal: CurrentPrincipal, db: Db,
                 form: Form) -> Response:
    if action not in ACTIONS:
        raise NotFound("没有这种操作")
    order = access.access_work_order(db, principal, number)
    try:
        _act(db, principal, order, action, form)
    except HotlineError as exc:
        db.rollback()
        errors, banner, kind = _failure(exc)
        stale = isinstance(exc, StaleVersion)
        return _detail(request, principal, db, order, status=exc.status_code, flash=banner, flash_kind=kind,
                       failed=None if stale else action, errors=errors, values={} if stale else form)
    return _redirect(f"/orders/{order.number}?done={action}")


# --- callback queue (回访) ---------------------------------------------------------------------


@dataclass
class CallbackItem:
    order: WorkOrder
    citizen: service.CitizenShown | None
    reply_text: str | None
    accepted_at: dt.datetime | None
    unreached: int


def _callbacks(request: Request, principal: Principal, db: Session, *, status: int = 200,
               flash: str | None = None, flash_kind: str = "ok", failed: str | None = None,
               errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Response:
    access.require(principal, Cap.callback)
    offset = forms.offset(request)
    f = F(status=Status.callback)
    # The repository lists newest first; the queue is worked oldest first, so take the page
    # from the other end and turn it round.
    _, total = repository.search(db, _scope(principal), f, limit=0, offset=0)
    size = max(min(PAGE, total - offset), 0)
    start = max(total - offset - PAGE, 0)
    orders = list(reversed(repository.search(db, _scope(principal), f, limit=size, offset=start)[0])) if size else []
    items = []
    for order in orders:
        reply = repository.latest_accepted_reply(db, order.id)
        attempts = repository.callbacks(db, order.id, order.rehandle_count + 1)
        items.append(CallbackItem(order, service.citizen_shown(db, principal, order),
                                  reply.text if reply else None, reply.reviewed_at if reply else None,
                                  sum(1 for c in attempts if not c.reached)))
    return render(request, "workorder/callbacks.html", principal, status_code=status, title="回访", items=items,
                  total=total, offset=offset, limit=PAGE, base="/callbacks?", flash=flash, flash_kind=flash_kind,
                  failed=failed, errors=errors or {}, values=values or {},
                  verdicts=[(v.value, n) for v, n in VERDICT_NAMES.items()],
                  max_attempts=service.MAX_CALLBACK_ATTEMPTS, **NAMES)


@router.get("/callbacks", response_class=HTMLResponse)
def callbacks_page(request: Request, principal: CurrentPrincipal, db: Db) -> Response:
    access.require(principal, Cap.callback)
    flash = None
    done = (request.query_params.get("done") or "")[:20]
    if done:
        try:
            flash = _callback_message(access.access_work_order(db, principal, done))
        except NotFound:
            flash = None
    return _callbacks(request, principal, db, flash=flash)


@router.post("/callbacks/{number}", response_class=HTMLResponse)
def callback_submit(request: Request, number: str, principal: CurrentPrincipal, db: Db, form: Form) -> Response:
    access.require(principal, Cap.callback)
    order = access.access_work_order(db, principal, number)
    try:
        _act(db, principal, order, "callback", form)
    except HotlineError as exc:
        db.rollback()
        errors, banner, kind = _failure(exc)
        stale = isinstance(exc, StaleVersion)
        return _callbacks(request, principal, db, status=exc.status_code, flash=f"{order.number}：{banner}",
                          flash_kind=kind, failed=None if stale else order.number, errors=errors,
                          values={} if stale else form)
    return _redirect(f"/callbacks?done={order.number}")
