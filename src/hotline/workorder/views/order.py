"""The order page: details, timeline, the actions offered, and revealing the reporter."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from hotline.audit import labels as audit_labels
from hotline.audit import repository as audit_repository
from hotline.auth import access
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, in_region
from hotline.kit import clock
from hotline.kit.errors import Forbidden, HotlineError, InvalidInput
from hotline.kit.workcalendar import load_calendar
from hotline.notify import messages as order_messages
from hotline.org import repository as org_repository
from hotline.org import service as org_service
from hotline.org.models import CENTRE_KINDS, Category, Region, Unit
from hotline.web.deps import CurrentPrincipal, Db
from hotline.web.forms import Form, error_map, text
from hotline.web.templating import render
from hotline.workorder import repository, service, timeline
from hotline.workorder.lifecycle import MAIN_STATUSES, OPEN_STATUSES, Action, Status, allowed_actions
from hotline.workorder.models import (
    RESULT_NAMES,
    AssignmentRole,
    AssignmentState,
    Decision,
    ReplyResult,
    Verdict,
    WorkOrder,
)
from hotline.workorder.views import extensions
from hotline.workorder.views._common import (
    NAMES,
    VERDICT_NAMES,
    _appeal_type_names,
    _callback_message,
    _category_options,
    _deadline,
    _is_centre,
    _sign_countdown,
    router,
)

ASSIGNMENT_ROLE_NAMES = {AssignmentRole.lead: "主办", AssignmentRole.assist: "协办", AssignmentRole.copy: "抄送督办"}
ASSIGNMENT_STATE_NAMES = {AssignmentState.active: "在办", AssignmentState.done: "已完成",
                          AssignmentState.revoked: "已撤销"}
DECISION_NAMES = {Decision.pending: "待审核", Decision.accepted: "通过", Decision.rejected: "未通过"}
RETURN_DECISION_NAMES = {"pending": "待审核", "redispatched": "已改派", "rejected": "驳回（无理退单）",
                         "coordinating": "提交协调"}


def _path(node: Category | Region | None) -> str:
    names: list[str] = []
    while node is not None and len(names) < 4:
        names.append(node.name)
        node = node.parent
    return " › ".join(reversed(names))


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
    for key, label in (("into", "并入"), ("by", "重复来电工单"), ("line", "联动线路"), ("other_ref", "对方单号")):
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
    "linkage": "已记录联动转接",
    "linkage_outcome": "已记录联动处置结果",
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
        sources=repository.sources_of(db, order.id), notes=service.notes(db, order),
        sms_log=[m for m in order_messages.order_log(db, order)  # a hidden reporter's texts stay hidden
                 if not (m.recipient_kind == "citizen" and service.hides_reporter(principal, order))],
        sms_status=order_messages.STATUS_NAMES,
        can_urge=principal.can(Cap.intake) and not principal.is_service and order.status in MAIN_STATUSES,
        last_urged=max((e.at for e in rows if e.action == "work_order.urged"), default=None),
        sections=[p for p in (section(request, db, principal, order) for section in extensions.ORDER_SECTIONS) if p],
        callback_extra=Markup("").join(p for p in (f(request, db, principal, order) for f in extensions.CALLBACK_FIELDS)
                                       if p) if "callback" in actions else None,
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
