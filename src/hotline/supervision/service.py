"""Use cases of supervision: the deadline sweep, the projector that keeps ledgers and unit
statistics current from the work-order events, ledgers and evaluation.

Services take the session first and never commit; the job or request boundary does."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Row
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth import access
from hotline.auth.models import User
from hotline.auth.principal import Principal
from hotline.auth.roles import Cap, region_prefix
from hotline.config import get_settings
from hotline.kit import clock, excel, validate
from hotline.kit.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from hotline.kit.workcalendar import WorkCalendar, business_date, load_calendar
from hotline.notify import service as notify
from hotline.org import repository as org_repository
from hotline.org.models import Region, Unit
from hotline.supervision import documents, repository, rules
from hotline.supervision.models import (
    LEDGER_NAMES,
    LETTER_NAMES,
    MEETING_NAMES,
    NOTICE_STATUS_NAMES,
    AuthorityKind,
    DailyLedgerReport,
    EscalationKind,
    EscalationRule,
    LedgerEntry,
    LedgerKind,
    LetterKind,
    LetterTemplate,
    MeetingKind,
    NoticeItem,
    NoticeStatus,
    PublicNotice,
    SupervisionAuthority,
    SupervisionLetter,
    SupervisionMeeting,
)
from hotline.workorder import sla
from hotline.workorder.lifecycle import STATUS_NAMES, Status
from hotline.workorder.models import WorkOrder

if TYPE_CHECKING:
    from hotline.knowledge.models import PolicyDocument

PROJECTOR = "supervision"
SWEEP_BATCH = 500
PROJECT_BATCH = 2000


# --- the deadline sweep --------------------------------------------------------------------


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
    return [to_supervisor(user, template, body, order_id) for user in supervisors_for(session, centre_id)]


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


def to_supervisor(user: User, template: str, body: str, work_order_id: int | None) -> dict[str, Any]:
    """A text to a supervisor's own phone; one without a (valid) phone leaves a skipped row."""
    reason = notify.NO_USER_PHONE
    if user.phone:
        try:
            return notify.notification_row(template=template, recipient_kind="user", phone=user.phone, body=body,
                                           work_order_id=work_order_id)
        except InvalidInput:
            reason = "用户手机号无效"
    return notify.skipped_row(template=template, recipient_kind="user", body=body,
                              reason=f"{reason}（{user.username}）", work_order_id=work_order_id)


def _cst(at: dt.datetime) -> str:
    return at.astimezone(clock.CST).strftime("%m月%d日 %H:%M")


def _stamp(at: dt.datetime | None) -> str | None:
    return at.astimezone(clock.CST).strftime("%Y-%m-%d %H:%M") if at else None


def _event(session: Session, order: WorkOrder | repository.SweepCandidate, event: str, **detail: Any) -> None:
    audit.record(session, None, f"work_order.{event}", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": Status(order.status).value, **detail},
                 actor_name="system")


# --- the projector -------------------------------------------------------------------------


def project(session: Session, limit: int = PROJECT_BATCH) -> int:
    """Read the work-order events after the cursor and fold them into the unit-day counters
    and the ledgers. The cursor row is locked, so one worker projects at a time; the cursor
    moves in the same transaction as the counts, so a crash re-reads the batch and counts
    nothing twice. Returns how many events were read."""
    cursor = repository.lock_cursor(session, PROJECTOR)
    events = repository.work_order_events_after(session, cursor.last_seq, limit)
    if not events:
        return 0
    facts = repository.order_facts(session, (int(e.object_id) for e in events if e.object_id))
    counts: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    behind: list[dict[str, Any]] = []
    for event in events:
        order = facts.get(int(event.object_id)) if event.object_id else None
        if order is not None:
            _fold(session, event, order, counts, behind)
    repository.add_counts(session, counts)
    repository.add_evaluation_facts(session, behind)
    cursor.last_seq = events[-1].seq
    return len(events)


def _fold(session: Session, event: Row[Any], order: repository.OrderFacts,
          counts: dict[tuple[int, dt.date], dict[str, int]], behind: list[dict[str, Any]]) -> None:
    action = event.action.removeprefix("work_order.")
    detail: dict[str, Any] = dict(event.detail or {})
    day = event.at.astimezone(clock.CST).date()
    # Every fact carries the unit named in its event: the lead unit *now* may be another one
    # (two returns by one bureau, then a re-dispatch, must not blame the new unit). Only events
    # written before they named their unit fall back to the lead unit at projection time.
    named = detail.get("unit_id")
    unit_id: int | None = named if isinstance(named, int) else order.lead_unit_id

    def count(*names: str, unit: int | None = unit_id) -> None:
        if unit is not None:
            for name in names:
                counts[(unit, day)][name] += 1
                behind.append({"unit_id": unit, "day": day, "counter": name, "work_order_id": order.id})

    def ledger(kind: LedgerKind, reason: str) -> None:
        repository.enter_ledger(session, {
            "kind": kind, "work_order_id": order.id, "unit_id": unit_id,
            "centre_unit_id": order.centre_unit_id, "region_id": order.region_id,
            "category_id": order.category_id, "entered_at": event.at,
            "reason": reason[:200],
        })

    if action in ("dispatched", "direct_dispatched"):
        count("assigned")
    elif action == "signed":
        count("signed", *(("signed_on_time",) if detail.get("on_time", True) else ()))
    elif action == "replied":
        result = detail.get("result")
        extra = (result,) if result in ("resolved", "partly_resolved", "not_resolved") else ()
        count("replied", *(("replied_on_time",) if detail.get("on_time", True) else ()), *extra)
    elif action == "reply_rejected":
        count("reply_rejected")
        ledger(LedgerKind.perfunctory, "答复审核被退回：" + str(detail.get("note") or ""))
    elif action == "returned":
        count("returned")
        if int(detail.get("return_count", 0)) >= 2:
            ledger(LedgerKind.buck_passing, f"第 {detail.get('return_count')} 次退单：{detail.get('note') or ''}")
    elif action == "return_rejected":
        count("unjustified_returns")
    elif action == "callback_recorded":
        verdict = detail.get("verdict")
        extra = (verdict,) if verdict in ("satisfied", "basically_satisfied", "dissatisfied") else ()
        count("rated", *extra)
    elif action == "supervision_flagged":
        ledger(LedgerKind.dissatisfied_twice, str(detail.get("reason") or "两次回访不满意"))
        if detail.get("unit_fault"):
            full = session.get(WorkOrder, order.id)
            if full is not None:
                rectify(session, full)
    elif action == "rehandle":
        count("rehandled")
    elif action == "overdue":
        count("overdue")
        ledger(LedgerKind.overdue, "超过办理期限未答复")
    elif action == "closed":
        on_time = order.replied_at is not None and (order.due_at is None or order.replied_at <= order.due_at)
        count("closed", *(("closed_on_time",) if on_time else ()))
        repository.clear_ledgers(session, order.id, event.at)
    elif action in ("answered", "withdrawn"):
        repository.clear_ledgers(session, order.id, event.at)
    elif action == "transferred":
        repository.move_ledgers(session, order.id, order.centre_unit_id)
    elif action == "coordination_decided":  # a late decision is still the end of the late coordination
        repository.clear_ledgers(session, order.id, event.at, LedgerKind.coordination_overdue)
    elif action == "registered":
        found = rules.classify(order.title, order.content)
        if found is not None:
            kind, term = found
            ledger(kind, f"命中关键词“{term}”")


# --- escalated supervision -----------------------------------------------------------------


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


# --- ledgers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry as the ledger pages, the API and the Excel export show it."""

    kind: LedgerKind
    kind_name: str
    number: str
    title: str
    status: str
    unit: str | None
    region: str | None
    reason: str
    entered_at: dt.datetime
    cleared_at: dt.datetime | None
    document_id: int | None = None  # a policy document's entry (knowledge_late): no order


def ledger_filter(*, kind: LedgerKind | None = None, open_only: bool = False, unit_id: int | None = None,
                  region_code: str | None = None, since: dt.date | None = None,
                  until: dt.date | None = None) -> repository.LedgerFilter:
    """A checked ledger filter: a valid region code, a period that does not end before it
    starts. Dates are China dates; ``until`` is inclusive."""
    if region_code:
        region_code = validate.region_code(region_code, "region_code")
    if since and until and until < since:
        raise InvalidInput("until", "结束日期不能早于开始日期")
    return repository.LedgerFilter(
        kind=kind, open_only=open_only, unit_id=unit_id,
        region_prefix=region_prefix(region_code) if region_code else None,
        since=_day_start(since) if since else None,
        until=_day_start(until + dt.timedelta(days=1)) if until else None,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.CST)


def ledger(session: Session, actor: Principal, f: repository.LedgerFilter, *, limit: int = 50,
           offset: int = 0) -> tuple[list[LedgerEntry], int]:
    """A ledger within the caller's scope: supervisors see their centre's region, sector
    viewers the orders of their sectors, units their own orders."""
    access.require(actor, Cap.view_orders)
    return repository.ledger(session, lambda s: access.ledger_scope(actor, s), f, limit=limit, offset=offset)


def ledger_rows(session: Session, actor: Principal, f: repository.LedgerFilter, *, limit: int = 50,
                offset: int = 0) -> tuple[list[LedgerRow], int]:
    entries, total = ledger(session, actor, f, limit=limit, offset=offset)
    orders = repository.ledger_orders(session, entries)
    docs = repository.ledger_documents(session, entries)
    rows = []
    for e in entries:
        if e.work_order_id is not None:
            order = orders[e.work_order_id]
            number, title, status = order.number, order.title, STATUS_NAMES[order.status]
        else:  # a policy document late with its knowledge items
            assert e.policy_document_id is not None
            doc = docs[e.policy_document_id]
            number, title = doc.doc_number, doc.title[:100]
            status = "已发布知识点" if doc.first_published_at else "未发布知识点"
        rows.append(LedgerRow(
            kind=e.kind, kind_name=LEDGER_NAMES[e.kind], number=number, title=title, status=status,
            unit=e.unit.name if e.unit else None, region=e.region.name if e.region else None, reason=e.reason,
            entered_at=e.entered_at, cleared_at=e.cleared_at, document_id=e.policy_document_id,
        ))
    return rows, total


def ledger_xlsx(session: Session, actor: Principal, f: repository.LedgerFilter) -> tuple[bytes, str]:
    """The ledger as an .xlsx file and its file name."""
    rows, _ = ledger_rows(session, actor, f, limit=excel.MAX_ROWS)
    data = excel.write("台账", ["台账", "工单号", "标题", "状态", "主办单位", "区划", "原因", "列入时间", "销账时间"], [
        (r.kind_name, r.number, r.title, r.status, r.unit, r.region, r.reason, _stamp(r.entered_at),
         _stamp(r.cleared_at)) for r in rows])
    name = "台账" + (f"-{LEDGER_NAMES[f.kind]}" if f.kind else "") + f"-{clock.now().astimezone(clock.CST):%Y%m%d}.xlsx"
    return data, quote(name)


def evaluation(session: Session, since: dt.date, until: dt.date,
               weights: dict[str, float] | None = None,
               unit_ids: list[int] | None = None) -> list[tuple[int, rules.Evaluation]]:
    """Every unit with activity in the period, best score first (from the day counters)."""
    totals = repository.unit_totals(session, since, until, unit_ids)
    evaluated = [(unit_id, rules.evaluate(counts, weights)) for unit_id, counts in totals.items()]
    return sorted(evaluated, key=lambda item: (-(item[1].score if item[1].score is not None else -1), item[0]))


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit_id: int
    unit_name: str
    region_name: str
    score: float | None
    rates: dict[str, float | None]
    counts: dict[str, int]


@dataclass(frozen=True)
class Ranking:
    period: rules.Period
    rows: list[RankRow]
    #: Units with activity but fewer than ``min_orders`` orders in the period: not ranked.
    unranked: tuple[RankRow, ...] = ()
    min_orders: int = 0


def parse_period(key: str | None) -> rules.Period:
    """The named period, or this month; ``InvalidInput`` naming ``period`` otherwise."""
    if not key:
        return rules.month_of(clock.now().astimezone(clock.CST).date())
    try:
        return rules.period(key)
    except ValueError:
        raise InvalidInput("period", "考核周期应为 2026-11（月）或 2026-Q4（季度）") from None


def ranking(session: Session, period: rules.Period, *, region_prefix: str | None = None) -> Ranking:
    """The good/bad ranking (好差评榜单) of handling units for a period, best first, within a
    region (its prefix) or the whole province. Read from the day counters the projector keeps,
    never by scanning orders. Unit-level figures only: nothing personal.

    Only a unit with at least ``ranking_min_orders`` orders dispatched to it in the period (and
    a score) is ranked: a rate over two orders says little, and a unit with none would score
    full marks on what remains. The others are listed apart (``unranked``, by region and name)."""
    settings = get_settings()
    evaluated = evaluation(session, period.since, period.until, settings.evaluation_weights or None)
    units = repository.units_by_ids(session, [unit_id for unit_id, _ in evaluated])
    rows: list[RankRow] = []
    unranked: list[RankRow] = []
    for unit_id, result in evaluated:
        unit = units.get(unit_id)
        if unit is None or (region_prefix and not unit.region.code.startswith(region_prefix)):
            continue
        ranked = result.score is not None and result.counts.get("assigned", 0) >= settings.ranking_min_orders
        row = RankRow(rank=len(rows) + 1 if ranked else 0, unit_id=unit_id, unit_name=unit.name,
                      region_name=unit.region.name, score=result.score, rates=dict(result.rates),
                      counts=dict(result.counts))
        (rows if ranked else unranked).append(row)
    unranked.sort(key=lambda row: (units[row.unit_id].region.code, row.unit_name))
    return Ranking(period=period, rows=rows, unranked=tuple(unranked), min_orders=settings.ranking_min_orders)


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(100 * rate, 1)


def ranking_xlsx(r: Ranking) -> tuple[bytes, str]:
    names = list(rules.INDICATORS.values())
    data = excel.write("好差评榜单", ["名次", "单位", "区划", "综合得分", *names, "受理派单", "无理退单"], [
        (row.rank, row.unit_name, row.region_name, row.score,
         *[_percent(row.rates[k]) for k in rules.INDICATORS],
         row.counts.get("assigned", 0), row.counts.get("unjustified_returns", 0)) for row in r.rows])
    return data, quote(f"好差评榜单-{r.period.key}.xlsx")


# --- supervision letters -------------------------------------------------------------------

LETTER_WORKING_DAYS = {LetterKind.reminder: 2, LetterKind.supervision: 3, LetterKind.rectification: 5}
#: The document number's prefix (文号), e.g. 热线督〔2026〕12号.
LETTER_PREFIX = {LetterKind.reminder: "热线提示", LetterKind.supervision: "热线督",
                 LetterKind.rectification: "热线整改"}


def issue_letter(session: Session, actor: Principal | None, order: WorkOrder, *, kind: LetterKind,
                 reason: str | None = None, working_days: int | None = None, centre: Unit | None = None,
                 tell_unit: bool = True) -> SupervisionLetter:
    """Send a reminder, supervision or rectification letter to the order's lead unit, from its
    centre: the template filled with the order's facts, a response deadline in working days
    (2, 3 and 5 by default), an event on the order and a text to the unit (unless
    ``tell_unit`` is false: the caller sends its own). ``actor`` None is the platform itself
    (the rectification after a second dissatisfied callback; an escalation, whose letter comes
    from the higher ``centre``)."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.dispatch)
    unit = order.lead_unit
    if unit is None:
        raise Conflict("工单尚未派单，没有可以发函的承办单位", status=order.status.value)
    reason = validate.text(reason, "reason", max_length=500, required=False)
    days = working_days if working_days is not None else LETTER_WORKING_DAYS[kind]
    if not 1 <= days <= 30:
        raise InvalidInput("working_days", "回复期限应为 1 到 30 个工作日")
    template = session.get(LetterTemplate, kind)
    if template is None:
        raise NotFound(f"没有{LETTER_NAMES[kind]}模板")
    now = clock.now()
    due = load_calendar(session).add_working_days(now, days).at
    sender = centre or order.centre_unit
    facts = {
        "number": order.number, "title": order.title, "unit": unit.name, "registered": _date(order.registered_at),
        "due": _date(order.due_at) if order.due_at else "未定", "state": STATUS_NAMES[order.status],
        "reason": reason or "", "reply_by": _date(due), "centre": sender.name, "today": _date(now),
    }
    letter = SupervisionLetter(
        kind=kind, work_order_id=order.id, unit_id=unit.id, centre_unit_id=sender.id,
        title=template.title, body=rules.fill(template.body, facts), issued_by_id=actor.user_id if actor else None,
        issued_at=now, due_at=due,
    )
    session.add(letter)
    session.flush()
    letter.number = f"{LETTER_PREFIX[kind]}〔{now.astimezone(clock.CST).year}〕{letter.id}号"
    audit.record(session, actor, "work_order.letter_issued", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "letter": letter.number,
                         "kind": kind.value, "unit": unit.name, "due_at": due.isoformat(), "reason": reason},
                 actor_name=None if actor else "system")
    if tell_unit:
        notify.notify_unit(session, template="unit_letter", phone=unit.contact_phone,
                           body=notify.render("unit_letter", kind=LETTER_NAMES[kind], number=order.number,
                                              due=_cst(due)), work_order_id=order.id, unit_id=unit.id)
    return letter


def _date(at: dt.datetime) -> str:
    local = at.astimezone(clock.CST)
    return f"{local.year}年{local.month}月{local.day}日"


def access_letter(session: Session, actor: Principal, letter_id: int) -> SupervisionLetter:
    """A letter the caller may see: centre staff who see its order, and the addressed unit.
    Anything else is reported as not found."""
    letter = session.get(SupervisionLetter, letter_id)
    if letter is None:
        raise NotFound("督办文书不存在")
    order = session.get(WorkOrder, letter.work_order_id)
    assert order is not None
    if actor.can(Cap.handle):
        if letter.unit_id != actor.unit_id:
            raise NotFound("督办文书不存在")
        return letter
    access.access_work_order(session, actor, order.number)  # 404 outside the caller's scope
    return letter


def letters_of(session: Session, actor: Principal, order: WorkOrder) -> list[SupervisionLetter]:
    """An order's letters, oldest first; a unit sees those addressed to it."""
    letters = repository.letters_of_order(session, order.id)
    if actor.can(Cap.handle):
        letters = [x for x in letters if x.unit_id == actor.unit_id]
    return letters


def respond_letter(session: Session, actor: Principal, letter: SupervisionLetter, *, text: str) -> SupervisionLetter:
    """The addressed unit's written response (once)."""
    access.require(actor, Cap.handle)
    if letter.unit_id != actor.unit_id:
        raise NotFound("督办文书不存在")
    if letter.responded_at is not None:
        raise Conflict("该文书已经回复", status="responded")
    letter.response = validate.text(text, "text", max_length=5000, multiline=True) or ""
    letter.responded_at, letter.responded_by_id = clock.now(), actor.user_id
    order = session.get(WorkOrder, letter.work_order_id)
    assert order is not None
    audit.record(session, actor, "work_order.letter_responded", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "letter": letter.number,
                         "on_time": letter.responded_at <= letter.due_at})
    return letter


def letter_templates(session: Session, actor: Principal) -> list[LetterTemplate]:
    access.require_province_admin(actor)
    return repository.letter_templates(session)


def save_letter_template(session: Session, actor: Principal, kind: LetterKind, *, title: str,
                         body: str) -> LetterTemplate:
    """Change a letter's text; only the allowed ``{fields}`` may appear (422 naming ``body``)."""
    access.require_province_admin(actor)
    title = validate.text(title, "title", max_length=100) or ""
    body = validate.text(body, "body", max_length=5000, multiline=True) or ""
    try:
        rules.template_fields(body)
    except ValueError as exc:
        raise InvalidInput("body", str(exc)) from None
    template = session.get(LetterTemplate, kind)
    if template is None:
        template = LetterTemplate(kind=kind, title=title, body=body)
        session.add(template)
    template.title, template.body = title, body
    audit.record(session, actor, "letter_template.saved", object_type="letter_template", object_id=kind.value,
                 detail={"title": title})
    return template


# --- rectification and referral (S2 §五, S4 达州) ---------------------------------------------

RECTIFY_REASON = "两次回访群众不满意，系承办单位责任（拖延办理、虚假答复或推诿扯皮）"


def authority_for(session: Session, region: Region | None, kind: AuthorityKind) -> Unit | None:
    """The nearest business-environment authority or discipline commission of a place."""
    chain = org_repository.region_chain(session, region) if region is not None else []
    for node in chain:
        unit = repository.authority(session, node.id, kind)
        if unit is not None:
            return unit
    return None


def rectify(session: Session, order: WorkOrder) -> SupervisionLetter | None:
    """A second dissatisfied callback through the unit's fault: a rectification letter to the
    lead unit and a notice to the business-environment authority. Once per order."""
    if order.lead_unit_id is None or repository.has_letter(session, order.id, LetterKind.rectification):
        return None
    letter = issue_letter(session, None, order, kind=LetterKind.rectification, reason=RECTIFY_REASON)
    authority = authority_for(session, order.region, AuthorityKind.business_environment)
    if authority is not None:
        audit.record(session, None, "work_order.business_environment_notified", object_type="work_order",
                     object_id=order.id, detail={"number": order.number, "status": order.status.value,
                                                 "unit": authority.name, "letter": letter.number},
                     actor_name="system")
        if authority.contact_phone:
            notify.notify(session, template="authority_rectification", recipient_kind="unit",
                          phone=authority.contact_phone,
                          body=notify.render("authority_rectification", number=order.number,
                                             unit=order.lead_unit.name if order.lead_unit else "",
                                             letter=letter.number or ""),
                          work_order_id=order.id, unit_id=authority.id)
    return letter


def refer(session: Session, actor: Principal | None, order: WorkOrder, *, reason: str | None = None) -> Unit:
    """Refer an order to the discipline commission (移交纪委监委) when the rectification did not
    fix it: allowed once a rectification letter has been sent, and automatic when that letter
    goes unanswered past its deadline. Records the referral on the ledger and the timeline and
    tells the commission; the case file is ``documents.case_file_docx``. Once per order."""
    if actor is not None:
        access.require_centre_of(actor, order, Cap.dispatch)
    letters = [x for x in repository.letters_of_order(session, order.id) if x.kind == LetterKind.rectification]
    if not letters:
        raise Conflict("尚未发出整改函，不能移交纪检监察机关", status=order.status.value)
    if repository.on_ledger(session, order.id, LedgerKind.referred):
        raise Conflict("该工单已移交纪检监察机关", status=order.status.value)
    commission = authority_for(session, order.region, AuthorityKind.discipline)
    if commission is None:
        raise Conflict("未设置该地的纪检监察机关，请管理员先配置", status=order.status.value)
    text = validate.text(reason, "reason", max_length=500, required=False) or "整改函逾期未整改或整改不到位"
    now = clock.now()
    repository.enter_ledger(session, {
        "kind": LedgerKind.referred, "work_order_id": order.id, "unit_id": order.lead_unit_id,
        "centre_unit_id": order.centre_unit_id, "region_id": order.region_id, "category_id": order.category_id,
        "entered_at": now, "reason": f"移交{commission.name}：{text}"[:200],
    })
    audit.record(session, actor, "work_order.referred", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value, "unit": commission.name,
                         "letter": letters[-1].number, "reason": text},
                 actor_name=None if actor else "system")
    if commission.contact_phone:
        notify.notify(session, template="authority_referral", recipient_kind="unit", phone=commission.contact_phone,
                      body=notify.render("authority_referral", number=order.number), work_order_id=order.id,
                      unit_id=commission.id)
    return commission


def refer_overdue_rectifications(session: Session, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Refer every order whose rectification letter is past its deadline without a response."""
    done = 0
    for letter in repository.overdue_rectifications(session, now or clock.now(), limit):
        order = session.get(WorkOrder, letter.work_order_id)
        if order is None or authority_for(session, order.region, AuthorityKind.discipline) is None:
            continue
        refer(session, None, order, reason=f"整改函 {letter.number} 逾期未回复")
        done += 1
    return done


def case_file(session: Session, actor: Principal, order: WorkOrder) -> bytes:
    """The referral case file of an order, for centre staff (audited: it is evidence)."""
    access.require_centre_of(actor, order, Cap.dispatch)
    from hotline.workorder import repository as workorder_repository
    from hotline.workorder import timeline

    events = [documents.CaseEvent(e.at, timeline.staff_label(e.action), e.actor_name or "",
                                  str(e.detail.get("note") or e.detail.get("reason") or "") or None)
              for e in workorder_repository.events(session, order.id)]
    data = documents.case_file_docx(order, events, workorder_repository.replies(session, order.id),
                                    repository.letters_of_order(session, order.id))
    audit.record(session, actor, "work_order.case_file_exported", object_type="work_order", object_id=order.id,
                 detail={"number": order.number, "status": order.status.value})
    return data


def authorities(session: Session, actor: Principal) -> list[SupervisionAuthority]:
    access.require(actor, Cap.manage_org)
    return repository.all_authorities(session, actor.region_prefix)


def set_authority(session: Session, actor: Principal, *, region_code: str, kind: AuthorityKind,
                  unit_id: int) -> SupervisionAuthority:
    """Name a region's business-environment authority or discipline commission (an
    administrator of that region); the unit must lie in the region."""
    region = access.access_region(session, actor, validate.region_code(region_code, "region_code"), write=True)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise InvalidInput("unit_id", f"单位 {unit_id} 不存在或已停用")
    if not unit.region.code.startswith(region_prefix(region.code)):
        raise InvalidInput("unit_id", f"{unit.name} 不在{region.name}")
    found = repository.set_authority(session, region.id, kind, unit.id)
    audit.record(session, actor, "supervision_authority.saved", object_type="region", object_id=region.code,
                 detail={"kind": kind.value, "unit": unit.name})
    return found


# --- admonition talks and joint meetings -------------------------------------------------------


def _require_supervisor(actor: Principal) -> None:
    """Supervision actions are the hotline centre's: its dispatchers and supervisors."""
    access.require(actor, Cap.dispatch)
    if actor.role not in access.CENTRE_ROLES:
        raise Forbidden("只有热线中心可以开展督办")


def may_supervise(actor: Principal) -> bool:
    """Whether the caller may record meetings and draft notices (the pages ask before they
    offer the forms; every service checks again)."""
    try:
        _require_supervisor(actor)
    except Forbidden:
        return False
    return True


def _in_region(actor: Principal, unit: Unit) -> bool:
    return unit.region.code.startswith(actor.region_prefix)


def record_meeting(session: Session, actor: Principal, *, kind: MeetingKind, held_at: dt.datetime, place: str,
                   subject: str, attendees: str, decisions: str, unit_ids: list[int], order_numbers: list[str],
                   due_on: dt.date | None = None) -> SupervisionMeeting:
    """Record an admonition talk (约谈: at least the unit admonished) or a joint meeting
    (联席会议: at least two units) held by the caller's centre: participants, decisions and
    the orders it was about (each in the caller's scope). Every linked order gets the meeting
    on its timeline; every unit that took part is told."""
    _require_supervisor(actor)
    if held_at.tzinfo is None:
        raise InvalidInput("held_at", "时间须带时区，例如 2026-12-01T15:00+08:00")
    now = clock.now()
    if not now - dt.timedelta(days=366) <= held_at <= now + dt.timedelta(days=1):
        raise InvalidInput("held_at", "会议时间应在过去一年内")
    texts = {
        "place": validate.text(place, "place", max_length=200),
        "subject": validate.text(subject, "subject", max_length=200),
        "attendees": validate.text(attendees, "attendees", max_length=5000, multiline=True),
        "decisions": validate.text(decisions, "decisions", max_length=10000, multiline=True),
    }
    wanted = list(dict.fromkeys(unit_ids))
    if not rules.MEETING_MIN_UNITS[kind] <= len(wanted) <= rules.MEETING_MAX_UNITS:
        raise InvalidInput("unit_ids", f"{MEETING_NAMES[kind]}应有 {rules.MEETING_MIN_UNITS[kind]} 到 "
                                       f"{rules.MEETING_MAX_UNITS} 个参会单位")
    units: list[Unit] = []
    for unit_id in wanted:
        unit = session.get(Unit, unit_id)
        if unit is None or not unit.active or not _in_region(actor, unit):
            raise InvalidInput("unit_ids", f"单位 {unit_id} 不存在或不在本辖区")
        units.append(unit)
    numbers = list(dict.fromkeys(n.strip() for n in order_numbers if n.strip()))
    if len(numbers) > rules.MEETING_MAX_ORDERS:
        raise InvalidInput("order_numbers", f"最多关联 {rules.MEETING_MAX_ORDERS} 件工单")
    orders = [access.access_work_order(session, actor, n) for n in numbers]
    if due_on is not None and due_on < held_at.astimezone(clock.CST).date():
        raise InvalidInput("due_on", "落实期限不能早于会议日期")
    meeting = SupervisionMeeting(kind=kind, centre_unit_id=actor.unit_id, held_at=held_at, due_on=due_on,
                                 recorded_by_id=actor.user_id, recorded_at=now, units=units, **texts)
    session.add(meeting)
    session.flush()
    repository.link_meeting_orders(session, meeting.id, [o.id for o in orders])
    audit.record(session, actor, "supervision.meeting_recorded", object_type="supervision_meeting",
                 object_id=meeting.id, detail={"kind": kind.value, "subject": meeting.subject,
                                               "units": [u.name for u in units], "orders": numbers})
    for order in orders:
        audit.record(session, actor, "work_order.meeting_held", object_type="work_order", object_id=order.id,
                     detail={"number": order.number, "status": order.status.value, "meeting": meeting.id,
                             "kind": kind.value, "note": f"{MEETING_NAMES[kind]}：{meeting.subject}"})
    centre = session.get(Unit, actor.unit_id)
    when = _date(held_at)
    for unit in units:
        notify.notify_unit(session, template="unit_meeting", phone=unit.contact_phone,
                           body=notify.render("unit_meeting", centre=centre.name if centre else "", when=when,
                                              subject=meeting.subject, kind=MEETING_NAMES[kind]), unit_id=unit.id)
    return meeting


def access_meeting(session: Session, actor: Principal, meeting_id: int) -> SupervisionMeeting:
    """A meeting the caller may see: centre staff of the region of the centre that held it,
    and the units that took part. Anything else is not found."""
    meeting = session.get(SupervisionMeeting, meeting_id)
    if meeting is None:
        raise NotFound("会议记录不存在")
    if actor.role in access.CENTRE_ROLES and actor.can(Cap.view_orders) and _in_region(actor, meeting.centre_unit):
        return meeting
    if actor.can(Cap.handle) and any(u.id == actor.unit_id for u in meeting.units):
        return meeting
    raise NotFound("会议记录不存在")


def meetings(session: Session, actor: Principal, *, kind: MeetingKind | None = None, order: WorkOrder | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[SupervisionMeeting], int]:
    """Meetings the caller may see (see :func:`access_meeting`), newest first."""
    order_id = order.id if order is not None else None
    if actor.role in access.CENTRE_ROLES and actor.can(Cap.view_orders):
        return repository.meetings(session, centre_prefix=actor.region_prefix, unit_id=None, kind=kind,
                                   work_order_id=order_id, limit=limit, offset=offset)
    if actor.can(Cap.handle):
        return repository.meetings(session, centre_prefix=None, unit_id=actor.unit_id, kind=kind,
                                   work_order_id=order_id, limit=limit, offset=offset)
    raise Forbidden("无权查看督办会议")


def meeting_orders(session: Session, meeting: SupervisionMeeting) -> list[str]:
    return repository.meeting_order_numbers(session, meeting.id)


# --- public notices (通报) ---------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeLine:
    number: str
    problem: str | None = None  # None: what the order's latest ledger entry says


def access_notice(session: Session, actor: Principal, notice_id: int) -> PublicNotice:
    """A notice of a centre in the caller's region (centre staff); not found otherwise."""
    notice = session.get(PublicNotice, notice_id)
    if (notice is None or actor.role not in access.CENTRE_ROLES or not actor.can(Cap.view_orders)
            or not _in_region(actor, notice.centre_unit)):
        raise NotFound("通报不存在")
    return notice


def notices(session: Session, actor: Principal, *, status: NoticeStatus | None = None, limit: int = 50,
            offset: int = 0) -> tuple[list[PublicNotice], int]:
    if actor.role not in access.CENTRE_ROLES or not actor.can(Cap.view_orders):
        raise Forbidden("无权查看通报")
    return repository.notices(session, centre_prefix=actor.region_prefix, status=status, limit=limit,
                              offset=offset)


def _notice_items(session: Session, actor: Principal, lines: list[NoticeLine]) -> list[NoticeItem]:
    if not 1 <= len(lines) <= rules.NOTICE_MAX_ITEMS:
        raise InvalidInput("items", f"通报应列 1 到 {rules.NOTICE_MAX_ITEMS} 件工单")
    items: list[NoticeItem] = []
    seen: set[str] = set()
    for line in lines:
        number = line.number.strip()
        if number in seen:
            raise InvalidInput("items", f"工单 {number} 重复")
        seen.add(number)
        order = access.access_work_order(session, actor, number)
        problem = validate.text(line.problem, "problem", max_length=500, required=False)
        latest = repository.latest_ledger_entry(session, order.id)
        problem = problem or (latest.reason if latest else None)
        if not problem:
            raise InvalidInput("problem", f"请写明工单 {number} 存在的问题")
        # the unit the ledger blames, not whoever holds the order now (a re-dispatched order)
        unit_id = latest.unit_id if latest is not None and latest.unit_id is not None else order.lead_unit_id
        items.append(NoticeItem(work_order_id=order.id, unit_id=unit_id, problem=problem,
                                position=len(items) + 1))
    return items


def create_notice(session: Session, actor: Principal, *, title: str, body: str,
                  lines: list[NoticeLine]) -> PublicNotice:
    """Draft a public notice (通报) of irregular orders; each line's problem defaults to what
    the order's latest ledger entry says."""
    _require_supervisor(actor)
    notice = PublicNotice(centre_unit_id=actor.unit_id, title=validate.text(title, "title", max_length=100) or "",
                          body=validate.text(body, "body", max_length=10000, multiline=True) or "",
                          status=NoticeStatus.draft, created_by_id=actor.user_id, created_at=clock.now(),
                          items=_notice_items(session, actor, lines))
    session.add(notice)
    session.flush()
    audit.record(session, actor, "public_notice.drafted", object_type="public_notice", object_id=notice.id,
                 detail={"title": notice.title, "items": len(notice.items)})
    return notice


def update_notice(session: Session, actor: Principal, notice: PublicNotice, *, title: str, body: str,
                  lines: list[NoticeLine]) -> PublicNotice:
    """Edit a draft: a published notice is a public record and never edited (withdraw it)."""
    _require_supervisor(actor)
    if notice.status != NoticeStatus.draft:
        raise IllegalTransition(f"{NOTICE_STATUS_NAMES[notice.status]}的通报不能修改", status=notice.status.value)
    title_text = validate.text(title, "title", max_length=100) or ""
    body_text = validate.text(body, "body", max_length=10000, multiline=True) or ""
    items = _notice_items(session, actor, lines)
    notice.items.clear()
    session.flush()  # the old lines go before the new ones take their (notice, order) keys
    notice.title, notice.body, notice.items = title_text, body_text, items
    session.flush()
    audit.record(session, actor, "public_notice.edited", object_type="public_notice", object_id=notice.id,
                 detail={"title": notice.title, "items": len(items)})
    return notice


def publish_notice(session: Session, actor: Principal, notice: PublicNotice) -> PublicNotice:
    """Publish a draft: it gets its number, appears on the public site, goes on each order's
    timeline and is sent to every unit it names."""
    _require_supervisor(actor)
    notice.status = rules.notice_step(notice.status, "publish")
    now = clock.now()
    notice.published_at = now
    notice.number = f"通报〔{now.astimezone(clock.CST).year}〕{notice.id}号"
    per_unit: dict[int, int] = defaultdict(int)
    for item in notice.items:
        order = session.get(WorkOrder, item.work_order_id)
        assert order is not None
        audit.record(session, actor, "work_order.notice_published", object_type="work_order", object_id=order.id,
                     detail={"number": order.number, "status": order.status.value, "notice": notice.number,
                             "note": item.problem})
        if item.unit_id is not None:
            per_unit[item.unit_id] += 1
    audit.record(session, actor, "public_notice.published", object_type="public_notice", object_id=notice.id,
                 detail={"number": notice.number, "items": len(notice.items)})
    for unit_id, count in per_unit.items():
        unit = session.get(Unit, unit_id)
        if unit is not None:
            notify.notify_unit(session, template="unit_notice", phone=unit.contact_phone,
                               body=notify.render("unit_notice", centre=notice.centre_unit.name,
                                                  notice=notice.number, count=count), unit_id=unit.id)
    return notice


def withdraw_notice(session: Session, actor: Principal, notice: PublicNotice, *, reason: str) -> PublicNotice:
    """Take a published notice off the public site (kept, with why, for the record)."""
    _require_supervisor(actor)
    text = validate.text(reason, "reason", max_length=500) or ""
    notice.status = rules.notice_step(notice.status, "withdraw")
    notice.withdrawn_at, notice.withdrawn_reason = clock.now(), text
    audit.record(session, actor, "public_notice.withdrawn", object_type="public_notice", object_id=notice.id,
                 detail={"number": notice.number, "reason": text})
    return notice


def notice_lines(session: Session, notice: PublicNotice) -> list[documents.NoticeLine]:
    orders = repository.orders_by_ids(session, (i.work_order_id for i in notice.items))
    lines: list[documents.NoticeLine] = []
    for item in notice.items:
        order = orders[item.work_order_id]
        lines.append(documents.NoticeLine(
            order_number=order.number, unit=item.unit.name if item.unit else "—",
            category=order.category.name if order.category else "—",
            region=order.region.name if order.region else "—", problem=item.problem))
    return lines


def public_notices(session: Session, *, limit: int = 20, offset: int = 0) -> tuple[list[PublicNotice], int]:
    return repository.notices(session, centre_prefix=None, status=NoticeStatus.published, limit=limit,
                              offset=offset)


def public_notice(session: Session, notice_id: int) -> PublicNotice:
    notice = session.get(PublicNotice, notice_id)
    if notice is None or notice.status != NoticeStatus.published:
        raise NotFound("通报不存在")
    return notice


def notice_docx(session: Session, notice: PublicNotice) -> bytes:
    return documents.notice_docx(notice, notice_lines(session, notice))


# --- drill-down: the orders behind a figure ------------------------------------------------------


@dataclass(frozen=True)
class BehindRow:
    number: str
    title: str
    status: str
    registered_at: dt.datetime
    counted: list[str]  # the counters this order counted in for the unit in the period


@dataclass(frozen=True)
class Behind:
    unit: Unit
    period: rules.Period
    label: str
    rows: list[BehindRow]
    total: int  # orders
    counted: int  # counts (an order replied twice counts twice)


def orders_behind(session: Session, actor: Principal, *, unit_id: int, period: rules.Period,
                  figure: str | None = None, part: str = "base", counter: str | None = None, limit: int = 50,
                  offset: int = 0) -> Behind:
    """The orders behind one figure of a unit's evaluation, for staff: for a rate
    (``figure``), the orders of its denominator (``part=base``), of its numerator (``hit``) or
    of the denominator but not the numerator (``miss``, e.g. the orders signed late); or the
    orders of one counter (``counter``). Read from the facts the projector keeps with every
    count, so the list matches the figure. Only orders in the caller's scope are listed."""
    access.require(actor, Cap.view_orders)
    unit = session.get(Unit, unit_id)
    if unit is None or not _in_region(actor, unit):
        raise NotFound(f"单位 {unit_id} 不存在")
    excluding: tuple[str, ...] = ()
    if counter is not None:
        if counter not in rules.COUNTER_NAMES or counter in ("kb_due", "kb_on_time"):
            raise InvalidInput("counter", "没有这项统计")
        counters: tuple[str, ...] = (counter,)
        label = rules.COUNTER_NAMES[counter]
    elif figure in rules.DOCUMENT_RATES:
        raise InvalidInput("figure", "知识库维护率按政策文件统计，请在知识库的政策文件页查看")
    elif figure in rules.RATE_PARTS:
        numerator, denominator = rules.RATE_PARTS[figure]
        name = rules.INDICATORS[figure]
        if part == "hit":
            counters, label = numerator, f"{name}：计入（{'、'.join(rules.COUNTER_NAMES[n] for n in numerator)}）"
        elif part == "miss":
            counters, excluding = (denominator,), numerator
            label = f"{name}：{rules.COUNTER_NAMES[denominator]}但未计入"
        elif part == "base":
            counters, label = (denominator,), f"{name}：{rules.COUNTER_NAMES[denominator]}（分母）"
        else:
            raise InvalidInput("part", "应为 base、hit 或 miss")
    else:
        raise InvalidInput("figure", "请指定考核指标或统计项")
    found, total, counted = repository.orders_behind(
        session, lambda stmt: access.order_scope(actor, stmt), unit_id=unit.id, counters=counters,
        excluding=excluding, since=period.since, until=period.until, limit=limit, offset=offset)
    marks = repository.counters_of(session, unit.id, [o.id for o in found], period.since, period.until)
    rows = [BehindRow(number=o.number, title=o.title, status=STATUS_NAMES[o.status], registered_at=o.registered_at,
                      counted=[rules.COUNTER_NAMES[c] for c in dict.fromkeys(marks.get(o.id, []))]) for o in found]
    return Behind(unit=unit, period=period, label=label, rows=rows, total=total, counted=counted)


# --- overdue letters and the daily emergency ledger ----------------------------------------------


def ledger_overdue_letters(session: Session, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Put every order whose supervision letter is past its response deadline, unanswered,
    on the ledger of overdue letters (once per order)."""
    now = now or clock.now()
    done = 0
    for letter in repository.letters_past_due_not_on_ledger(session, now, limit):
        order = session.get(WorkOrder, letter.work_order_id)
        if order is None:
            continue
        repository.enter_ledger(session, {
            "kind": LedgerKind.letter_overdue, "work_order_id": order.id, "unit_id": letter.unit_id,
            "centre_unit_id": letter.centre_unit_id, "region_id": order.region_id, "category_id": order.category_id,
            "entered_at": now, "reason": f"{LETTER_NAMES[letter.kind]} {letter.number} 逾期未回复"[:200],
        })
        done += 1
    return done


#: The hour (China time) from which the previous day's emergency ledger goes out.
DAILY_REPORT_HOUR = 8


def send_daily_reports(session: Session, now: dt.datetime | None = None) -> int:
    """Each morning from 08:00 China time, tell every provincial sector department (a
    department with a sector viewer account) how many emergency and stability entries of
    its sectors, in its region, entered the ledger the day before, with a text to its contact
    phone. Once per department and day: re-runs and concurrent workers send nothing twice."""
    from hotline.auth import repository as auth_repository

    now = now or clock.now()
    local = now.astimezone(clock.CST)
    if local.hour < DAILY_REPORT_HOUR:
        return 0
    day = local.date() - dt.timedelta(days=1)
    since = dt.datetime.combine(day, dt.time(), tzinfo=clock.CST).astimezone(dt.UTC)
    until = since + dt.timedelta(days=1)
    sent = 0
    for unit in repository.sector_departments(session):
        if repository.daily_report_sent(session, unit.id, day):
            continue
        counts = repository.daily_counts(session, region_prefix=region_prefix(unit.region.code),
                                         category_ids=auth_repository.sector_category_ids(session, unit.id),
                                         since=since, until=until)
        if not repository.claim_daily_report(session, unit.id, day, counts[LedgerKind.emergency],
                                             counts[LedgerKind.stability], now):
            continue  # another worker got there first
        audit.record(session, None, "supervision.daily_ledger_sent", object_type="unit", object_id=unit.id,
                     detail={"day": day.isoformat(), "emergency": counts[LedgerKind.emergency],
                             "stability": counts[LedgerKind.stability]}, actor_name="system")
        if unit.contact_phone:
            notify.notify(session, template="sector_daily_ledger", recipient_kind="unit", phone=unit.contact_phone,
                          body=notify.render("sector_daily_ledger", day=f"{day.month}月{day.day}日",
                                             emergency=counts[LedgerKind.emergency],
                                             stability=counts[LedgerKind.stability]), unit_id=unit.id)
        sent += 1
    return sent


# --- knowledge upkeep: the 7-working-day rule of policy documents ------------------------------


def count_knowledge_deadline(session: Session, doc: PolicyDocument, *, on_time: bool) -> None:
    """A policy document's deadline is settled: it counts for its unit on the due day (the
    knowledge-upkeep rate of the evaluation), and a late one goes on the ledger of the centre
    of its region (cleared once an item is published)."""
    repository.add_counts(session, {(doc.owner_unit_id, doc.due_on): {"kb_due": 1, "kb_on_time": int(on_time)}})
    if on_time:
        return
    centre = org_repository.cached_centre_for_region(session, doc.region)
    if centre is None:
        return
    now = clock.now()
    repository.enter_document_ledger(session, {
        "kind": LedgerKind.knowledge_late, "work_order_id": None, "policy_document_id": doc.id,
        "unit_id": doc.owner_unit_id, "centre_unit_id": centre.id, "region_id": doc.region_id, "category_id": None,
        "entered_at": now, "cleared_at": doc.first_published_at,
        "reason": f"{doc.doc_number}（{doc.issued_on:%Y-%m-%d} 印发）应于 {doc.due_on:%Y-%m-%d} 前发布知识点"[:200],
    })


def clear_knowledge_ledger(session: Session, doc: PolicyDocument, *, at: dt.datetime) -> None:
    """The document's first item is published: its late entry, if any, is cleared."""
    repository.clear_document_ledger(session, doc.id, at)


def daily_reports(session: Session, actor: Principal) -> list[DailyLedgerReport]:
    """The daily emergency ledgers sent to the caller's department (sector viewers)."""
    access.require(actor, Cap.view_orders)
    return repository.daily_reports(session, actor.unit_id)
