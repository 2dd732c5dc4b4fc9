"""The workbench (工作台): each role's home page shows what it acts on now — counts that open the
list behind them, the most urgent items with their countdowns, one click to the object.

* **Agent**: orders taken today, own drafts (暂存草稿), callbacks due, knowledge published this week.
* **Dispatcher**: orders waiting for dispatch (oldest first, with the suggested unit), returns
  and extension requests waiting for a decision, direct dispatches that failed.
* **Supervisor**: due-soon and overdue orders by unit, replies waiting for review, escalations
  and early warnings of today, supervision letters awaiting an answer.
* **Unit handler / manager**: to sign, to reply, due soon, overdue, sent back for re-handling,
  letters to answer — each with its countdown.
* **Sector viewer**: the sector's open overdue orders. **Auditor**: the audit chain's last
  check and today's views of personal data. **Knowledge editor / reviewer**: their items in
  draft, sent back or waiting for review, policy documents under the 7-working-day rule.
  **Administrator**: the calendar of next year, failed and pending texts, units without a phone.

Every count is a narrow read (``workbench.repository``); the lists it opens are the order
lists, the order search and the domains' own pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from hotline.auth import access
from hotline.auth.models import Role
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap
from hotline.kit import clock, redact
from hotline.kit.workcalendar import WorkCalendar, load_calendar
from hotline.knowledge.models import VersionStatus
from hotline.notify.models import NotificationStatus
from hotline.workbench import repository as repo
from hotline.workorder.lifecycle import Status
from hotline.workorder.models import WorkOrder
from hotline.workorder.search_repository import centre_ids_of, scope_for
from hotline.workorder.service import drafts
from hotline.workorder.service.citizen import hides_reporters
from hotline.workorder.views import countdown

W = WorkOrder
LINES = 5
#: Views of personal data the auditor's workbench counts.
SENSITIVE = ("pii.viewed", "pii.revealed", "pii.searched", "work_order.exported", "citizen.exported")


@dataclass
class Line:
    text: str
    url: str
    note: str = ""
    hot: bool = False


@dataclass
class Card:
    key: str
    title: str
    count: int | None = None
    url: str | None = None
    lines: list[Line] = field(default_factory=list)
    hint: str = ""
    hot: bool = False  # the count asks for attention (overdue, failed)
    table: list[dict[str, Any]] | None = None  # the supervisor's deadlines by unit


@dataclass
class Workbench:
    role: Role
    cards: list[Card]


def _search(**params: Any) -> str:
    return "/orders/search?" + urlencode({"run": 1, **{k: v for k, v in params.items() if v is not None}})


def _order_line(principal: Principal, o: repo.OrderLine, note: str = "", hot: bool = False) -> Line:
    title = redact.mask_personal_text(o.title) if o.is_confidential and hides_reporters(principal) else o.title
    flags = ("【绿色通道】" if o.is_enterprise else "") + (f"【催办 {o.urge_count}】" if o.urge_count else "")
    return Line(f"{o.number} {flags}{title}", f"/orders/{o.number}", note, hot)


def _left(calendar: WorkCalendar, now: dt.datetime, due: dt.datetime | None) -> tuple[str, bool]:
    if due is None:
        return "", False
    return countdown(calendar, now, due), due < now


def _day_start(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.astimezone(clock.CST).date(), dt.time(), clock.CST)


# --- roles ----------------------------------------------------------------------------------------


def _unit(session: Session, p: Principal, now: dt.datetime) -> list[Card]:
    calendar = load_calendar(session)
    unit = p.unit_id

    def queue(key: str, title: str, url: str, *conditions: Any, order: Any, due: str,
              lead_only: bool = False, hot: bool = False) -> Card:
        total = repo.count(session, repo.unit_queue(unit, *conditions, lead_only=lead_only))
        lines = []
        for o in repo.unit_lines(session, unit, *conditions, order=order, limit=LINES, lead_only=lead_only):
            left, late = _left(calendar, now, getattr(o, due))
            lines.append(_order_line(p, o, left, late))
        return Card(key, title, total, url, lines, hot=hot and total > 0)

    letters_total, letters = repo.unit_letters(session, unit, LINES)
    return [
        queue("to_sign", "待签收", "/orders?tab=to_sign", W.status == Status.dispatched,
              order=W.sign_due_at.asc().nulls_last(), due="sign_due_at"),
        queue("to_reply", "待答复（办理中）", "/orders?tab=handling", W.status == Status.handling,
              order=W.due_at.asc().nulls_last(), due="due_at", lead_only=True),
        queue("due_soon", "临期", _search(due_soon="true"), W.status.in_(repo.IN_HAND),
              W.due_soon_warned_at.is_not(None), W.overdue_at.is_(None), order=W.due_at.asc().nulls_last(),
              due="due_at"),
        queue("overdue", "已超期", "/orders?tab=overdue", W.status.in_(repo.IN_HAND), W.overdue_at.is_not(None),
              order=W.due_at.asc().nulls_last(), due="due_at", hot=True),
        queue("rehandle", "退回重办", _search(status="handling", rehandled="true"), W.status == Status.handling,
              W.rehandle_count > 0, order=W.due_at.asc().nulls_last(), due="due_at", lead_only=True),
        Card("letters", "督办文书待回复", letters_total, None,
             [Line(f"{letter.title}（工单 {number}）", f"/orders/{number}#letters",
                   _left(calendar, now, letter.due_at)[0], letter.due_at < now) for letter, number in letters],
             hot=letters_total > 0),
    ]


def _dispatcher(session: Session, p: Principal, now: dt.datetime, scope: repo.Scope) -> list[Card]:
    from hotline.workorder import repository as workorder_repository
    from hotline.workorder import service as workorder_service

    pending_total = repo.count(session, repo.scoped(scope, W.status == Status.registered))
    lines = []
    for o in repo.centre_lines(session, scope, W.status == Status.registered, order=W.registered_at, limit=LINES):
        order = workorder_repository.by_number(session, o.number)
        suggestion = ""
        if order is not None:
            found = workorder_service.suggest_units(session, order)
            suggestion = f"建议：{found[0].unit.name}" if found else ""
        waited = int((now - o.registered_at).total_seconds() // 60)
        lines.append(_order_line(p, o, f"已等待 {waited} 分钟 {suggestion}".strip(), waited >= 15))
    failures = repo.direct_failures(session, scope, now - dt.timedelta(days=7), 20)
    return [
        Card("pending", "待派单", pending_total, "/orders?tab=pending", lines, "最早受理的在前"),
        Card("returned", "退单待审", repo.count(session, repo.scoped(scope, W.status == Status.returned)),
             "/orders?tab=returned"),
        Card("extensions", "延期待批", repo.count(session, repo.pending_extensions(scope)), "/orders?tab=extensions"),
        Card("direct_failed", "直派失败待人工派单", len(failures), None,
             [_order_line(p, o, "当地无直派单位") for o in failures], "近 7 天", hot=bool(failures)),
    ]


def _supervisor(session: Session, p: Principal, now: dt.datetime, scope: repo.Scope) -> list[Card]:
    calendar = load_calendar(session)
    centres = centre_ids_of(session, p)
    today = _day_start(now)
    table = [{"unit": d.name, "due_soon": d.due_soon, "overdue": d.overdue,
              "due_soon_url": _search(lead_unit=d.code, due_soon="true"),
              "overdue_url": _search(lead_unit=d.code, status="dispatched,handling", overdue="true")}
             for d in repo.deadlines_by_unit(session, scope, 10)]
    letters_total, letters = repo.centre_letters(session, centres, LINES)
    late = repo.late_letters(session, centres, now)
    return [
        Card("deadlines", "临期与超期（按承办单位）", None, _search(status="dispatched,handling", overdue="true"),
             table=table, hint="办理中的工单，超期多的单位在前"),
        Card("replied", "待审核答复", repo.count(session, repo.scoped(scope, W.status == Status.replied)),
             "/orders?tab=replied"),
        Card("escalated", "今日提级督办", repo.escalations_since(session, centres, today), "/ledgers?kind=escalated"),
        Card("warnings", "今日预警", repo.warnings_since(session, p.region_prefix, today), "/warnings",
             hot=repo.warnings_since(session, p.region_prefix, today) > 0),
        Card("letters", "督办文书待回复", letters_total, "/ledgers?kind=letter_overdue",
             [Line(f"{letter.unit.name}：{letter.title}", f"/orders/{number}#letters",
                   _left(calendar, now, letter.due_at)[0], letter.due_at < now) for letter, number in letters],
             f"其中已逾期 {late} 件" if late else "", hot=late > 0),
    ]


def _agent(session: Session, p: Principal, now: dt.datetime, scope: repo.Scope) -> list[Card]:
    today = _day_start(now)
    mine = repo.count(session, repo.scoped(scope, W.created_by_id == p.user_id, W.registered_at >= today))
    due = repo.count(session, repo.scoped(scope, repo.WAITING_CALLBACK))
    callbacks = repo.centre_lines(session, scope, repo.WAITING_CALLBACK, order=W.replied_at, limit=LINES)
    retries = repo.unreached_callbacks(session, [o.number for o in callbacks])
    published_total, published = repo.published_since(session, now - dt.timedelta(days=7), LINES)
    day = today.date().isoformat()
    kept = drafts.drafts(session, p)
    return [
        Card("taken_today", "今日受理", mine, _search(mine="true", **{"from": day, "to": day})),
        Card("drafts", "我的草稿", len(kept), "/console",
             [Line(drafts.title_of(d), f"/console?draft={d.ref}",
                   d.updated_at.astimezone(clock.CST).strftime("%m-%d %H:%M")) for d in kept[:LINES]],
             "受理台上暂存、尚未登记的来电"),
        Card("callbacks", "待回访", due, "/callbacks", [_callback_line(p, o, retries.get(o.number)) for o in callbacks],
             "答复已审核通过，等待回访；未接通的注明已拨次数和上次时间", hot=due > 0),
        Card("knowledge", "本周新发布的知识", published_total, "/knowledge",
             [Line(q, f"/knowledge/items/{i}", at.astimezone(clock.CST).strftime("%m-%d") if at else "")
              for i, q, at in published]),
    ]


def _callback_line(p: Principal, o: repo.OrderLine, unreached: tuple[int, dt.datetime] | None) -> Line:
    """A callback due: the first attempt, or the retry after unreached ones (how many, when last)."""
    if unreached is None:
        return _order_line(p, o, "待回访")
    tries, last = unreached
    return _order_line(p, o, f"已拨 {tries} 次未接通（上次 {last.astimezone(clock.CST):%m-%d %H:%M}），"
                             f"第 {tries + 1} 次重拨", hot=True)


def _sector(session: Session, p: Principal, now: dt.datetime, scope: repo.Scope) -> list[Card]:
    overdue = repo.count(session, repo.scoped(scope, W.status.in_(repo.IN_HAND), W.overdue_at.is_not(None)))
    lines = repo.centre_lines(session, scope, W.status.in_(repo.IN_HAND), W.overdue_at.is_not(None),
                              order=W.due_at, limit=LINES)
    return [Card("sector_overdue", "本领域超期工单", overdue, _search(status="dispatched,handling", overdue="true"),
                 [_order_line(p, o, "超期") for o in lines], hot=overdue > 0),
            Card("spot_checks", "工单抽查", None, "/spot-checks", hint="抽查本领域工单，下发整改要求")]


def _auditor(session: Session, p: Principal, now: dt.datetime) -> list[Card]:
    last = repo.last_event(session, "audit.verified")
    if last is None:
        verified = Card("chain", "审计链校验", None, "/audit", hint="尚未校验过审计链，请立即校验", hot=True)
    else:
        ok = bool(last.detail.get("ok"))
        verified = Card("chain", "审计链校验", int(str(last.detail.get("checked", 0))), "/audit",
                        hint=f"{last.at.astimezone(clock.CST):%Y-%m-%d %H:%M} 校验"
                             + ("通过" if ok else f"发现 {last.detail.get('problems', 0)} 处问题"), hot=not ok)
    total, views = repo.events_since(session, SENSITIVE, now - dt.timedelta(hours=24), 8)
    from hotline.audit.labels import ACTION_NAMES

    return [verified, Card("sensitive", "近 24 小时个人信息访问", total, "/audit?action=pii",
                           [Line(f"{e.actor_name}：{ACTION_NAMES.get(e.action, e.action)}", "/audit",
                                 e.at.astimezone(clock.CST).strftime("%H:%M")) for e in views])]


def _knowledge(session: Session, p: Principal, now: dt.datetime) -> list[Card]:
    def items(key: str, title: str, status: VersionStatus, hot: bool = False, **where: Any) -> Card:
        total, rows = repo.knowledge_items(session, status, limit=LINES, **where)
        return Card(key, title, total, "/knowledge/items?" + urlencode({"status": status.value}),
                    [Line(q, f"/knowledge/items/{i}", at.astimezone(clock.CST).strftime("%m-%d") if at else "")
                     for i, q, at in rows], hot=hot and total > 0)

    cards = [items("drafts", "本单位草稿", VersionStatus.draft, owner_unit_id=p.unit_id),
             items("rejected", "审核退回待修改", VersionStatus.rejected, hot=True, owner_unit_id=p.unit_id)]
    if p.can(Cap.review_knowledge):
        cards.insert(0, items("to_review", "待审核知识", VersionStatus.submitted, hot=True,
                              region_prefix=p.region_prefix))
    else:
        cards.append(items("submitted", "已提交待审核", VersionStatus.submitted, owner_unit_id=p.unit_id))
    total, docs = repo.unsettled_documents(session, p.region_prefix if access.is_knowledge_centre(p) else None,
                                           None if access.is_knowledge_centre(p) else p.unit_id, LINES)
    today = now.astimezone(clock.CST).date()
    cards.append(Card("documents", "政策文件待发布知识点（7 个工作日）", total, "/knowledge/documents",
                      [Line(f"{d.doc_number} {d.title}", f"/knowledge/documents/{d.id}", f"{d.due_on} 到期",
                            d.due_on < today) for d in docs]))
    return cards


def _admin(session: Session, p: Principal) -> list[Card]:
    from hotline.notify import messages

    failed = messages.count(session, p, NotificationStatus.failed)
    pending = messages.count(session, p, NotificationStatus.pending)
    return [Card("messages_failed", "发送失败的短信", failed, "/admin/messages?status=failed", hot=failed > 0),
            Card("messages_pending", "待发送的短信", pending, "/admin/messages?status=pending")]


def workbench(session: Session, principal: Principal, *, now: dt.datetime | None = None) -> Workbench:
    """The caller's workbench."""
    now = now or clock.now()
    p = principal
    cards: list[Card] = []
    if p.role in access.CENTRE_ROLES:
        scope = scope_for(session, p)
        if p.can(Cap.callback) and p.role == Role.agent:
            cards += _agent(session, p, now, scope)
        if p.can(Cap.dispatch):
            cards += _dispatcher(session, p, now, scope)
        if p.role == Role.centre_supervisor:
            cards += _supervisor(session, p, now, scope)
    elif p.can(Cap.handle):
        cards += _unit(session, p, now)
    elif p.role == Role.sector_viewer:
        cards += _sector(session, p, now, scope_for(session, p))
    elif p.role == Role.auditor:
        cards += _auditor(session, p, now)
    elif p.role in access.KNOWLEDGE_ROLES:
        cards += _knowledge(session, p, now)
    elif p.role == Role.admin:
        cards += _admin(session, p)
    return Workbench(p.role, cards)
